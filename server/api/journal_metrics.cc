#include "server/api/journal_metrics.h"

#include <sstream>

#include "server/util/prometheus_text.h"

namespace wj::server {

std::string RenderJournalMetrics(const storage::CommitStats& commits,
                                 const storage::JournalStats& committed) {
  std::ostringstream os;
  WriteMetricHeader(os, "waba_journal_commits_total", "counter", "Journal transactions committed.");
  os << "waba_journal_commits_total " << commits.commits << '\n';
  WriteMetricHeader(os, "waba_journal_commit_failures_total", "counter",
                    "Journal transactions that failed.");
  os << "waba_journal_commit_failures_total " << commits.failed_commits << '\n';

  WriteMetricHeader(os, "waba_journal_commit_batch_size", "histogram",
                    "Deliveries per journal commit.");
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

  WriteMetricHeader(os, "waba_journal_commit_seconds", "histogram", "Journal commit latency.");
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

  WriteMetricHeader(os, "waba_journal_deliveries", "gauge", "Deliveries in the journal.");
  os << "waba_journal_deliveries " << committed.deliveries << '\n';
  WriteMetricHeader(os, "waba_journal_events", "gauge", "Events in the journal.");
  os << "waba_journal_events " << committed.events << '\n';
  return os.str();
}

}  // namespace wj::server
