#include "server/metrics.h"

#include <sstream>

namespace wj::server {
namespace {

constexpr std::string_view kOutcomeLabels[kDeliveryOutcomes] = {
    "journaled", "journaled_unparsed", "rejected_signature", "unavailable"};
constexpr SignatureCheck kRejections[] = {SignatureCheck::kMissing, SignatureCheck::kMalformed,
                                          SignatureCheck::kMismatch};

void Header(std::ostringstream& os, const char* name, const char* type, const char* help) {
  os << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// Label values are field names from payloads: escape what Prometheus requires.
std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::CountDelivery(DeliveryOutcome outcome) {
  deliveries_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountSignatureRejection(SignatureCheck reason) {
  signature_rejections_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountEvents(const std::vector<std::string>& fields,
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

void Metrics::CountHttpRejection(int status_code) {
  std::lock_guard lock(mu_);
  ++http_rejections_[status_code];
}

void Metrics::CountSubscriptionCall(std::string_view action, std::string_view state) {
  std::lock_guard lock(mu_);
  ++subscription_calls_[{std::string(action), std::string(state)}];
}

void Metrics::SetSubscriptionState(const std::string& waba_id, std::string_view state,
                                   bool changed) {
  std::lock_guard lock(mu_);
  subscription_states_[waba_id] = state;
  if (changed) ++subscription_changes_;
}

std::string Metrics::Render(const storage::CommitStats& commits,
                            const storage::JournalStats& committed) const {
  std::ostringstream os;
  Header(os, "waba_journal_deliveries_total", "counter",
         "POST /webhook requests by outcome since start.");
  for (std::size_t i = 0; i < kDeliveryOutcomes; ++i) {
    os << "waba_journal_deliveries_total{outcome=\"" << kOutcomeLabels[i] << "\"} "
       << deliveries_[i].load(std::memory_order_relaxed) << '\n';
  }
  Header(os, "waba_journal_signature_rejections_total", "counter",
         "Deliveries refused with 401, by reason.");
  for (SignatureCheck r : kRejections) {
    os << "waba_journal_signature_rejections_total{reason=\"" << ToString(r) << "\"} "
       << signature_rejections_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed)
       << '\n';
  }
  {
    std::lock_guard lock(mu_);
    Header(os, "waba_journal_events_total", "counter", "Journaled events by field since start.");
    for (const auto& [field, n] : events_by_field_) {
      os << "waba_journal_events_total{field=\"" << Escape(field) << "\"} " << n << '\n';
    }
    Header(os, "waba_journal_subscription_calls_total", "counter",
           "Graph API subscribed_apps calls of the reconciler, by action and resulting state.");
    for (const auto& [key, n] : subscription_calls_) {
      os << "waba_journal_subscription_calls_total{action=\"" << key.first << "\",state=\""
         << key.second << "\"} " << n << '\n';
    }
    Header(os, "waba_journal_subscription_state_changes_total", "counter",
           "Changes of a watched WABA's subscription state seen by the reconciler.");
    os << "waba_journal_subscription_state_changes_total " << subscription_changes_ << '\n';
    Header(os, "waba_journal_subscription_state", "gauge",
           "1 for the current subscription state of each watched WABA.");
    for (const auto& [waba, state] : subscription_states_) {
      os << "waba_journal_subscription_state{waba_id=\"" << Escape(waba) << "\",state=\"" << state
         << "\"} 1\n";
    }
    Header(os, "waba_journal_http_rejections_total", "counter",
           "Requests refused before routing (oversized, malformed), by status.");
    for (const auto& [code, n] : http_rejections_) {
      os << "waba_journal_http_rejections_total{code=\"" << code << "\"} " << n << '\n';
    }
  }
  Header(os, "waba_journal_duplicate_events_total", "counter",
         "Journaled events that repeat an earlier event (Meta redeliveries).");
  os << "waba_journal_duplicate_events_total " << duplicates_.load(std::memory_order_relaxed)
     << '\n';
  Header(os, "waba_journal_commits_total", "counter", "Journal transactions committed.");
  os << "waba_journal_commits_total " << commits.commits << '\n';
  Header(os, "waba_journal_commit_failures_total", "counter", "Journal transactions that failed.");
  os << "waba_journal_commit_failures_total " << commits.failed_commits << '\n';

  Header(os, "waba_journal_commit_batch_size", "histogram", "Deliveries per journal commit.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < storage::CommitStats::kBuckets; ++i) {
    cumulative += commits.batch_buckets[i];
    os << "waba_journal_commit_batch_size_bucket{le=\"" << storage::CommitStats::kBatchBounds[i]
       << "\"} " << cumulative << '\n';
  }
  cumulative += commits.batch_buckets[storage::CommitStats::kBuckets];
  os << "waba_journal_commit_batch_size_bucket{le=\"+Inf\"} " << cumulative << '\n'
     << "waba_journal_commit_batch_size_sum " << commits.deliveries << '\n'
     << "waba_journal_commit_batch_size_count " << commits.commits << '\n';

  Header(os, "waba_journal_commit_seconds", "histogram", "Journal commit latency.");
  cumulative = 0;
  for (std::size_t i = 0; i < storage::CommitStats::kBuckets; ++i) {
    cumulative += commits.latency_buckets[i];
    os << "waba_journal_commit_seconds_bucket{le=\""
       << storage::CommitStats::kLatencyBoundsMs[i] / 1000.0 << "\"} " << cumulative << '\n';
  }
  cumulative += commits.latency_buckets[storage::CommitStats::kBuckets];
  os << "waba_journal_commit_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
     << "waba_journal_commit_seconds_sum " << commits.latency_ms_sum / 1000.0 << '\n'
     << "waba_journal_commit_seconds_count " << commits.commits << '\n';

  Header(os, "waba_journal_deliveries", "gauge", "Deliveries in the journal.");
  os << "waba_journal_deliveries " << committed.deliveries << '\n';
  Header(os, "waba_journal_events", "gauge", "Events in the journal.");
  os << "waba_journal_events " << committed.events << '\n';
  return os.str();
}

}  // namespace wj::server
