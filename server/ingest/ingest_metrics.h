#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/meta/signature.h"
#include "storage/journal_writer.h"

namespace wj::server {

// What happened to one POST /webhook.
enum class DeliveryOutcome {
  kJournaled,                  // verified, committed
  kJournaledUnparsed,          // verified, committed raw with a parse error
  kRejectedSignature,          // 401: see the per-reason counter
  kUnavailable,                // 503: the commit failed or the service is stopping
  kRejectedClientCertificate,  // 401: --require-client-cert and none was attested
};
inline constexpr std::size_t kDeliveryOutcomes = 5;

// The receiver's counters, rendered in Prometheus text format:
//   waba_journal_deliveries_total{outcome}, waba_journal_signature_rejections_total{reason},
//   waba_journal_events_total{field}, waba_journal_duplicate_events_total,
//   waba_journal_client_certificates_total{verified}.
//
// Thread-safety: every method may be called from any thread.
class IngestMetrics {
 public:
  void CountDelivery(DeliveryOutcome outcome);
  void CountSignatureRejection(SignatureCheck reason);
  // Counts the events of one committed delivery by field, and how many were duplicates.
  // `fields` holds each event's field, in the order of `appended.events`.
  void CountEvents(const std::vector<std::string>& fields,
                   const storage::AppendedDelivery& appended);

  // One journaled delivery, with or without a client certificate verified by a trusted front.
  void CountClientCertificate(bool verified);

  std::string Render() const;

 private:
  // Field names come from verified deliveries, but an unbounded label set would still grow
  // without limit: past this many distinct fields, new ones are counted as "other".
  static constexpr std::size_t kMaxFieldLabels = 64;

  std::atomic<std::uint64_t> deliveries_[kDeliveryOutcomes] = {};
  std::atomic<std::uint64_t> signature_rejections_[4] = {};
  std::atomic<std::uint64_t> duplicates_ = 0;
  std::atomic<std::uint64_t> with_certificate_ = 0;
  std::atomic<std::uint64_t> without_certificate_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> events_by_field_;  // guarded by mu_
};

}  // namespace wj::server
