#pragma once

#include <string>

#include "storage/group_commit_writer.h"
#include "storage/journal_writer.h"

namespace wj::server {

// The journal's writer in Prometheus text format: waba_journal_commits_total,
// waba_journal_commit_failures_total, the histograms waba_journal_commit_batch_size and
// waba_journal_commit_seconds, and the gauges waba_journal_deliveries and waba_journal_events.
std::string RenderJournalMetrics(const storage::CommitStats& commits,
                                 const storage::JournalStats& committed);

}  // namespace wj::server
