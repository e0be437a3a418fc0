#include "server/api/session_routes.h"

#include <nlohmann/json.hpp>

#include "server/api/api_params.h"
#include "server/http/json_response.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;

void SessionRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/token",
             guard.Require(storage::TokenScope::kRead, this, &SessionRoutes::Token));
}

void SessionRoutes::Token(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  nlohmann::ordered_json body;
  body["name"] = who.name;
  body["scope"] = storage::ToString(who.scope);
  body["waba_ids"] = who.waba_ids;
  // A token name is operator-chosen text: replace invalid UTF-8 rather than fail.
  SendJsonText(rs, Code::Ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace wj::server
