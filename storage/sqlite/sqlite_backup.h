#pragma once

#include <string>

#include "storage/journal_store.h"

namespace wj::storage::sqlite {

// Copies the journal file at `path` to `to` with SQLite's online backup API, in one step
// from one read transaction: a consistent snapshot, taken beside a running writer (WAL lets
// the writer go on; only checkpoints wait for the copy). The copy is written to `to`.partial
// (mode 0600), synced, then renamed into place.
// FailedPrecondition when `to` exists; NotFound when there is no journal at `path`.
Result<BackupReport> BackupSqliteJournal(const std::string& path, const std::string& to);

}  // namespace wj::storage::sqlite
