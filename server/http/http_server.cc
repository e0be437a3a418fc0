#include "server/http/http_server.h"

#include <charconv>

#include <pistache/endpoint.h>

namespace wj::server {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("listen address must be HOST:PORT or [IPV6]:PORT: " +
                                     std::string(text));
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::InvalidArgument("listen address must be HOST:PORT: " + std::string(text));
    }
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("listen port must be 0-65535: " + std::string(text));
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

HttpServer::HttpServer(ListenAddress address, Options options, std::shared_ptr<const Router> router)
    : address_(std::move(address)), options_(options), router_(std::move(router)) {}

HttpServer::~HttpServer() { Shutdown(); }

Status HttpServer::Start() {
  const std::string where = address_.host + ":" + std::to_string(address_.port);
  try {
    endpoint_ = std::make_unique<Pistache::Http::Endpoint>(
        Pistache::Address(address_.host, Pistache::Port(address_.port)));
    endpoint_->init(
        Pistache::Http::Endpoint::options()
            .threads(options_.threads)
            .flags(Pistache::Tcp::Options::ReuseAddr)
            .maxRequestSize(options_.limits.max_body_bytes + options_.limits.max_header_bytes));
    endpoint_->setHandler(
        std::make_shared<HttpConnectionHandler>(router_, options_.limits, options_.on_reject));
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    endpoint_.reset();
    return Status::Unavailable("cannot listen on " + where + ": " + e.what());
  }
  running_ = true;
  return Status::Ok();
}

std::uint16_t HttpServer::port() const {
  return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0;
}

void HttpServer::Shutdown() {
  if (running_) {
    endpoint_->shutdown();
    running_ = false;
  }
}

}  // namespace wj::server
