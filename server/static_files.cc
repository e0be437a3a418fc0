#include "server/static_files.h"

#include "server/http_headers.h"
#include "server/json_response.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

StaticFiles::StaticFiles(std::span<const EmbeddedFile> files) : files_(files) {}

void StaticFiles::Register(Router& router) {
  router.Add(Pistache::Http::Method::Get, "/*",
             [this](const HttpRequest& rq, ResponseWriter& rs) { Serve(rq, rs); });
}

std::string_view StaticFiles::MimeType(std::string_view path) {
  if (EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(path, ".json")) return "application/json";
  if (EndsWith(path, ".svg")) return "image/svg+xml";
  if (EndsWith(path, ".png")) return "image/png";
  return "application/octet-stream";
}

void StaticFiles::Serve(const HttpRequest& request, ResponseWriter& response) const {
  std::string_view name = request.path;
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) name = "index.html";
  for (const EmbeddedFile& f : files_) {
    if (f.path != name) continue;
    response.headers().add<ContentSecurityPolicy>(
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'");
    response.headers().add<ContentTypeOptions>("nosniff");
    response.send(Code::Ok, f.content.data(), f.content.size(),
                  Pistache::Http::Mime::MediaType::fromString(std::string(MimeType(f.path))));
    return;
  }
  SendError(response, Code::Not_Found, "not_found", "no such resource");
}

}  // namespace wj::server
