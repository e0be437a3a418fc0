#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace wj::server {

// What kind of network an IP address belongs to, for deciding whether WABA Journal may send
// events there (no server-side request forgery through a destination URL).
enum class AddressClass {
  kPublic,
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7
  kLinkLocal,    // 169.254/16 (except metadata), fe80::/10
  kMetadata,     // cloud metadata and host services: 169.254.169.254, 169.254.170.2,
                 // fd00:ec2::254, 100.100.100.200 (Alibaba), 168.63.129.16 (Azure)
  kUnspecified,  // 0.0.0.0/8, ::
  kMulticast,    // 224/4, ff00::/8
  kReserved,     // 240/4, 255.255.255.255, 192.0.0/24, 198.18/15, documentation ranges...
};

const char* ToString(AddressClass c);

// Classifies a numeric IPv4 or IPv6 address ("10.0.0.1", "::1", "::ffff:127.0.0.1"
// — IPv6 forms that carry an IPv4 address are classified as that address: mapped,
// compatible, NAT64 64:ff9b::/96 and 6to4 2002::/16). Returns InvalidArgument when `address` is not
// a numeric address.
Result<AddressClass> ClassifyAddress(std::string_view address);

// A destination URL, split and checked: http or https only, a host, an optional port,
// no user info. Returns InvalidArgument naming the problem.
struct DestinationUrl {
  std::string scheme;          // "http" or "https"
  std::string host;            // without brackets for IPv6
  std::uint16_t port = 0;      // explicit or the scheme's default
  std::string path_and_query;  // "/" at least
};
Result<DestinationUrl> ParseDestinationUrl(std::string_view url);

// Resolves a host name to numeric addresses (getaddrinfo in production; tests inject).
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;
Resolver SystemResolver();

// Checks that every address `url`'s host resolves to is public, unless `allow_private`
// (then loopback, private and link-local are accepted, but never metadata, unspecified,
// multicast or reserved). Returns the addresses to connect to — pin them, so that a second
// DNS answer cannot point elsewhere — or FailedPrecondition naming the refused address and
// its class (InvalidArgument for a malformed URL, Unavailable when the name does not
// resolve).
Result<std::vector<std::string>> CheckDestination(std::string_view url, bool allow_private,
                                                  const Resolver& resolve);

}  // namespace wj::server
