#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <pistache/http.h>

#include "server/http/router.h"
#include "storage/token_store.h"

namespace wj::server {

// Who is calling the API: the token that authenticated the request.
struct Principal {
  std::int64_t token_id = 0;
  std::string name;
  storage::TokenScope scope = storage::TokenScope::kRead;
  std::vector<std::string> waba_ids;  // sorted; empty: every WABA

  bool Limited() const { return !waba_ids.empty(); }
  // Whether rows of `waba_id` may be shown to this caller.
  bool Allows(std::string_view waba_id) const;
  // Whether the scope includes `needed` (admin ⊃ replay ⊃ read).
  bool Has(storage::TokenScope needed) const;
};

// A new API token: "wjt_" and 64 hex digits from OpenSSL's CSPRNG (256 bits).
std::string GenerateApiToken();

// What the token store keeps of a token: the lowercase hex SHA-256 of its text.
std::string HashApiToken(std::string_view token);

using ApiHandler =
    std::function<void(const HttpRequest&, const Principal&, Pistache::Http::ResponseWriter&)>;

// Puts every /api/v1 route behind a bearer token.
//
// Thread-safety: Require() during setup; the handlers it returns run on any thread.
class ApiGuard {
 public:
  // `tokens` must outlive the guard and every handler it returns.
  explicit ApiGuard(storage::TokenStore& tokens) : tokens_(tokens) {}

  // Wraps `handler`: a request without a valid "Authorization: Bearer TOKEN" gets 401 (with
  // WWW-Authenticate), one whose token's scope is below `scope` gets 403, both as JSON
  // errors; otherwise `handler` runs with the caller's Principal.
  RouteHandler Require(storage::TokenScope scope, ApiHandler handler) const;

  // The same for a member function of a routes object that outlives the handler.
  template <typename Routes>
  RouteHandler Require(storage::TokenScope scope, Routes* routes,
                       void (Routes::*handler)(const HttpRequest&, const Principal&,
                                               Pistache::Http::ResponseWriter&)) const {
    return Require(scope, [routes, handler](const HttpRequest& rq, const Principal& who,
                                            Pistache::Http::ResponseWriter& rs) {
      (routes->*handler)(rq, who, rs);
    });
  }

 private:
  storage::TokenStore& tokens_;
};

}  // namespace wj::server
