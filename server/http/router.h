#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pistache/http.h>

#include "server/http/query_string.h"

namespace wj::server {

// What a route handler sees of a request.
struct HttpRequest {
  Pistache::Http::Method method = Pistache::Http::Method::Get;
  std::string path;                                         // without the query string, not decoded
  QueryString query;                                        // parsed from the raw query string
  std::string peer;                                         // remote address, "host:port"
  std::vector<std::pair<std::string, std::string>> params;  // ":name" path segments, decoded
  const Pistache::Http::Request* raw = nullptr;             // headers and body
  // The client's socket (Pistache's descriptor: dup() it to keep it), for a handler that
  // answers on the socket itself instead of through the ResponseWriter.
  int connection_fd = -1;
  // Set by such a handler once it owns the answer: the connection then reads no further
  // requests, and Pistache neither times it out with a 408 nor writes to it.
  mutable bool connection_taken = false;

  const std::string& body() const { return raw->body(); }
  // The value of header `name` (case-insensitive), or nullopt when absent.
  std::optional<std::string> Header(const std::string& name) const;
  // The value of path parameter `name`; empty when the route has none.
  std::string Param(std::string_view name) const;
};

using RouteHandler = std::function<void(const HttpRequest&, Pistache::Http::ResponseWriter&)>;

// The route table: method + path pattern → handler. Patterns are literal segments,
// ":name" segments (one segment, captured) and an optional trailing "*" (any rest).
// Unknown paths get a JSON 404, known paths with another method a JSON 405.
//
// Thread-safety: Add() during setup only; Dispatch() from any number of threads after.
class Router {
 public:
  void Add(Pistache::Http::Method method, std::string pattern, RouteHandler handler);

  struct RouteInfo {
    Pistache::Http::Method method;
    std::string pattern;  // as given to Add()
  };
  // Every registered route, in registration order.
  std::vector<RouteInfo> Routes() const;

  // Finds the route for `request` (filling its params) and runs it.
  void Dispatch(HttpRequest& request, Pistache::Http::ResponseWriter& response) const;

 private:
  struct Route {
    Pistache::Http::Method method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string_view>& path,
                    std::vector<std::pair<std::string, std::string>>* params);

  std::vector<Route> routes_;
};

}  // namespace wj::server
