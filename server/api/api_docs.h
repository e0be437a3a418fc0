#pragma once

#include <string_view>

#include "server/api/api_auth.h"
#include "server/http/router.h"

namespace wj::server {

// The OpenAPI 3 document of /api/v1 (server/api/openapi.json, compiled into the binary).
std::string_view OpenApiDocument();

// GET /api/v1/openapi.json (scope read), and a JSON 404 for any other /api path so that
// API clients never get the web UI's HTML by mistake.
//
// Thread-safety: stateless.
class ApiDocs {
 public:
  // Register after every other /api route: the 404 catch-all takes what they do not.
  void Register(Router& router, const ApiGuard& guard);
};

}  // namespace wj::server
