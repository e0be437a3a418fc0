#include "server/forwarding/forwarding_metrics.h"

#include <algorithm>
#include <functional>

namespace wj::server {

std::string RenderForwardingMetrics(const std::vector<Forwarding::DestinationStatus>& statuses,
                                    std::int64_t now_ms) {
  using Value = std::function<std::int64_t(const Forwarding::DestinationStatus&)>;
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    Value value;
  };
  const Series series[] = {
      {"waba_journal_forward_sent_total", "counter", "Events delivered since start.",
       [](const auto& s) { return s.activity.sent; }},
      {"waba_journal_forward_failed_attempts_total", "counter",
       "Forwarding attempts without a 2xx answer since start.",
       [](const auto& s) { return s.activity.failed_attempts; }},
      {"waba_journal_forward_given_up_total", "counter", "Events given up after the retry horizon.",
       [](const auto& s) { return s.activity.given_up; }},
      {"waba_journal_forward_cursor", "gauge", "Seq up to which every matching event is done.",
       [](const auto& s) { return s.activity.cursor; }},
      {"waba_journal_forward_lag_events", "gauge", "Matching events not yet delivered.",
       [](const auto& s) { return s.lag_events; }},
      {"waba_journal_forward_lag_seconds", "gauge", "Age of the oldest undelivered event.",
       [now_ms](const auto& s) {
         return s.oldest_pending_ms
                    ? std::max<std::int64_t>(0, now_ms - *s.oldest_pending_ms) / 1000
                    : 0;
       }},
      {"waba_journal_forward_retrying", "gauge", "1 while the head event waits for a retry.",
       [](const auto& s) { return s.activity.retrying ? 1 : 0; }},
  };
  std::string out;
  for (const Series& m : series) {
    out.append("# HELP ").append(m.name).append(" ").append(m.help).append("\n");
    out.append("# TYPE ").append(m.name).append(" ").append(m.type).append("\n");
    for (const auto& s : statuses) {
      out.append(m.name)
          .append("{destination=\"")
          .append(s.destination->name)
          .append("\"} ")
          .append(std::to_string(m.value(s)))
          .append("\n");
    }
  }
  return out;
}

}  // namespace wj::server
