#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/http/http_connection_handler.h"
#include "server/http/router.h"
#include "storage/status.h"

namespace Pistache::Http {
class Endpoint;
}

namespace wj::server {

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;  // 0: any free port (see HttpServer::port())
};

// Parses "HOST:PORT" or "[V6]:PORT". Returns InvalidArgument naming the problem.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// One HTTP listener serving a Router on Pistache worker threads.
//
// Thread-safety: Start() and Shutdown() from one controlling thread.
class HttpServer {
 public:
  struct Options {
    int threads = 2;
    RequestLimits limits;
    // Told the status of each request refused before routing (413, 431, 400); may be empty.
    std::function<void(int)> on_reject;
  };

  HttpServer(ListenAddress address, Options options, std::shared_ptr<const Router> router);
  ~HttpServer();  // shuts down
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving in background threads. Returns Unavailable (naming the
  // address) when the address cannot be bound.
  Status Start();
  // The bound port: the real one when started on port 0.
  std::uint16_t port() const;
  // Stops accepting and serving. Idempotent.
  void Shutdown();

 private:
  ListenAddress address_;
  Options options_;
  std::shared_ptr<const Router> router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  bool running_ = false;
};

}  // namespace wj::server
