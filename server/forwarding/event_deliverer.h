#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "server/forwarding/forward_request.h"
#include "server/forwarding/forward_sender.h"
#include "server/util/interrupt.h"
#include "storage/forward_records.h"

namespace wj::server {

// When to try an event again, and when to give up on it.
struct RetryPolicy {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{5 * 60 * 1000};
  std::chrono::milliseconds horizon{24 * 60 * 60 * 1000};  // from the event's first attempt
};

// The wait after `failures` (>= 1) consecutive failed attempts: initial × 2^(failures-1),
// capped at max, scaled by `jitter` in [0.5, 1] so that destinations failing together do
// not retry in lockstep.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int failures, double jitter);

enum class DeliveryResult { kDelivered, kGaveUp, kInterrupted };

// Delivers one event at a time to one destination, at least once: it retries until a 2xx
// answer, or until the retry horizon has passed since the first attempt (then the event is
// given up, never silently: the last attempt is recorded with gave_up set). Every failed
// attempt is handed to `record`.
//
// Thread-safety: one instance per thread.
class EventDeliverer {
 public:
  using Record = std::function<void(const storage::ForwardAttempt&)>;
  EventDeliverer(std::string destination, ForwardSender& sender, RetryPolicy policy, Record record,
                 std::function<std::int64_t()> now_ms);

  // Returns kInterrupted as soon as `stop` is triggered (the event then counts as not sent).
  DeliveryResult Deliver(const ForwardRequest& request, std::int64_t seq,
                         std::optional<std::int64_t> replay_id, const Interrupt& stop);

 private:
  const std::string destination_;
  ForwardSender& sender_;
  const RetryPolicy policy_;
  const Record record_;
  const std::function<std::int64_t()> now_ms_;
  std::minstd_rand random_;
};

}  // namespace wj::server
