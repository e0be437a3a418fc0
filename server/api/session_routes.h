#pragma once

#include <pistache/http.h>

#include "server/api/api_auth.h"
#include "server/http/router.h"

namespace wj::server {

// Who the caller is, so that a client (the web UI) offers only what its token may do:
//   GET /api/v1/token  (read)  {"name":…,"scope":"read|replay|admin","waba_ids":[…]}
// `waba_ids` is empty for a token that sees every WABA. The token itself is never echoed.
//
// Thread-safety: stateless.
class SessionRoutes {
 public:
  void Register(Router& router, const ApiGuard& guard);

 private:
  void Token(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
};

}  // namespace wj::server
