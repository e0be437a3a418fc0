#include "server/http/router.h"

#include <sstream>

#include "server/http/json_response.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return out;
}

}  // namespace

std::optional<std::string> HttpRequest::Header(const std::string& name) const {
  const auto& headers = raw->headers();
  if (auto value = headers.tryGetRaw(name)) return value->value();
  // Headers Pistache knows (Content-Type, Authorization, …) are only kept parsed.
  if (auto typed = headers.tryGet(name)) {
    std::ostringstream os;
    typed->write(os);
    return os.str();
  }
  return std::nullopt;
}

std::string HttpRequest::Param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

void Router::Add(Pistache::Http::Method method, std::string pattern, RouteHandler handler) {
  Route route{method, pattern, {}, std::move(handler)};
  for (std::string_view s : SplitPath(pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) out.push_back({r.method, r.pattern});
  return out;
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& path,
                   std::vector<std::pair<std::string, std::string>>* params) {
  params->clear();
  const auto& segs = route.segments;
  const bool wildcard = !segs.empty() && segs.back() == "*";
  const std::size_t fixed = wildcard ? segs.size() - 1 : segs.size();
  if (wildcard ? path.size() < fixed : path.size() != fixed) return false;
  for (std::size_t i = 0; i < fixed; ++i) {
    if (!segs[i].empty() && segs[i][0] == ':') {
      std::string value;
      if (!PercentDecode(path[i], &value)) return false;
      params->emplace_back(segs[i].substr(1), std::move(value));
    } else if (segs[i] != path[i]) {
      return false;
    }
  }
  return true;
}

void Router::Dispatch(HttpRequest& request, Pistache::Http::ResponseWriter& response) const {
  const auto path = SplitPath(request.path);
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<Pistache::Http::Method> allowed;
  for (const Route& route : routes_) {
    if (!Match(route, path, &params)) continue;
    if (route.method == request.method) {
      request.params = std::move(params);
      route.handler(request, response);
      return;
    }
    allowed.push_back(route.method);
  }
  if (allowed.empty()) {
    SendError(response, Code::Not_Found, "not_found", "no such resource");
    return;
  }
  response.headers().add<Pistache::Http::Header::Allow>(allowed);
  SendError(response, Code::Method_Not_Allowed, "method_not_allowed",
            "method not allowed on this resource");
}

}  // namespace wj::server
