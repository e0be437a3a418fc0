#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include <pistache/http.h>

#include "server/http/router.h"

namespace wj::server {

// Limits on what one request may carry.
struct RequestLimits {
  std::size_t max_body_bytes = 4 << 20;
  std::size_t max_header_bytes = 64 << 10;  // request line + headers
};

// Pistache's per-connection HTTP handler, replaced to fix what Debian's Pistache 0.0.5 does
// by default (see the .cc): bodies over the limit are refused from their Content-Length
// before any of the body is buffered; HTTP/1.1 connections stay open unless the client
// asks otherwise; the raw query string reaches handlers; exception text never reaches a
// client. Requests then go to the Router.
//
// Thread-safety: Pistache clones one instance per worker thread; the Router is shared
// read-only.
class HttpConnectionHandler final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(HttpConnectionHandler)

  // `on_reject`, if set, is told the status of every request refused before routing.
  HttpConnectionHandler(std::shared_ptr<const Router> router, RequestLimits limits,
                        std::function<void(int)> on_reject);

  // Unused: onInput() dispatches itself. Answers 500 if Pistache ever calls it.
  void onRequest(const Pistache::Http::Request& request,
                 Pistache::Http::ResponseWriter response) override;

 private:
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

  void Dispatch(struct ConnectionState& state, const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  // Answers with an error, then closes the connection once the answer is written; the rest
  // of the request is read and dropped meanwhile.
  void Reject(struct ConnectionState& state, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
              Pistache::Http::Code code, const char* error_code, const char* message);

  std::shared_ptr<const Router> router_;
  RequestLimits limits_;
  std::function<void(int)> on_reject_;
};

}  // namespace wj::server
