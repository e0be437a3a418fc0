#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/router.h"
#include "storage/status.h"

namespace wj::server {

// The peers whose forwarding headers are believed: the TLS front (`--trusted-proxy CIDR`).
//
// Thread-safety: immutable after construction.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry is an IPv4 or IPv6 network in CIDR notation ("127.0.0.1/32", "10.0.0.0/8",
  // "::1/128"); a bare address means that address alone. InvalidArgument naming the first
  // malformed entry.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return blocks_.empty(); }
  // Whether `peer` ("1.2.3.4:port", "[::1]:port" or a bare address) is in one of the networks.
  bool Trusts(std::string_view peer) const;

 private:
  struct Block {
    bool v6 = false;
    std::uint8_t bytes[16] = {};
    int prefix = 0;
  };
  std::vector<Block> blocks_;
};

// A client certificate that the trusted front verified (chain and Meta's CN), as it attested.
struct ClientCertificate {
  std::string subject;  // RFC 2253, e.g. "CN=client.webhooks.fbclientcerts.com,O=…"
  std::string issuer;   // RFC 2253
  std::string serial;   // hex, as the front prints it
  std::string sha256;   // lowercase hex SHA-256 of the certificate's DER bytes
};

// Where a request came from. From a trusted front, the address is the one it forwarded and
// the certificate the one it verified; from anyone else, the socket's peer and no certificate,
// whatever headers the client sent.
struct ClientOrigin {
  std::string address;
  bool via_trusted_proxy = false;
  std::optional<ClientCertificate> certificate;
};

// Reads X-Forwarded-For (its last entry: the one the front appended) and, when
// X-Client-Cert-Verify is SUCCESS, X-Client-Cert-Subject, -Issuer, -Serial and X-Client-Cert
// (the URL-encoded PEM the front passes; the fingerprint is computed from its DER bytes here).
// A front that says SUCCESS without a subject or a parsable certificate attests nothing.
ClientOrigin OriginOf(const HttpRequest& request, const TrustedProxies& trusted);

// The SHA-256 (lowercase hex) of the DER bytes of a PEM certificate, URL-encoded or not.
// nullopt when it is not one certificate.
std::optional<std::string> CertificateSha256(std::string_view pem_or_escaped);

}  // namespace wj::server
