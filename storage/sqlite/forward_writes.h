#pragma once

#include <cstdint>

#include "storage/forward_records.h"
#include "storage/status.h"

namespace SQLite {
class Database;
}

namespace wj::storage::sqlite {

// Writes of forwarding state on the journal's writer connection (see SqliteJournal); each
// call is one transaction. Storage-internal: the rest of the program goes through
// JournalWriter / GroupCommitWriter.

// Applies every part of `update`: cursors are upserted (a cursor never moves back),
// attempts appended, progress applied to replays still running.
Status ApplyForwardUpdate(SQLite::Database& db, const ForwardUpdate& update);

// Inserts `replay` (its id is ignored) and returns the new id.
Result<std::int64_t> InsertReplay(SQLite::Database& db, const Replay& replay);

}  // namespace wj::storage::sqlite
