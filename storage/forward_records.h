#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wj::storage {

// The state of forwarding events to operator-configured destinations, as stored by
// migrations/sqlite/0004_forwarding.sql. Plain value types.

// Live forwarding's position for one destination: every matching event with seq <=
// last_seq was delivered or given up.
struct DestinationCursor {
  std::string destination;
  std::int64_t start_seq = 0;  // set when the cursor is first written; never changes after
  std::int64_t last_seq = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> last_success_at_ms;  // kept when an update carries none
};

// One attempt to deliver an event that did not get a 2xx answer.
struct ForwardAttempt {
  std::int64_t id = 0;  // set when read back
  std::int64_t seq = 0;
  std::string destination;
  std::optional<std::int64_t> replay_id;  // nullopt: live forwarding
  std::int64_t attempted_at_ms = 0;
  std::optional<int> http_status;  // nullopt: no HTTP answer (refused, timeout, DNS)
  std::string error;
  bool gave_up = false;  // the retry horizon had passed: the event was skipped
};

enum class ReplayStatus { kRunning, kDone, kFailed, kCancelled };
const char* ToString(ReplayStatus status);
std::optional<ReplayStatus> ReplayStatusFromString(const std::string& text);

// A replay of a fixed slice of the journal, (after_seq, until_seq] narrowed by a filter, to
// one destination.
struct Replay {
  std::int64_t id = 0;
  std::string destination;
  std::string filter_json;  // opaque to storage: written and read by the API layer
  std::int64_t after_seq = 0;
  std::int64_t until_seq = 0;
  std::int64_t created_at_ms = 0;
  std::string created_by;
  ReplayStatus status = ReplayStatus::kRunning;
  std::int64_t total = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t last_seq = 0;  // every event of the slice up to here was sent or given up
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
};

// Progress of a running replay. Applied only while the stored replay is still running, so
// a late progress report never reopens a finished or cancelled one.
struct ReplayProgress {
  std::int64_t id = 0;
  ReplayStatus status = ReplayStatus::kRunning;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t last_seq = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
};

// Everything forwarding has to record, applied in one transaction.
struct ForwardUpdate {
  std::vector<DestinationCursor> cursors;
  std::vector<ForwardAttempt> attempts;
  std::vector<ReplayProgress> replays;

  bool empty() const { return cursors.empty() && attempts.empty() && replays.empty(); }
};

}  // namespace wj::storage
