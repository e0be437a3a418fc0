#include "server/api/event_stream.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>

#include <spdlog/spdlog.h>

#include "server/api/api_params.h"
#include "server/api/event_json.h"
#include "server/api/event_routes.h"
#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wj::server {
namespace {

using Clock = std::chrono::steady_clock;
using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using std::chrono::milliseconds;

constexpr std::string_view kHead =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Connection: close\r\n"
    "\r\n";
constexpr std::string_view kHeartbeat = ": keep-alive\n\n";
constexpr std::array<std::string_view, 4> kStreamParams = {"waba_id", "field", "after",
                                                           "include_duplicates"};
constexpr short kGone = POLLERR | POLLHUP | POLLRDHUP | POLLNVAL;

// An event's frame. Its JSON may hold line breaks between tokens (the value is Meta's text
// as sent) and SSE ends a data line at any of CR, LF, CRLF: each line gets its own "data:",
// and the client joins them with LF into the same JSON.
void AppendFrame(const storage::StoredEvent& event, std::string* out) {
  out->append("id: ").append(std::to_string(event.seq)).append("\nevent: event\n");
  const std::string json = EventJson(event);
  std::size_t start = 0;
  for (;;) {
    const std::size_t eol = json.find_first_of("\r\n", start);
    out->append("data: ").append(json, start, eol - start).push_back('\n');
    if (eol == std::string::npos) break;
    start = eol + (json.compare(eol, 2, "\r\n") == 0 ? 2 : 1);
  }
  out->push_back('\n');
}

// Writes all of `data` to the non-blocking socket `fd`. False when the client hung up, the
// socket was shut down (Stop), or the client accepted no byte for `stall_limit`.
bool SendAll(int fd, std::string_view data, milliseconds stall_limit) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;  // EPIPE, ECONNRESET
    pollfd p{fd, POLLOUT | POLLRDHUP, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(stall_limit.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (p.revents & kGone) != 0) return false;
  }
  return true;
}

// Whether the client closed or reset the connection (or Stop shut it down). Never blocks.
bool PeerGone(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & kGone) != 0;
}

}  // namespace

EventStreamRoutes::EventStreamRoutes(storage::JournalReader& reader, CommitWaiter wait,
                                     EventStreamOptions options)
    : reader_(reader), wait_(std::move(wait)), options_(options) {}

EventStreamRoutes::~EventStreamRoutes() { Stop(); }

void EventStreamRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/events/stream",
             guard.Require(storage::TokenScope::kRead, this, &EventStreamRoutes::Start));
}

std::size_t EventStreamRoutes::Open() const {
  std::lock_guard lock(mu_);
  std::size_t open = 0;
  for (const Stream& s : streams_) open += s.done ? 0 : 1;
  return open;
}

void EventStreamRoutes::Start(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, kStreamParams); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto filter = ParseEventFilter(ApiParams::Of(rq.query));
  if (!filter.ok()) return SendFailure(rs, filter.status());
  storage::EventFilter& f = filter.value();
  if (!NarrowToReadableWabas(who, &f, rs)) return;
  // A reconnecting EventSource names the last id it received; that wins over the URL's
  // `after`, which still holds the position the client first asked for.
  if (const std::optional<std::string> last_id = rq.Header("Last-Event-ID")) {
    const ApiParams header([&](std::string_view) { return std::vector<std::string>{*last_id}; });
    auto resume = header.Integer("Last-Event-ID", 0, INT64_MAX);
    if (!resume.ok()) return SendFailure(rs, resume.status());
    f.after = resume.value();
  }
  if (!f.after) f.after = wait_(0, milliseconds(0));
  f.limit = options_.page_size;

  std::unique_lock lock(mu_);
  ReapLocked();
  if (stopping_ || streams_.size() >= options_.max_streams) {
    const char* why = stopping_ ? "the service is stopping" : "too many event streams are open";
    lock.unlock();
    rs.headers().add<RetryAfter>("5");
    return SendError(rs, Code::Service_Unavailable, "unavailable", why);
  }
  const int fd = rq.connection_fd < 0 ? -1 : ::fcntl(rq.connection_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    lock.unlock();
    spdlog::error("event stream: cannot duplicate the client socket: {}", std::strerror(errno));
    return SendError(rs, Code::Internal_Server_Error, "internal", "internal error");
  }
  Stream& stream = streams_.emplace_back();
  stream.fd = fd;
  try {
    stream.thread = std::thread(
        [this, s = &stream, fd, f = std::move(f)]() mutable { Serve(s, fd, std::move(f)); });
  } catch (const std::system_error& e) {
    ::close(fd);
    streams_.pop_back();
    lock.unlock();
    spdlog::error("event stream: cannot start a thread: {}", e.code().message());
    rs.headers().add<RetryAfter>("5");
    return SendError(rs, Code::Service_Unavailable, "unavailable", "cannot open a stream now");
  }
  rq.connection_taken = true;
  spdlog::debug("event stream opened for token {} ({} open)", who.token_id, streams_.size());
}

void EventStreamRoutes::Serve(Stream* stream, int fd, storage::EventFilter filter) {
  // Every event up to `scanned` has been sent or filtered out; the journal is read only
  // when the writer reports a commit beyond it, so an idle stream costs no query.
  std::int64_t scanned = filter.after.value_or(0);
  auto last_write = Clock::now();
  try {
    bool open = SendAll(fd, kHead, options_.write_timeout);
    while (open) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) break;
      }
      // Short waits: the client's hang-up and Stop() are noticed between them (a commit
      // wakes the wait at once, so they cost no latency).
      const auto to_heartbeat = options_.heartbeat - (Clock::now() - last_write);
      const milliseconds slice =
          std::max(milliseconds(1),
                   std::min(options_.poll_interval, std::chrono::ceil<milliseconds>(to_heartbeat)));
      const auto waited_from = Clock::now();
      const std::int64_t tip = wait_(scanned, slice);
      if (tip > scanned) {
        filter.until_seq = tip;
        for (bool more = true; open && more;) {
          auto page = reader_.Events(filter);
          if (!page.ok()) {
            // The client resumes from its last id when it reconnects.
            spdlog::warn("event stream ends: the journal cannot be read: {}",
                         page.status().message());
            open = false;
            break;
          }
          std::string frames;
          for (const storage::StoredEvent& e : page->events) AppendFrame(e, &frames);
          if (!frames.empty()) {
            open = SendAll(fd, frames, options_.write_timeout);
            last_write = Clock::now();
          }
          more = page->next_after.has_value();
          if (more) filter.after = page->next_after;
        }
        scanned = tip;
        filter.after = tip;
      } else if (PeerGone(fd)) {
        open = false;
      } else if (Clock::now() - waited_from < slice / 2) {
        // The waiter returned early with nothing new: its writer is stopping. Wait out the
        // slice here rather than spin until Stop().
        std::unique_lock lock(mu_);
        stopped_.wait_for(lock, slice, [this] { return stopping_; });
      }
      if (open && Clock::now() - last_write >= options_.heartbeat) {
        open = SendAll(fd, kHeartbeat, options_.write_timeout);
        last_write = Clock::now();
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("event stream failed: {}", typeid(e).name());
  }
  std::lock_guard lock(mu_);
  // Shut down first: Pistache may still hold its own descriptor of this socket, and only
  // the shutdown tells the client (and Pistache) that the answer is over.
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  stream->fd = -1;
  stream->done = true;
}

void EventStreamRoutes::ReapLocked() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    // A done stream's thread no longer needs mu_: joining here cannot deadlock.
    if (it->thread.joinable()) it->thread.join();
    it = streams_.erase(it);
  }
}

void EventStreamRoutes::Stop() {
  std::list<Stream> streams;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const Stream& s : streams_) {
      if (s.fd >= 0) ::shutdown(s.fd, SHUT_RDWR);  // wakes a thread blocked in poll()
    }
    streams.splice(streams.end(), streams_);  // the nodes (and threads' pointers) stay valid
  }
  stopped_.notify_all();
  for (Stream& s : streams) {
    if (s.thread.joinable()) s.thread.join();
  }
}

}  // namespace wj::server
