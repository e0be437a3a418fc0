#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/forwarding/forwarding.h"

namespace wj::server {

// Prometheus exposition of forwarding, one series per destination (label destination):
//   waba_journal_forward_sent_total             events delivered since start (counter)
//   waba_journal_forward_failed_attempts_total  attempts without a 2xx answer (counter)
//   waba_journal_forward_given_up_total         events given up after the horizon (counter)
//   waba_journal_forward_cursor                 the destination's cursor (seq)
//   waba_journal_forward_lag_events             matching events not yet delivered
//   waba_journal_forward_lag_seconds            age of the oldest of them (0 when none)
//   waba_journal_forward_retrying               1 while the head event waits to be retried
// Destination names are operator-chosen [A-Za-z0-9_-]: safe as label values.
std::string RenderForwardingMetrics(const std::vector<Forwarding::DestinationStatus>& statuses,
                                    std::int64_t now_ms);

}  // namespace wj::server
