#include "server/http/client_origin.h"

#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "storage/digest.h"
#include <arpa/inet.h>

namespace wj::server {
namespace {

// Parses a bare IPv4 or IPv6 address into 4 or 16 bytes.
bool ParseAddress(std::string_view text, bool* v6, std::uint8_t out[16]) {
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

// The address part of "1.2.3.4:80", "[::1]:80", "::1" or "1.2.3.4".
std::string_view HostOf(std::string_view peer) {
  if (!peer.empty() && peer.front() == '[') {
    auto end = peer.find(']');
    return end == peer.npos ? peer : peer.substr(1, end - 1);
  }
  if (peer.find(':') != peer.rfind(':')) return peer;  // bare IPv6
  auto colon = peer.find(':');
  return colon == peer.npos ? peer : peer.substr(0, colon);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// %XX escapes only: base64 has '+', which must stay '+'.
std::optional<std::string> UrlDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = HexDigitValue(in[i + 1]);
    const int lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const std::string& entry : cidrs) {
    const auto bad = [&entry] {
      return Status::InvalidArgument("--trusted-proxy: '" + entry +
                                     "' is not an IP network such as 127.0.0.1/32 or ::1/128");
    };
    Block b;
    const auto slash = entry.find('/');
    if (!ParseAddress(std::string_view(entry).substr(0, slash), &b.v6, b.bytes)) return bad();
    const int max = b.v6 ? 128 : 32;
    b.prefix = max;
    if (slash != entry.npos) {
      const std::string bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != bits.npos) {
        return bad();
      }
      b.prefix = std::stoi(bits);
      if (b.prefix > max) return bad();
    }
    out.blocks_.push_back(b);
  }
  return out;
}

bool TrustedProxies::Trusts(std::string_view peer) const {
  bool v6 = false;
  std::uint8_t addr[16] = {};
  if (!ParseAddress(HostOf(peer), &v6, addr)) return false;
  for (const Block& b : blocks_) {
    if (b.v6 != v6) continue;
    const int full = b.prefix / 8;
    const int rest = b.prefix % 8;
    if (std::memcmp(addr, b.bytes, static_cast<std::size_t>(full)) != 0) continue;
    if (rest != 0) {
      const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
      if ((addr[full] & mask) != (b.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::optional<std::string> CertificateSha256(std::string_view pem_or_escaped) {
  auto pem = UrlDecode(pem_or_escaped);
  if (!pem) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), BIO_free);
  if (!bio) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &len) != 1) return std::nullopt;
  return ToHex(std::string_view(reinterpret_cast<const char*>(md), len));
}

ClientOrigin OriginOf(const HttpRequest& request, const TrustedProxies& trusted) {
  ClientOrigin origin;
  origin.address = request.peer;
  if (!trusted.Trusts(request.peer)) return origin;
  origin.via_trusted_proxy = true;
  if (auto forwarded = request.Header("X-Forwarded-For")) {
    // The last entry is the one the trusted front added; earlier ones are the client's word.
    const auto comma = forwarded->rfind(',');
    const std::string_view last =
        Trim(comma == std::string::npos ? std::string_view(*forwarded)
                                        : std::string_view(*forwarded).substr(comma + 1));
    bool v6 = false;
    std::uint8_t ignored[16];
    if (ParseAddress(last, &v6, ignored)) origin.address = std::string(last);
  }
  if (request.Header("X-Client-Cert-Verify").value_or("") != "SUCCESS") return origin;
  ClientCertificate cert;
  cert.subject = request.Header("X-Client-Cert-Subject").value_or("");
  cert.issuer = request.Header("X-Client-Cert-Issuer").value_or("");
  cert.serial = request.Header("X-Client-Cert-Serial").value_or("");
  auto sha256 = CertificateSha256(request.Header("X-Client-Cert").value_or(""));
  if (cert.subject.empty() || !sha256) return origin;
  cert.sha256 = std::move(*sha256);
  origin.certificate = std::move(cert);
  return origin;
}

}  // namespace wj::server
