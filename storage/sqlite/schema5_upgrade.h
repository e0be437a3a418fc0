#pragma once

#include <SQLiteCpp/Database.h>

#include "storage/journal_key.h"

namespace wj::storage::sqlite {

// The program step of migration 0006 (see migrations/sqlite/0006_erasable_content.sql):
// verifies the schema-5 chains (v5_deliveries, v5_events), refusing the upgrade with
// MigrationFailure if they do not hold; records the journal's origin (the key's check
// value, the old chains' final hashes); and rewrites every old delivery and event as
// schema-6 rows chained from that origin. Seqs and delivery ids are kept. On a new
// database it only records the origin. Throws SQLite::Exception or MigrationFailure.
void UpgradeFromSchema5(SQLite::Database& db, const JournalKey& key);

}  // namespace wj::storage::sqlite
