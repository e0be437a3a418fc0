#include "server/ingest/ingest_metrics.h"

#include <sstream>
#include <string_view>

#include "server/util/prometheus_text.h"

namespace wj::server {
namespace {

constexpr std::string_view kOutcomeLabels[kDeliveryOutcomes] = {"journaled", "journaled_unparsed",
                                                                "rejected_signature", "unavailable",
                                                                "rejected_client_certificate"};
constexpr SignatureCheck kRejections[] = {SignatureCheck::kMissing, SignatureCheck::kMalformed,
                                          SignatureCheck::kMismatch};

}  // namespace

void IngestMetrics::CountDelivery(DeliveryOutcome outcome) {
  deliveries_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

void IngestMetrics::CountSignatureRejection(SignatureCheck reason) {
  signature_rejections_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

void IngestMetrics::CountEvents(const std::vector<std::string>& fields,
                                const storage::AppendedDelivery& appended) {
  std::uint64_t duplicates = 0;
  for (const auto& e : appended.events) duplicates += e.duplicate_of != 0 ? 1 : 0;
  duplicates_.fetch_add(duplicates, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  for (const auto& field : fields) {
    auto it = events_by_field_.find(field);
    if (it != events_by_field_.end()) {
      ++it->second;
    } else if (events_by_field_.size() < kMaxFieldLabels) {
      events_by_field_.emplace(field, 1);
    } else {
      ++events_by_field_["other"];
    }
  }
}

void IngestMetrics::CountClientCertificate(bool verified) {
  (verified ? with_certificate_ : without_certificate_).fetch_add(1, std::memory_order_relaxed);
}

std::string IngestMetrics::Render() const {
  std::ostringstream os;
  WriteMetricHeader(os, "waba_journal_deliveries_total", "counter",
                    "POST /webhook requests by outcome since start.");
  for (std::size_t i = 0; i < kDeliveryOutcomes; ++i) {
    os << "waba_journal_deliveries_total{outcome=\"" << kOutcomeLabels[i] << "\"} "
       << deliveries_[i].load(std::memory_order_relaxed) << '\n';
  }
  WriteMetricHeader(os, "waba_journal_signature_rejections_total", "counter",
                    "Deliveries refused with 401, by reason.");
  for (SignatureCheck r : kRejections) {
    os << "waba_journal_signature_rejections_total{reason=\"" << ToString(r) << "\"} "
       << signature_rejections_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed)
       << '\n';
  }
  {
    std::lock_guard lock(mu_);
    WriteMetricHeader(os, "waba_journal_events_total", "counter",
                      "Journaled events by field since start.");
    for (const auto& [field, n] : events_by_field_) {
      os << "waba_journal_events_total{field=\"" << EscapeLabelValue(field) << "\"} " << n << '\n';
    }
  }
  WriteMetricHeader(os, "waba_journal_duplicate_events_total", "counter",
                    "Journaled events that repeat an earlier event (Meta redeliveries).");
  os << "waba_journal_duplicate_events_total " << duplicates_.load(std::memory_order_relaxed)
     << '\n';
  WriteMetricHeader(os, "waba_journal_client_certificates_total", "counter",
                    "Journaled deliveries with and without a client certificate verified by a "
                    "trusted TLS front.");
  os << "waba_journal_client_certificates_total{verified=\"true\"} "
     << with_certificate_.load(std::memory_order_relaxed) << '\n'
     << "waba_journal_client_certificates_total{verified=\"false\"} "
     << without_certificate_.load(std::memory_order_relaxed) << '\n';
  return os.str();
}

}  // namespace wj::server
