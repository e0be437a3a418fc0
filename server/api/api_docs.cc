#include "server/api/api_docs.h"

#include <span>

#include "server/http/json_response.h"
#include "storage/embedded_file.h"

namespace wj::server {

std::span<const EmbeddedFile> OpenApiFiles();  // generated from server/api/openapi.json

std::string_view OpenApiDocument() {
  for (const EmbeddedFile& f : OpenApiFiles()) {
    if (f.path == "openapi.json") return f.content;
  }
  return {};
}

void ApiDocs::Register(Router& router, const ApiGuard& guard) {
  using Pistache::Http::Code;
  router.Add(
      Pistache::Http::Method::Get, "/api/v1/openapi.json",
      guard.Require(storage::TokenScope::kRead, [](const HttpRequest&, const Principal&,
                                                   Pistache::Http::ResponseWriter& response) {
        SendJsonText(response, Code::Ok, std::string(OpenApiDocument()));
      }));
  for (auto method :
       {Pistache::Http::Method::Get, Pistache::Http::Method::Post, Pistache::Http::Method::Put,
        Pistache::Http::Method::Delete, Pistache::Http::Method::Patch}) {
    router.Add(method, "/api/*", [](const HttpRequest&, Pistache::Http::ResponseWriter& response) {
      SendError(response, Code::Not_Found, "not_found", "no such API route");
    });
  }
}

}  // namespace wj::server
