#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server/signature.h"
#include "storage/group_commit_writer.h"
#include "storage/journal.h"

namespace wj::server {

// What happened to one POST /webhook.
enum class DeliveryOutcome {
  kJournaled,          // verified, committed
  kJournaledUnparsed,  // verified, committed raw with a parse error
  kRejectedSignature,  // 401: see the per-reason counter
  kUnavailable,        // 503: the commit failed or the service is stopping
};
inline constexpr std::size_t kDeliveryOutcomes = 4;

// The service's counters, rendered in Prometheus text format.
//
// Thread-safety: every method may be called from any thread.
class Metrics {
 public:
  void CountDelivery(DeliveryOutcome outcome);
  void CountSignatureRejection(SignatureCheck reason);
  // Counts the events of one committed delivery by field, and how many were duplicates.
  // `fields` holds each event's field, in the order of `appended.events`.
  void CountEvents(const std::vector<std::string>& fields,
                   const storage::AppendedDelivery& appended);
  // Requests refused by the HTTP layer before routing (413, 431, 400).
  void CountHttpRejection(int status_code);

  // One subscribed_apps call (check or resubscribe) of the reconciler, by resulting state.
  void CountSubscriptionCall(std::string_view action, std::string_view state);
  // The reconciler saw `waba_id` change state (or saw it for the first time).
  void SetSubscriptionState(const std::string& waba_id, std::string_view state, bool changed);

  // The exposition text. `commits` and `committed` come from the journal writer.
  std::string Render(const storage::CommitStats& commits,
                     const storage::JournalStats& committed) const;

 private:
  // Field names come from verified deliveries, but an unbounded label set would still grow
  // without limit: past this many distinct fields, new ones are counted as "other".
  static constexpr std::size_t kMaxFieldLabels = 64;

  std::atomic<std::uint64_t> deliveries_[kDeliveryOutcomes] = {};
  std::atomic<std::uint64_t> signature_rejections_[4] = {};
  std::atomic<std::uint64_t> duplicates_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> events_by_field_;  // guarded by mu_
  std::map<int, std::uint64_t> http_rejections_;          // guarded by mu_
  std::map<std::pair<std::string, std::string>, std::uint64_t> subscription_calls_;  // mu_
  std::map<std::string, std::string> subscription_states_;  // waba → state; guarded by mu_
  std::uint64_t subscription_changes_ = 0;                  // guarded by mu_
};

}  // namespace wj::server
