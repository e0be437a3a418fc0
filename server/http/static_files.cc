#include "server/http/static_files.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include "server/http/http_headers.h"
#include "server/http/json_response.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The request path without its leading slashes; "/" names index.html.
std::string_view FileName(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path.empty() ? std::string_view("index.html") : path;
}

bool IsWithin(const std::filesystem::path& root, const std::filesystem::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return q != p.end();
}

}  // namespace

StaticFiles::StaticFiles(std::span<const EmbeddedFile> files) : files_(files) {}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

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

std::optional<std::filesystem::path> StaticFiles::ResolveUnderRoot(
    const std::filesystem::path& root, std::string_view path) {
  const std::string_view name = FileName(path);
  // Segment by segment first: the request path is not decoded, and nothing the UI serves
  // needs an escape, a hidden name or a relative segment.
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view segment = name.substr(start, end - start);
    if (segment.empty() || segment.front() == '.' ||
        segment.find_first_of(std::string_view("\\%\0:", 4)) != std::string_view::npos) {
      return std::nullopt;
    }
    start = end + 1;
  }
  // Then the real location, links resolved: a symbolic link may not lead out of the root.
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::weakly_canonical(root, ec);
  if (ec) return std::nullopt;
  const std::filesystem::path file = std::filesystem::weakly_canonical(base / name, ec);
  if (ec || !IsWithin(base, file)) return std::nullopt;
  return file;
}

std::optional<std::string> StaticFiles::Read(std::string_view name) const {
  if (!root_) {
    for (const EmbeddedFile& f : files_) {
      if (f.path == name) return std::string(f.content);
    }
    return std::nullopt;
  }
  auto file = ResolveUnderRoot(*root_, name);
  std::error_code ec;
  if (!file || !std::filesystem::is_regular_file(*file, ec)) return std::nullopt;
  std::ifstream in(*file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

void StaticFiles::Serve(const HttpRequest& request, ResponseWriter& response) const {
  const std::string_view name = FileName(request.path);
  auto content = Read(name);
  if (!content) return SendError(response, Code::Not_Found, "not_found", "no such resource");
  response.headers().add<ContentSecurityPolicy>(std::string(kContentSecurityPolicy));
  response.headers().add<ContentTypeOptions>("nosniff");
  response.headers().add<ReferrerPolicy>("no-referrer");
  // The files change with each build (or each edit, from --web-root): always revalidate.
  response.headers().add<Pistache::Http::Header::CacheControl>(
      Pistache::Http::CacheDirective::NoCache);
  response.send(Code::Ok, *content,
                Pistache::Http::Mime::MediaType::fromString(std::string(MimeType(name))));
}

}  // namespace wj::server
