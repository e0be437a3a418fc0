#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "storage/journal_reader.h"

namespace wj::server {

// Blocks until an event with a seq above `after` is committed, `timeout` passes, or the
// writer stops; returns the last committed seq then. With a zero timeout it answers at once:
// the current tip. (GroupCommitWriter::WaitForEventsAfter; tests may pass a fake.)
using CommitWaiter =
    std::function<std::int64_t(std::int64_t after, std::chrono::milliseconds timeout)>;

struct EventStreamOptions {
  // A comment frame is sent when nothing else was for this long.
  std::chrono::milliseconds heartbeat{15000};
  // A client that accepts no byte of a frame for this long is dropped.
  std::chrono::milliseconds write_timeout{30000};
  // How long a stream waits for news before it looks at its socket and Stop() again.
  std::chrono::milliseconds poll_interval{200};
  // Open streams at most; more are answered 503 with Retry-After.
  std::size_t max_streams = 64;
  // Events read from the journal per query while catching up.
  int page_size = 500;
};

// GET /api/v1/events/stream (scope read): the journal's events as Server-Sent Events, live.
//
//   ?after=SEQ&waba_id=…&field=…&include_duplicates=…  (waba_id and field repeatable)
//
// Each event is one frame, `id: SEQ\nevent: event\ndata: EVENT\n\n`, EVENT being the JSON of
// one item of GET /api/v1/events; an idle stream gets `: keep-alive\n\n` every heartbeat.
// The stream starts after the `Last-Event-ID` request header, else after `after`, else at
// the current tip (only new events); redeliveries are left out unless include_duplicates.
// A WABA-limited token sees only its WABAs, and naming another in waba_id is 403. Bad
// parameters are 400 before anything is streamed.
//
// Each stream has its own thread and writes the HTTP answer itself on a duplicate of the
// client's socket (Pistache 0.0.5 aborts the process when a ResponseStream is written after
// its client left): `Connection: close`, the body ends when either side closes. A client
// that hangs up, or stops reading for write_timeout, ends its stream quietly. Only for plain
// TCP listeners (the service never terminates TLS itself).
//
// Thread-safety: the handler runs on any HTTP worker; Stop() from any thread. `reader` and
// whatever `wait` uses must outlive this object (or Stop()).
class EventStreamRoutes {
 public:
  EventStreamRoutes(storage::JournalReader& reader, CommitWaiter wait,
                    EventStreamOptions options = {});
  ~EventStreamRoutes();  // stops as Stop() does
  EventStreamRoutes(const EventStreamRoutes&) = delete;
  EventStreamRoutes& operator=(const EventStreamRoutes&) = delete;

  // Register before any route that would match /api/v1/events/stream (/api/v1/events/:seq).
  void Register(Router& router, const ApiGuard& guard);

  // Ends every stream (its socket shut down) and waits for their threads; later requests
  // get 503. Idempotent.
  void Stop();

  // Streams open now.
  std::size_t Open() const;

 private:
  struct Stream {
    int fd = -1;        // our duplicate of the client's socket; -1 once closed (guarded by mu_)
    bool done = false;  // guarded by mu_
    std::thread thread;
  };

  void Start(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  // The body of a stream's thread: serves `filter` (its `after` is the cursor) until the
  // client leaves or Stop().
  void Serve(Stream* stream, int fd, storage::EventFilter filter);
  // Joins the threads of finished streams. Needs mu_.
  void ReapLocked();

  storage::JournalReader& reader_;
  const CommitWaiter wait_;
  const EventStreamOptions options_;

  mutable std::mutex mu_;
  std::condition_variable stopped_;  // notified by Stop()
  std::list<Stream> streams_;        // guarded by mu_; list: a thread keeps a pointer to its entry
  bool stopping_ = false;            // guarded by mu_
};

}  // namespace wj::server
