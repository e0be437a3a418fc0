#include "server/http/http_connection_handler.h"

#include <string>
#include <typeinfo>

#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::ConnectionControl;
using Pistache::Http::ResponseWriter;
namespace Header = Pistache::Http::Header;

namespace {

constexpr const char* kStateKey = "wj.connection";

// Pistache's request parser, with the one thing it keeps protected made visible: which
// step it is in. Step 2 (the body) means the request line and headers are complete.
class InspectableParser final : public Pistache::Http::RequestParser {
 public:
  using Pistache::Http::RequestParser::ParserImpl;
  bool HeadersComplete() const { return currentStep >= 2; }
};

}  // namespace

// Per-connection state, stored on the Pistache peer.
struct ConnectionState {
  std::shared_ptr<InspectableParser> parser;
  std::string request_line;  // the raw first line, for the undecoded target
  bool request_line_done = false;
  bool length_checked = false;  // Content-Length compared with the limit
  bool discarding = false;      // rejected: drop input until the connection closes
  std::size_t received = 0;     // bytes of the current request so far

  void NextRequest() {
    parser->reset();
    request_line.clear();
    request_line_done = false;
    length_checked = false;
    received = 0;
  }
};

namespace {

std::shared_ptr<ConnectionState> StateOf(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  return std::static_pointer_cast<ConnectionState>(peer->getData(kStateKey));
}

// "METHOD target HTTP/x.y" → target split at '?'. Absolute-form targets lose scheme+host.
void SplitTarget(const std::string& line, std::string* path, std::string* query) {
  std::size_t start = line.find(' ');
  std::size_t end = start == std::string::npos ? std::string::npos : line.find(' ', start + 1);
  std::string target = start == std::string::npos ? "/" : line.substr(start + 1, end - start - 1);
  if (std::size_t scheme = target.find("://"); scheme != std::string::npos) {
    std::size_t slash = target.find('/', scheme + 3);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  std::size_t q = target.find('?');
  *path = target.substr(0, q);
  *query = q == std::string::npos ? "" : target.substr(q + 1);
}

}  // namespace

HttpConnectionHandler::HttpConnectionHandler(std::shared_ptr<const Router> router,
                                             RequestLimits limits,
                                             std::function<void(int)> on_reject)
    : router_(std::move(router)), limits_(limits), on_reject_(std::move(on_reject)) {}

void HttpConnectionHandler::onRequest(const Pistache::Http::Request& /*request*/,
                                      ResponseWriter response) {
  response.send(Code::Internal_Server_Error);
}

void HttpConnectionHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto state = std::make_shared<ConnectionState>();
  state->parser =
      std::make_shared<InspectableParser>(limits_.max_body_bytes + limits_.max_header_bytes);
  // Also under Pistache's own key, for the parts of Pistache that look the parser up.
  peer->putData(ParserData, state->parser);
  peer->putData(kStateKey, state);
}

void HttpConnectionHandler::onInput(const char* buffer, size_t len,
                                    const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto state_ptr = StateOf(peer);
  ConnectionState& state = *state_ptr;
  if (state.discarding) return;
  try {
    state.received += len;
    if (!state.request_line_done) {
      std::string_view chunk(buffer, len);
      std::size_t eol = chunk.find('\n');
      state.request_line.append(chunk.substr(0, eol));
      state.request_line_done = eol != std::string_view::npos;
    }
    if (!state.parser->HeadersComplete() && state.received > limits_.max_header_bytes) {
      return Reject(state, peer, Code::Request_Header_Fields_Too_Large, "headers_too_large",
                    "request line and headers exceed the limit");
    }
    // Pistache's buffer limit (headers + max body) still bounds chunked bodies, which
    // carry no Content-Length.
    if (!state.parser->feed(buffer, len)) {
      return Reject(state, peer, Code::Request_Entity_Too_Large, "body_too_large",
                    "request body exceeds the limit");
    }
    const auto progress = state.parser->parse();
    if (!state.length_checked && state.parser->HeadersComplete()) {
      // Refuse an oversized body as soon as its length is announced, instead of buffering
      // megabytes first (Pistache would, and then spends seconds of CPU on it: #1190).
      state.length_checked = true;
      auto length = state.parser->request.headers().tryGet<Header::ContentLength>();
      if (length && length->value() > limits_.max_body_bytes) {
        return Reject(state, peer, Code::Request_Entity_Too_Large, "body_too_large",
                      "request body exceeds the limit");
      }
    }
    if (progress != Pistache::Http::Private::State::Done) return;
    Dispatch(state, peer);
    state.NextRequest();
  } catch (const Pistache::Http::HttpError& e) {
    Reject(state, peer, static_cast<Code>(e.code()), "bad_request", "malformed HTTP request");
  } catch (const std::exception& e) {
    // Exception text may quote request bytes: log its type only.
    spdlog::error("HTTP request handling failed: {}", typeid(e).name());
    Reject(state, peer, Code::Internal_Server_Error, "internal", "internal error");
  }
}

void HttpConnectionHandler::Dispatch(ConnectionState& state,
                                     const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  const Pistache::Http::Request& raw = state.parser->request;
  ResponseWriter response(raw.version(), transport(), this, peer);
  // Pistache answers "Connection: Close" to any request without a Connection header, and
  // clients then close: HTTP/1.1 is persistent by default (RFC 9112), so say keep-alive.
  auto connection = raw.headers().tryGet<Header::Connection>();
  ConnectionControl control = connection ? connection->control()
                              : raw.version() == Pistache::Http::Version::Http11
                                  ? ConnectionControl::KeepAlive
                                  : ConnectionControl::Close;
  response.headers().add<Header::Connection>(control);
  peer->setIdle(false);

  HttpRequest request;
  request.method = raw.method();
  request.raw = &raw;
  request.peer = peer->address().host() + ":" + peer->address().port().toString();
  request.connection_fd = peer->fd();
  std::string raw_query;
  SplitTarget(state.request_line, &request.path, &raw_query);
  auto query = QueryString::Parse(raw_query);
  if (!query.ok()) {
    response.send(
        Code::Bad_Request,
        R"({"error":{"code":"bad_parameter","message":"malformed query string: a broken %-escape"}})",
        Pistache::Http::Mime::MediaType::fromString("application/json"));
    return;
  }
  request.query = std::move(query.value());
  // Route handlers own their errors; this is the last line, so a client never sees
  // exception text (Pistache's own 500 would echo it).
  try {
    router_->Dispatch(request, response);
    if (request.connection_taken) {
      // Pistache must not parse later bytes as requests and answer them into the handler's
      // stream, nor write a 408 into it when the header timeout passes: an idle peer is only
      // dropped after the keep-alive timeout, silently (its descriptor closed, the handler's
      // duplicate unaffected).
      state.discarding = true;
      peer->setIdle(true);
    }
  } catch (const std::exception& e) {
    spdlog::error("handler for {} failed: {}", request.path, typeid(e).name());
    response.send(Code::Internal_Server_Error,
                  R"({"error":{"code":"internal","message":"internal error"}})",
                  Pistache::Http::Mime::MediaType::fromString("application/json"));
  }
}

void HttpConnectionHandler::Reject(ConnectionState& state,
                                   const std::shared_ptr<Pistache::Tcp::Peer>& peer, Code code,
                                   const char* error_code, const char* message) {
  state.discarding = true;
  state.parser->reset();
  if (on_reject_) on_reject_(static_cast<int>(code));
  ResponseWriter response(Pistache::Http::Version::Http11, transport(), this, peer);
  response.headers().add<Header::Connection>(ConnectionControl::Close);
  const std::string body =
      std::string(R"({"error":{"code":")") + error_code + R"(","message":")" + message + R"("}})";
  const int fd = peer->fd();
  // Close only after the answer is on the wire; both continuations run on this reactor
  // thread, before Pistache can see the connection end and recycle the descriptor.
  response.send(code, body, Pistache::Http::Mime::MediaType::fromString("application/json"))
      .then([fd](ssize_t) { ::shutdown(fd, SHUT_RDWR); },
            [fd](std::exception_ptr) { ::shutdown(fd, SHUT_RDWR); });
}

}  // namespace wj::server
