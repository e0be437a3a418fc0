#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/forward_records.h"
#include "storage/status.h"

namespace wj::storage {

// The read side of forwarding state (migrations/sqlite/0004_forwarding.sql).
//
// Thread-safety: implementations allow concurrent calls from any thread. Every call may
// return Unavailable or Internal; none returns partial results.
class ForwardStateReader {
 public:
  virtual ~ForwardStateReader() = default;

  // Every destination's live cursor, by name (destinations never forwarded to are absent).
  virtual Result<std::map<std::string, DestinationCursor>> Cursors() = 0;

  // Failed attempts of live forwarding: per destination, how many events were given up,
  // and the newest failed attempt.
  struct LiveFailures {
    std::int64_t given_up = 0;
    std::optional<ForwardAttempt> last;
  };
  virtual Result<std::map<std::string, LiveFailures>> Failures() = 0;

  // Every failed attempt for event `seq`, live or replay, oldest first.
  virtual Result<std::vector<ForwardAttempt>> AttemptsFor(std::int64_t seq) = 0;

  // Replays, newest first, at most `limit`.
  virtual Result<std::vector<Replay>> Replays(int limit) = 0;
  virtual Result<std::optional<Replay>> ReplayById(std::int64_t id) = 0;
  // Replays still running (to resume at start), oldest first.
  virtual Result<std::vector<Replay>> RunningReplays() = 0;
};

}  // namespace wj::storage
