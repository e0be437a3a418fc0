#include "server/api/api_auth.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include "storage/digest.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;

constexpr std::string_view kBearer = "Bearer ";

void Unauthorized(Pistache::Http::ResponseWriter& response, std::string_view message) {
  response.headers().add<WwwAuthenticate>(R"(Bearer realm="waba-journal")");
  SendError(response, Code::Unauthorized, "unauthorized", message);
}

// The token of an "Authorization: Bearer TOKEN" header; the scheme is case-insensitive.
std::string_view BearerToken(std::string_view header) {
  if (header.size() <= kBearer.size()) return {};
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i]))) {
      return {};
    }
  }
  std::string_view token = header.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace

bool Principal::Allows(std::string_view waba_id) const {
  return waba_ids.empty() || std::binary_search(waba_ids.begin(), waba_ids.end(), waba_id);
}

bool Principal::Has(storage::TokenScope needed) const {
  return static_cast<int>(scope) >= static_cast<int>(needed);
}

std::string GenerateApiToken() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without entropy no token can be issued safely; callers treat an empty token as failure.
    return {};
  }
  return "wjt_" +
         ToHex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string HashApiToken(std::string_view token) { return ToHex(Sha256(token)); }

RouteHandler ApiGuard::Require(storage::TokenScope scope, ApiHandler handler) const {
  return [this, scope, handler = std::move(handler)](const HttpRequest& request,
                                                     Pistache::Http::ResponseWriter& response) {
    const std::optional<std::string> header = request.Header("Authorization");
    if (!header) return Unauthorized(response, "an Authorization: Bearer token is required");
    const std::string_view token = BearerToken(*header);
    if (token.empty())
      return Unauthorized(response, "the Authorization header must be 'Bearer TOKEN'");
    auto found = tokens_.FindActive(HashApiToken(token));
    if (!found.ok()) {
      spdlog::error("token lookup failed: {}", found.status().message());
      return SendError(response, Code::Service_Unavailable, "unavailable",
                       "the token store cannot be read");
    }
    if (!found.value()) return Unauthorized(response, "unknown or revoked token");
    const storage::TokenRecord& record = *found.value();
    Principal principal{record.id, record.name, record.scope, record.waba_ids};
    std::sort(principal.waba_ids.begin(), principal.waba_ids.end());
    if (!principal.Has(scope)) {
      return SendError(response, Code::Forbidden, "forbidden",
                       std::string("this route needs a token with scope ") + ToString(scope));
    }
    handler(request, principal, response);
  };
}

}  // namespace wj::server
