#include "server/http/rejection_metrics.h"

#include <sstream>

#include "server/util/prometheus_text.h"

namespace wj::server {

void RejectionMetrics::Count(int status_code) {
  std::lock_guard lock(mu_);
  ++by_code_[status_code];
}

std::string RejectionMetrics::Render() const {
  std::ostringstream os;
  WriteMetricHeader(os, "waba_journal_http_rejections_total", "counter",
                    "Requests refused before routing (oversized, malformed), by status.");
  std::lock_guard lock(mu_);
  for (const auto& [code, n] : by_code_) {
    os << "waba_journal_http_rejections_total{code=\"" << code << "\"} " << n << '\n';
  }
  return os.str();
}

}  // namespace wj::server
