#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wj::server {

// Result of checking X-Hub-Signature-256. Every value but kValid is a rejection (401).
enum class SignatureCheck { kValid, kMissing, kMalformed, kMismatch };

// "valid", "missing", "malformed", "mismatch": the metrics label of each result.
std::string_view ToString(SignatureCheck check);

// Checks Meta's webhook signature: "sha256=" followed by the 64-hex-digit HMAC-SHA256 of
// the raw body keyed with an app secret. Several secrets may be configured (rotation, or
// several apps sharing one endpoint): a body is valid if any one of them matches.
// Comparison is constant-time.
//
// Thread-safety: immutable after construction; Verify() may be called from any thread.
class SignatureVerifier {
 public:
  explicit SignatureVerifier(std::vector<std::string> app_secrets);

  // `header` is the header value, or nullopt when the request had none. `body` must be the
  // bytes exactly as received: Meta signs its \u-escaped wire form, which re-serialised JSON
  // does not reproduce.
  SignatureCheck Verify(std::optional<std::string_view> header, std::string_view body) const;

 private:
  std::vector<std::string> app_secrets_;
};

// The header value Meta would send for `body` signed with `secret`: "sha256=<hex>".
std::string SignBody(std::string_view secret, std::string_view body);

}  // namespace wj::server
