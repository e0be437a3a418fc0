#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "storage/forward_records.h"

namespace wj::server {

// What live forwarding to one destination has done, for the API and metrics.
struct ForwardActivitySnapshot {
  std::int64_t start_seq = 0;        // forwarding began after this seq (older: replays only)
  std::int64_t cursor = 0;           // every matching event up to here was delivered or given up
  std::int64_t sent = 0;             // since start
  std::int64_t given_up = 0;         // in total (restored from the journal at start)
  std::int64_t failed_attempts = 0;  // since start
  std::optional<std::int64_t> last_success_ms;
  std::optional<storage::ForwardAttempt> last_error;
  bool retrying = false;  // the head event failed and waits for its next try
};

// Thread-safety: every member may be called from any thread.
class ForwardActivity {
 public:
  explicit ForwardActivity(ForwardActivitySnapshot initial) : s_(std::move(initial)) {}
  ForwardActivitySnapshot Snapshot() const {
    std::lock_guard lock(mu_);
    return s_;
  }
  void Delivered(std::int64_t seq, std::int64_t at_ms) {
    std::lock_guard lock(mu_);
    s_.cursor = std::max(s_.cursor, seq);
    ++s_.sent;
    s_.last_success_ms = at_ms;
    s_.retrying = false;
  }
  void Failed(const storage::ForwardAttempt& attempt) {
    std::lock_guard lock(mu_);
    ++s_.failed_attempts;
    s_.last_error = attempt;
    s_.retrying = !attempt.gave_up;
    if (attempt.gave_up) {
      ++s_.given_up;
      s_.cursor = std::max(s_.cursor, attempt.seq);
    }
  }
  void Skipped(std::int64_t seq) {
    std::lock_guard lock(mu_);
    s_.cursor = std::max(s_.cursor, seq);
  }

 private:
  mutable std::mutex mu_;
  ForwardActivitySnapshot s_;  // guarded by mu_
};

}  // namespace wj::server
