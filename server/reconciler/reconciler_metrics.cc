#include "server/reconciler/reconciler_metrics.h"

#include <sstream>

#include "server/util/prometheus_text.h"

namespace wj::server {

void ReconcilerMetrics::CountSubscriptionCall(std::string_view action, std::string_view state) {
  std::lock_guard lock(mu_);
  ++calls_[{std::string(action), std::string(state)}];
}

void ReconcilerMetrics::SetSubscriptionState(const std::string& waba_id, std::string_view state,
                                             bool changed) {
  std::lock_guard lock(mu_);
  states_[waba_id] = state;
  if (changed) ++changes_;
}

std::string ReconcilerMetrics::Render() const {
  std::ostringstream os;
  std::lock_guard lock(mu_);
  WriteMetricHeader(
      os, "waba_journal_subscription_calls_total", "counter",
      "Graph API subscribed_apps calls of the reconciler, by action and resulting state.");
  for (const auto& [key, n] : calls_) {
    os << "waba_journal_subscription_calls_total{action=\"" << key.first << "\",state=\""
       << key.second << "\"} " << n << '\n';
  }
  WriteMetricHeader(os, "waba_journal_subscription_state_changes_total", "counter",
                    "Changes of a watched WABA's subscription state seen by the reconciler.");
  os << "waba_journal_subscription_state_changes_total " << changes_ << '\n';
  WriteMetricHeader(os, "waba_journal_subscription_state", "gauge",
                    "1 for the current subscription state of each watched WABA.");
  for (const auto& [waba, state] : states_) {
    os << "waba_journal_subscription_state{waba_id=\"" << EscapeLabelValue(waba) << "\",state=\""
       << state << "\"} 1\n";
  }
  return os.str();
}

}  // namespace wj::server
