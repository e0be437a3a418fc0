// A downstream consumer ("destination") of forwarded and replayed events, served over HTTP
// on loopback for the forwarder's tests and the benchmark. It records every POST to any
// path — body, X-Hub-Signature-256, X-Waba-Journal-Seq, X-Waba-Journal-Replay, whether the
// signature verifies with the configured secret(s), arrival time — and answers as its Mode
// says: verify like a consumer written for Meta's webhooks (the default), succeed, fail,
// hang, or answer slowly. See server/forwarding/forward_request.h for what a forwarded request
// carries.
#pragma once

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pistache/http.h>

#include "server/http/http_server.h"
#include "server/http/router.h"
#include "server/meta/signature.h"

namespace wj::testing {

// The fake consumer, listening from construction until destruction.
//
// Thread-safety: every public method may be called from any thread at any time; requests
// are served on the server's threads, delayed and held answers are sent from its own timer
// thread or from the thread that releases them.
class FakeSink {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Mode {
    kRejectBadSignature,  // the default: 401 when the signature does not verify, else 200
    kOk,                  // 200, whatever the signature
    kFail,                // 500
    kUnavailable,         // 503
    kHang,                // no answer until SetMode() leaves kHang, Release(), or destruction (503)
    kSlow,                // 200 after SetSlowDelay()'s delay; no server thread waits meanwhile
  };

  // One request as received. Headers are nullopt when absent (seq and replay_id also when
  // not an integer).
  struct Request {
    std::string path;
    std::string body;
    std::optional<std::string> signature;   // X-Hub-Signature-256, as received
    std::optional<std::int64_t> seq;        // X-Waba-Journal-Seq
    std::optional<std::int64_t> replay_id;  // X-Waba-Journal-Replay
    std::string content_type;
    bool signature_ok = false;  // verifies with one of the secrets, whatever the mode
    int status = 0;             // the answer sent; 0 while held or delayed
    Clock::time_point arrived;
  };

  struct Options {
    server::ListenAddress address{"127.0.0.1", 0};  // port 0: any free port (see port())
    int threads = 2;
  };

  // Verifies signatures with `secrets` (a request is signed if any one matches; with none,
  // no request is). Throws std::runtime_error if the address cannot be bound.
  explicit FakeSink(std::vector<std::string> secrets) : FakeSink(std::move(secrets), Options()) {}
  FakeSink(std::vector<std::string> secrets, Options options)
      : host_(options.address.host), verifier_(std::move(secrets)) {
    auto router = std::make_shared<server::Router>();
    router->Add(Pistache::Http::Method::Post, "/*",
                [this](const server::HttpRequest& request,
                       Pistache::Http::ResponseWriter& response) { Handle(request, response); });
    server::HttpServer::Options server_options;
    server_options.threads = options.threads;
    server_ =
        std::make_unique<server::HttpServer>(std::move(options.address), server_options, router);
    const Status started = server_->Start();
    if (!started.ok()) throw std::runtime_error("fake sink: " + started.message());
    timer_ = std::thread([this] { RunTimer(); });
  }

  // Answers every held and delayed request with 503 before the server stops, so neither
  // a client nor this destructor waits on a hanging answer.
  ~FakeSink() {
    std::list<Pending> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      pending.swap(pending_);
      for (Pending& p : pending) p.status = 503;
    }
    timer_cv_.notify_all();
    timer_.join();
    Answer(pending, /*wait_written=*/true);
    server_->Shutdown();
  }

  FakeSink(const FakeSink&) = delete;
  FakeSink& operator=(const FakeSink&) = delete;

  std::uint16_t port() const { return server_->port(); }
  // "http://127.0.0.1:PORT/hook" for the default path; `path` starts with '/'.
  std::string Url(const std::string& path = "/hook") const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port()) + path;
  }

  // --- Behaviour ---------------------------------------------------------------------------

  // Takes effect for requests arriving from now on. Leaving kHang answers the requests it
  // holds as `mode` says (kSlow: after the delay, counted from now).
  void SetMode(Mode mode) {
    std::list<Pending> now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mode_ = mode;
      if (mode == Mode::kHang) return;
      const Clock::time_point at = Clock::now();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->due) {
          ++it;
          continue;
        }
        const Decision d = DecideLocked(mode, it->signature_ok, at);
        it->status = d.status;
        it->due = d.due;
        if (d.due) {
          ++it;
        } else {
          now.splice(now.end(), pending_, it++);
        }
      }
    }
    timer_cv_.notify_all();
    Answer(now);
  }
  Mode mode() const {
    std::lock_guard<std::mutex> lock(mu_);
    return mode_;
  }
  // How long kSlow waits before answering 200; 200 ms unless set.
  void SetSlowDelay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mu_);
    slow_delay_ = delay;
  }
  // The next `n` requests are answered `status` at once, whatever the mode; the mode in
  // force answers the ones after. Replaces an earlier FailNext() still counting down.
  void FailNext(int n, int status = 500) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
    fail_status_ = status;
  }
  // Answers every request kHang holds now as kRejectBadSignature would (200 if signed,
  // else 401). Requests arriving later in kHang are held again.
  void Release() {
    std::list<Pending> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->due) {
          ++it;
          continue;
        }
        it->status = it->signature_ok ? 200 : 401;
        held.splice(held.end(), pending_, it++);
      }
    }
    Answer(held);
  }
  // Requests held by kHang, unanswered.
  int HeldCount() const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const Pending& p : pending_) n += p.due ? 0 : 1;
    return n;
  }

  // --- Accounting (since construction or the last Clear()) ----------------------------------

  // Every request in arrival order; held and delayed ones with status 0.
  std::vector<Request> Received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {requests_.begin(), requests_.end()};
  }
  // The seq of every request answered 2xx, in arrival order; requests without a seq
  // header are left out.
  std::vector<std::int64_t> AcceptedSeqs() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::int64_t> seqs;
    for (const Request& r : requests_) {
      if (r.status / 100 == 2 && r.seq) seqs.push_back(*r.seq);
    }
    return seqs;
  }
  // Requests received, answered or not.
  int Count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(requests_.size());
  }
  // Requests answered 2xx. An answer is counted as it is handed to the connection, so a
  // client may read it a moment after a waiter woke.
  int AcceptedCount() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  // Wait until Count() >= n (or AcceptedCount() >= n); false on timeout.
  bool WaitForRequests(int n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_cv_.wait_for(lock, timeout,
                                [&] { return static_cast<int>(requests_.size()) >= n; });
  }
  bool WaitForAccepted(int n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_cv_.wait_for(lock, timeout, [&] { return accepted_ >= n; });
  }
  // Waits until n different seqs were answered 2xx: "every event arrived at least once",
  // however many redeliveries came with them. False on timeout.
  bool WaitForDistinctAccepted(int n,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_cv_.wait_for(lock, timeout,
                                [&] { return static_cast<int>(accepted_seqs_.size()) >= n; });
  }
  // Forgets what was received. Held and delayed requests stay pending; their answers are
  // no longer recorded.
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.clear();
    first_id_ = next_id_;
    accepted_ = 0;
    accepted_seqs_.clear();
  }

 private:
  // An answer not sent yet: held by kHang (no due time) or delayed by kSlow. Its writer is
  // answered from another thread (Pistache queues writes to the connection's reactor).
  struct Pending {
    std::uint64_t id = 0;
    bool signature_ok = false;
    int status = 0;
    std::optional<Clock::time_point> due;
    Pistache::Http::ResponseWriter writer;
  };
  // How a mode answers: `status` now, at `due`, or (hold) not yet.
  struct Decision {
    bool hold = false;
    int status = 0;
    std::optional<Clock::time_point> due;
  };

  static std::optional<std::int64_t> IntHeader(const server::HttpRequest& request,
                                               const std::string& name) {
    const std::optional<std::string> text = request.Header(name);
    if (!text) return std::nullopt;
    std::int64_t value = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
  }

  Decision DecideLocked(Mode mode, bool signature_ok, Clock::time_point now) const {
    switch (mode) {
      case Mode::kRejectBadSignature:
        return {false, signature_ok ? 200 : 401, std::nullopt};
      case Mode::kOk:
        return {false, 200, std::nullopt};
      case Mode::kFail:
        return {false, 500, std::nullopt};
      case Mode::kUnavailable:
        return {false, 503, std::nullopt};
      case Mode::kHang:
        return {true, 0, std::nullopt};
      case Mode::kSlow:
        return {false, 200, now + slow_delay_};
    }
    return {false, 500, std::nullopt};
  }

  void Handle(const server::HttpRequest& request, Pistache::Http::ResponseWriter& response) {
    // Copied now: the parser's request is reused for the connection's next request.
    Request r;
    r.arrived = Clock::now();
    r.path = request.path;
    r.body = request.body();
    r.signature = request.Header("X-Hub-Signature-256");
    r.seq = IntHeader(request, "X-Waba-Journal-Seq");
    r.replay_id = IntHeader(request, "X-Waba-Journal-Replay");
    r.content_type = request.Header("Content-Type").value_or("");
    r.signature_ok = verifier_.Verify(r.signature, r.body) == server::SignatureCheck::kValid;
    int status = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::uint64_t id = next_id_++;
      Decision d;
      if (fail_next_ > 0) {
        --fail_next_;
        d.status = fail_status_;
      } else if (stopping_) {
        d.status = 503;  // the timer is gone and nothing may be held any more
      } else {
        d = DecideLocked(mode_, r.signature_ok, r.arrived);
      }
      if (d.hold || d.due) {
        pending_.push_back(Pending{id, r.signature_ok, d.status, d.due, std::move(response)});
      } else {
        status = r.status = d.status;
        if (status / 100 == 2) CountAcceptedLocked(r);
      }
      requests_.push_back(std::move(r));
    }
    changed_cv_.notify_all();
    timer_cv_.notify_all();
    if (status != 0) Send(response, status);
  }

  void CountAcceptedLocked(const Request& r) {
    ++accepted_;
    if (r.seq) accepted_seqs_.insert(*r.seq);
  }

  // Counts answers until they are written.
  struct Countdown {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
    void Done() {
      std::lock_guard<std::mutex> lock(mu);
      --left;
      cv.notify_all();
    }
  };

  // Records each pending request's status, then sends it. With `wait_written`, returns once
  // every answer is on the wire (or failed), within a bound: Pistache drops the writes still
  // queued when its server shuts down and leaves the connection open, so a client would
  // wait for its own timeout.
  void Answer(std::list<Pending>& answers, bool wait_written = false) {
    if (answers.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Pending& p : answers) {
        if (p.id < first_id_) continue;  // cleared
        Request& r = requests_[static_cast<std::size_t>(p.id - first_id_)];
        r.status = p.status;
        if (p.status / 100 == 2) CountAcceptedLocked(r);
      }
    }
    changed_cv_.notify_all();
    auto written = std::make_shared<Countdown>();
    written->left = answers.size();
    for (Pending& p : answers) Send(p.writer, p.status, written);
    if (!wait_written) return;
    std::unique_lock<std::mutex> lock(written->mu);
    written->cv.wait_for(lock, std::chrono::seconds(2), [&] { return written->left == 0; });
  }

  // Sends {"status":N}; `written`, if set, is counted down once the answer is written or
  // cannot be.
  static void Send(Pistache::Http::ResponseWriter& response, int status,
                   const std::shared_ptr<Countdown>& written = nullptr) {
    static const auto kJson = Pistache::Http::Mime::MediaType::fromString("application/json");
    try {
      auto sent = response.send(static_cast<Pistache::Http::Code>(status),
                                "{\"status\":" + std::to_string(status) + "}", kJson);
      if (written) {
        sent.then([written](ssize_t) { written->Done(); },
                  [written](std::exception_ptr) { written->Done(); });
      }
    } catch (const std::exception&) {
      // The client of a held or delayed request may have gone: nothing to answer.
      if (written) written->Done();
    }
  }

  // Sends kSlow's answers when due.
  void RunTimer() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      std::optional<Clock::time_point> next;
      for (const Pending& p : pending_) {
        if (p.due && (!next || *p.due < *next)) next = p.due;
      }
      const Clock::time_point now = Clock::now();
      if (!next) {
        timer_cv_.wait(lock);
        continue;
      }
      if (*next > now) {
        timer_cv_.wait_until(lock, *next);
        continue;
      }
      std::list<Pending> due;
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->due && *it->due <= now) {
          due.splice(due.end(), pending_, it++);
        } else {
          ++it;
        }
      }
      lock.unlock();
      Answer(due);
      lock.lock();
    }
  }

  const std::string host_;
  const server::SignatureVerifier verifier_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_cv_;  // a request arrived or was answered
  std::condition_variable timer_cv_;            // pending_ or stopping_ changed
  Mode mode_ = Mode::kRejectBadSignature;
  std::chrono::milliseconds slow_delay_{200};
  int fail_next_ = 0;
  int fail_status_ = 500;
  std::deque<Request> requests_;  // ids first_id_, first_id_ + 1, …
  std::uint64_t first_id_ = 0;
  std::uint64_t next_id_ = 0;
  int accepted_ = 0;
  std::set<std::int64_t> accepted_seqs_;
  std::list<Pending> pending_;
  bool stopping_ = false;
  std::thread timer_;
  std::unique_ptr<server::HttpServer> server_;  // last: stopped before the state goes
};

}  // namespace wj::testing
