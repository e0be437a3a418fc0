#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "storage/erasure.h"
#include "storage/journal_key.h"
#include "storage/sqlite/journal_rows.h"

namespace wj::storage::sqlite {

// Carries out `request` on `db` inside the caller's transaction: deletes the erased
// content rows (event values, raw bodies with their signatures, the customer's subject
// map), copies out of an erased body the values of other events that stay, records what
// went in erased_events / erased_deliveries, and appends one tombstone per erasure through
// `rows`, advancing `tip`. Returns the erasures recorded (see ErasureRequest for when there
// are none). Throws SQLite::Exception.
std::vector<ErasureRecord> ExecuteErasure(SQLite::Database& db, JournalRows& rows,
                                          const JournalKey& key, const ErasureRequest& request,
                                          std::int64_t now_ms, ChainTip& tip, BatchCounts& counts);

// Whether any event of `waba_id` is journaled. Throws SQLite::Exception.
bool WabaKnown(SQLite::Database& db, const std::string& waba_id);

}  // namespace wj::storage::sqlite
