#include "server/forwarding/outbound_policy.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace wj::server {
namespace {

using Bytes16 = std::array<unsigned char, 16>;

// True when the top `bits` bits of `a` equal those of `net`.
bool InV4(std::uint32_t a, std::uint32_t net, int bits) {
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

// `a` in host byte order.
AddressClass ClassifyV4(std::uint32_t a) {
  if (InV4(a, 0x00000000, 8)) return AddressClass::kUnspecified;  // 0.0.0.0/8
  if (InV4(a, 0x7f000000, 8)) return AddressClass::kLoopback;     // 127.0.0.0/8
  if (a == 0xa9fea9fe ||  // 169.254.169.254: AWS, GCP, Azure, OCI, ...
      a == 0xa9feaa02 ||  // 169.254.170.2: AWS ECS task metadata
      a == 0x646464c8 ||  // 100.100.100.200: Alibaba Cloud (inside 100.64/10)
      a == 0xa83f8110) {  // 168.63.129.16: Azure wire server (a public address)
    return AddressClass::kMetadata;
  }
  if (InV4(a, 0xa9fe0000, 16)) return AddressClass::kLinkLocal;  // 169.254.0.0/16
  if (InV4(a, 0x0a000000, 8) ||                                  // 10.0.0.0/8
      InV4(a, 0xac100000, 12) ||                                 // 172.16.0.0/12
      InV4(a, 0xc0a80000, 16) ||                                 // 192.168.0.0/16
      InV4(a, 0x64400000, 10)) {                                 // 100.64.0.0/10 (CGNAT)
    return AddressClass::kPrivate;
  }
  if (InV4(a, 0xe0000000, 4)) return AddressClass::kMulticast;  // 224.0.0.0/4
  if (InV4(a, 0xf0000000, 4) ||   // 240.0.0.0/4, including 255.255.255.255
      InV4(a, 0xc0000000, 24) ||  // 192.0.0.0/24 (IETF protocol assignments)
      InV4(a, 0xc0000200, 24) ||  // 192.0.2.0/24 (TEST-NET-1)
      InV4(a, 0xc6120000, 15) ||  // 198.18.0.0/15 (benchmarking)
      InV4(a, 0xc6336400, 24) ||  // 198.51.100.0/24 (TEST-NET-2)
      InV4(a, 0xcb007100, 24)) {  // 203.0.113.0/24 (TEST-NET-3)
    return AddressClass::kReserved;
  }
  return AddressClass::kPublic;
}

std::uint32_t V4At(const Bytes16& b, std::size_t i) {
  return (std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) |
         (std::uint32_t{b[i + 2]} << 8) | std::uint32_t{b[i + 3]};
}

bool AllZero(const Bytes16& b, std::size_t from, std::size_t to) {
  return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(from),
                     b.begin() + static_cast<std::ptrdiff_t>(to),
                     [](unsigned char c) { return c == 0; });
}

AddressClass ClassifyV6(const Bytes16& b) {
  if (AllZero(b, 0, 16)) return AddressClass::kUnspecified;             // ::
  if (AllZero(b, 0, 15) && b[15] == 1) return AddressClass::kLoopback;  // ::1
  // Forms that carry an IPv4 address, which is where packets end up.
  if (AllZero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) {
    return ClassifyV4(V4At(b, 12));  // ::ffff:a.b.c.d (mapped)
  }
  if (AllZero(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    return ClassifyV4(V4At(b, 12));  // ::ffff:0:a.b.c.d (SIIT translated)
  }
  if (AllZero(b, 0, 12)) return ClassifyV4(V4At(b, 12));  // ::a.b.c.d (compatible)
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    if (AllZero(b, 4, 12)) return ClassifyV4(V4At(b, 12));  // 64:ff9b::/96 (NAT64)
    // 64:ff9b:1::/48 (local-use NAT64, RFC 8215): the IPv4 address may sit anywhere.
    if (b[4] == 0x00 && b[5] == 0x01) return AddressClass::kReserved;
  }
  if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(V4At(b, 2));  // 2002::/16 (6to4)
  static constexpr Bytes16 kAwsMetadata = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                           0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (b == kAwsMetadata) return AddressClass::kMetadata;                       // fd00:ec2::254
  if (b[0] == 0xff) return AddressClass::kMulticast;                           // ff00::/8
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;    // fec0::/10
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                    // fc00::/7
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return AddressClass::kReserved;  // 2001:db8::/32 (documentation)
  }
  return AddressClass::kPublic;
}

// A numeric address, parsed strictly (inet_pton), in canonical text form.
struct NumericAddress {
  AddressClass cls;
  std::string canonical;  // inet_ntop form, plus "%zone" when one was given
};

// Strict parse: dotted-quad IPv4 or IPv6 text, the latter optionally with "%zone".
std::optional<NumericAddress> ParseNumeric(std::string_view address) {
  if (address.empty() || address.find('\0') != std::string_view::npos) return std::nullopt;
  std::string text(address);
  std::string zone;
  if (std::size_t pct = text.find('%'); pct != std::string::npos) {
    zone = text.substr(pct + 1);
    text.resize(pct);
    if (zone.empty()) return std::nullopt;
    for (char c : zone) {
      if (c <= ' ' || c >= 0x7f || c == '%') return std::nullopt;
    }
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (zone.empty()) {
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
      if (inet_ntop(AF_INET, &v4, buf, sizeof buf) == nullptr) return std::nullopt;
      return NumericAddress{ClassifyV4(ntohl(v4.s_addr)), buf};
    }
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;
  Bytes16 bytes{};
  std::memcpy(bytes.data(), &v6, bytes.size());
  if (inet_ntop(AF_INET6, &v6, buf, sizeof buf) == nullptr) return std::nullopt;
  std::string canonical = buf;
  if (!zone.empty()) canonical += "%" + zone;
  return NumericAddress{ClassifyV6(bytes), std::move(canonical)};
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A registered name: letters, digits, '-', '_' and non-empty dot-separated labels of at most
// 63 characters (one trailing dot allowed). No percent-encoding, no non-ASCII (use punycode).
bool IsValidHostName(std::string_view host) {
  if (host.empty() || host.size() > 254) return false;
  if (host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

bool IsAllowable(AddressClass c) {
  return c == AddressClass::kLoopback || c == AddressClass::kPrivate ||
         c == AddressClass::kLinkLocal;
}

// "scheme://host[:port]/" for messages: the path and query may carry credentials.
std::string Origin(const DestinationUrl& u) {
  std::string out = u.scheme + "://";
  if (u.host.find(':') != std::string::npos) {
    out += "[" + u.host + "]";
  } else {
    out += u.host;
  }
  std::uint16_t default_port = u.scheme == "https" ? 443 : 80;
  if (u.port != default_port) out += ":" + std::to_string(u.port);
  return out + "/";
}

}  // namespace

const char* ToString(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMetadata:
      return "metadata";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "unknown";
}

Result<AddressClass> ClassifyAddress(std::string_view address) {
  auto parsed = ParseNumeric(address);
  if (!parsed) return Status::InvalidArgument("not a numeric IP address");
  return parsed->cls;
}

Result<DestinationUrl> ParseDestinationUrl(std::string_view url) {
  if (url.empty()) return Status::InvalidArgument("URL is empty");
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Status::InvalidArgument("URL contains whitespace, control or non-ASCII characters");
    }
    if (c == '\\') return Status::InvalidArgument("URL contains a backslash");
    if (c == '#') return Status::InvalidArgument("URL has a fragment ('#')");
  }
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Status::InvalidArgument("not a URL (expected http://host/ or https://host/)");
  }
  std::string scheme;
  for (std::size_t i = 0; i < sep; ++i) {
    char c = url[i];
    bool ok = IsAlpha(c) || (i > 0 && (IsDigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok) return Status::InvalidArgument("not a URL (expected http://host/ or https://host/)");
    scheme.push_back(Lower(c));
  }
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("scheme " + scheme + " is not allowed (only http and https)");
  }
  DestinationUrl out;
  out.scheme = scheme;
  std::string_view rest = url.substr(sep + 3);
  std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.empty()) return Status::InvalidArgument("URL has no host");
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("URL has user info ('@'); put credentials elsewhere");
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("URL has an unterminated '[' in the host");
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::InvalidArgument("URL has text after ']'");
      has_port = true;
      port_text = after.substr(1);
    }
    if (host.empty()) return Status::InvalidArgument("URL has no host");
    if (host.find('%') != std::string_view::npos) {
      return Status::InvalidArgument("URL host has an IPv6 zone id, which is not supported");
    }
    std::string host_text(host);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host_text.c_str(), &v6) != 1) {
      return Status::InvalidArgument("URL host in brackets is not an IPv6 address");
    }
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
      if (port_text.find(':') != std::string_view::npos) {
        return Status::InvalidArgument("URL host has ':' (put IPv6 addresses in brackets)");
      }
    }
    if (host.empty()) return Status::InvalidArgument("URL has no host");
    if (!IsValidHostName(host)) return Status::InvalidArgument("URL host is not a valid name");
  }
  if (has_port) {
    if (port_text.empty()) return Status::InvalidArgument("URL has an empty port");
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), IsDigit)) {
      return Status::InvalidArgument("URL port is not a number from 1 to 65535");
    }
    unsigned long port = 0;
    for (char c : port_text) port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port < 1 || port > 65535) {
      return Status::InvalidArgument("URL port is not a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(port);
  } else {
    out.port = scheme == "https" ? 443 : 80;
  }
  out.host.reserve(host.size());
  for (char c : host) out.host.push_back(Lower(c));
  if (path.empty()) {
    out.path_and_query = "/";
  } else if (path.front() == '?') {
    out.path_and_query = "/" + std::string(path);
  } else {
    out.path_and_query = std::string(path);
  }
  return out;
}

Resolver SystemResolver() {
  return [](const std::string& host) -> Result<std::vector<std::string>> {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
      std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
      return Status::Unavailable("cannot resolve " + host + ": " + why);
    }
    std::vector<std::string> out;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {};
      const char* text = nullptr;
      if (ai->ai_family == AF_INET && ai->ai_addr != nullptr) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
        text = inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      } else if (ai->ai_family == AF_INET6 && ai->ai_addr != nullptr) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
        text = inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
      }
      if (text != nullptr && std::find(out.begin(), out.end(), text) == out.end()) {
        out.emplace_back(text);
      }
    }
    freeaddrinfo(list);
    if (out.empty()) return Status::Unavailable("cannot resolve " + host + ": no address");
    return out;
  };
}

Result<std::vector<std::string>> CheckDestination(std::string_view url, bool allow_private,
                                                  const Resolver& resolve) {
  auto parsed = ParseDestinationUrl(url);
  if (!parsed.ok()) return parsed.status();
  const DestinationUrl& u = parsed.value();
  const std::string origin = Origin(u);

  std::vector<std::string> addresses;
  if (auto numeric = ParseNumeric(u.host)) {
    addresses.push_back(numeric->canonical);
  } else if (in_addr v4{}; inet_aton(u.host.c_str(), &v4) != 0) {
    // "127.1", "0x7f000001", "2130706433", "017700000001": what the C library (and so
    // getaddrinfo and many HTTP clients) reads as an IPv4 address is one.
    char buf[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &v4, buf, sizeof buf) == nullptr) {
      return Status::InvalidArgument("destination " + origin + ": host is not usable");
    }
    addresses.emplace_back(buf);
  } else {
    if (!resolve) return Status::Unavailable("destination " + origin + ": no resolver");
    Result<std::vector<std::string>> resolved = Status::Unavailable("");
    try {
      resolved = resolve(u.host);
    } catch (const std::exception& e) {
      return Status::Unavailable("destination " + origin + ": resolving failed: " + e.what());
    } catch (...) {
      return Status::Unavailable("destination " + origin + ": resolving failed");
    }
    if (!resolved.ok()) {
      return Status::Unavailable("destination " + origin +
                                 " does not resolve: " + resolved.status().message());
    }
    if (resolved->empty()) {
      return Status::Unavailable("destination " + origin + " resolves to no address");
    }
    addresses = std::move(resolved).value();
  }

  std::vector<std::string> out;
  for (const std::string& address : addresses) {
    auto numeric = ParseNumeric(address);
    if (!numeric) {
      return Status::FailedPrecondition("destination " + origin + " resolves to '" + address +
                                        "', which is not a numeric address, refused");
    }
    AddressClass cls = numeric->cls;
    if (cls != AddressClass::kPublic && !(allow_private && IsAllowable(cls))) {
      std::string msg = "destination " + origin + " resolves to " + numeric->canonical + " (" +
                        ToString(cls) + "), refused";
      if (IsAllowable(cls)) {
        msg += "; --allow-private-destinations allows loopback and private addresses";
      } else {
        msg += "; such addresses are never allowed";
      }
      return Status::FailedPrecondition(std::move(msg));
    }
    if (std::find(out.begin(), out.end(), numeric->canonical) == out.end()) {
      out.push_back(numeric->canonical);
    }
  }
  return out;
}

}  // namespace wj::server
