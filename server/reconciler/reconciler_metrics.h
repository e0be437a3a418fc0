#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace wj::server {

// The reconciler's counters, rendered in Prometheus text format:
//   waba_journal_subscription_calls_total{action,state},
//   waba_journal_subscription_state_changes_total, waba_journal_subscription_state{waba_id,state}.
//
// Thread-safety: every method may be called from any thread.
class ReconcilerMetrics {
 public:
  // One subscribed_apps call (check or resubscribe), by resulting state.
  void CountSubscriptionCall(std::string_view action, std::string_view state);
  // The reconciler saw `waba_id` change state (or saw it for the first time).
  void SetSubscriptionState(const std::string& waba_id, std::string_view state, bool changed);

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> calls_;  // guarded by mu_
  std::map<std::string, std::string> states_;  // waba → state; guarded by mu_
  std::uint64_t changes_ = 0;                  // guarded by mu_
};

}  // namespace wj::server
