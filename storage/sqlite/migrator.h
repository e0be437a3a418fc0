#pragma once

#include <span>
#include <string>
#include <vector>

#include "storage/migration.h"
#include "storage/status.h"

namespace SQLite {
class Database;
}

namespace wj::storage::sqlite {

// The SQLite migrations compiled into this binary from migrations/sqlite/, in version order.
// Returns Internal if a file name does not follow NNNN_name.sql or versions repeat.
Result<std::vector<Migration>> BuiltInMigrations();

// Brings `db` up to the newest of `migrations`, each in its own IMMEDIATE transaction
// with its version recorded in schema_migrations. Idempotent.
// Returns FailedPrecondition when the database is newer than `migrations` (written by a
// newer binary) or an applied migration's SQL differs from ours; Unavailable/Internal when
// SQLite fails (the failing migration is rolled back, earlier ones stay).
Result<MigrationReport> Migrate(SQLite::Database& db, const std::vector<Migration>& migrations);

// The highest applied version; 0 for an empty database.
Result<int> SchemaVersion(SQLite::Database& db);

}  // namespace wj::storage::sqlite
