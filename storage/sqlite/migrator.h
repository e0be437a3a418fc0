#pragma once

#include <functional>
#include <map>
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
// A migration's program step: rows no SQL statement can convert (digests with the journal
// key). Runs inside the migration's transaction where its file says "-- convert:", between
// the SQL above that line and the SQL below it. Throws SQLite::Exception, or
// MigrationFailure to refuse the migration.
using ProgramStep = std::function<void(SQLite::Database&)>;
using ProgramSteps = std::map<int, ProgramStep>;

struct MigrationFailure {
  Status status;
};

Result<MigrationReport> Migrate(SQLite::Database& db, const std::vector<Migration>& migrations,
                                const ProgramSteps& steps = {});

// The highest applied version; 0 for an empty database.
Result<int> SchemaVersion(SQLite::Database& db);

}  // namespace wj::storage::sqlite
