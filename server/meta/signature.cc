#include "server/meta/signature.h"

#include <array>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "storage/digest.h"

namespace wj::server {
namespace {

constexpr std::string_view kPrefix = "sha256=";
constexpr std::size_t kDigestSize = 32;

std::array<unsigned char, kDigestSize> Hmac(std::string_view secret, std::string_view body) {
  std::array<unsigned char, kDigestSize> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), out.data(), &len);
  return out;
}

}  // namespace

std::string_view ToString(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kValid:
      return "valid";
    case SignatureCheck::kMissing:
      return "missing";
    case SignatureCheck::kMalformed:
      return "malformed";
    case SignatureCheck::kMismatch:
      break;
  }
  return "mismatch";
}

SignatureVerifier::SignatureVerifier(std::vector<std::string> app_secrets)
    : app_secrets_(std::move(app_secrets)) {}

SignatureCheck SignatureVerifier::Verify(std::optional<std::string_view> header,
                                         std::string_view body) const {
  if (!header || header->empty()) return SignatureCheck::kMissing;
  if (header->substr(0, kPrefix.size()) != kPrefix) return SignatureCheck::kMalformed;
  std::string expected;
  // Exactly 64 hex digits: a short or empty digest must never compare equal to a prefix.
  if (header->size() != kPrefix.size() + 2 * kDigestSize ||
      !FromHex(header->substr(kPrefix.size()), &expected)) {
    return SignatureCheck::kMalformed;
  }
  bool match = false;
  for (const std::string& secret : app_secrets_) {
    auto actual = Hmac(secret, body);
    // No early exit: the time taken does not depend on which secret matched.
    match |= CRYPTO_memcmp(actual.data(), expected.data(), kDigestSize) == 0;
  }
  return match ? SignatureCheck::kValid : SignatureCheck::kMismatch;
}

std::string SignBody(std::string_view secret, std::string_view body) {
  auto digest = Hmac(secret, body);
  return std::string(kPrefix) +
         ToHex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace wj::server
