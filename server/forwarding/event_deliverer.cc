#include "server/forwarding/event_deliverer.h"

#include <algorithm>

namespace wj::server {

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int failures, double jitter) {
  const double base = static_cast<double>(policy.initial.count());
  const double cap = static_cast<double>(policy.max.count());
  // 2^(failures-1) overflows nothing: the exponent is capped well before doubles would.
  const double exponential = base * static_cast<double>(1ULL << std::clamp(failures - 1, 0, 40));
  const double wait = std::min(exponential, cap) * std::clamp(jitter, 0.5, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

EventDeliverer::EventDeliverer(std::string destination, ForwardSender& sender, RetryPolicy policy,
                               Record record, std::function<std::int64_t()> now_ms)
    : destination_(std::move(destination)),
      sender_(sender),
      policy_(policy),
      record_(std::move(record)),
      now_ms_(std::move(now_ms)),
      random_(std::random_device{}()) {}

DeliveryResult EventDeliverer::Deliver(const ForwardRequest& request, std::int64_t seq,
                                       std::optional<std::int64_t> replay_id,
                                       const Interrupt& stop) {
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  std::optional<std::int64_t> first_attempt_ms;
  for (int failures = 1;; ++failures) {
    if (stop.triggered()) return DeliveryResult::kInterrupted;
    const std::int64_t now = now_ms_();
    if (!first_attempt_ms) first_attempt_ms = now;
    SendOutcome outcome = sender_.Send(request);
    if (outcome.delivered) return DeliveryResult::kDelivered;
    storage::ForwardAttempt attempt;
    attempt.seq = seq;
    attempt.destination = destination_;
    attempt.replay_id = replay_id;
    attempt.attempted_at_ms = now;
    attempt.http_status = outcome.http_status;
    attempt.error = std::move(outcome.error);
    const auto delay = RetryDelay(policy_, failures, jitter(random_));
    // Give up when the next try would fall beyond the horizon.
    attempt.gave_up = now_ms_() + delay.count() - *first_attempt_ms >= policy_.horizon.count();
    record_(attempt);
    if (attempt.gave_up) return DeliveryResult::kGaveUp;
    if (stop.WaitFor(delay)) return DeliveryResult::kInterrupted;
  }
}

}  // namespace wj::server
