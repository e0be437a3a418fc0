#pragma once

#include <span>
#include <string>
#include <vector>

#include "storage/embedded_file.h"
#include "storage/status.h"

namespace SQLite {
class Database;
}

namespace wj::storage {

// A schema step, parsed from a file named NNNN_name.sql.
struct Migration {
  int version = 0;
  std::string name;  // file name without .sql, e.g. "0001_journal"
  std::string_view sql;
};

// The migrations compiled into this binary from migrations/, in version order.
// Returns Internal if a file name does not follow NNNN_name.sql or versions repeat.
Result<std::vector<Migration>> BuiltInMigrations();
Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // names applied by this call
};

// Brings `db` up to the newest of `migrations`, each in its own IMMEDIATE transaction
// with its version recorded in schema_migrations. Idempotent.
// Returns FailedPrecondition when the database is newer than `migrations` (written by a
// newer binary) or an applied migration's SQL differs from ours; Unavailable/Internal when
// SQLite fails (the failing migration is rolled back, earlier ones stay).
Result<MigrationReport> Migrate(SQLite::Database& db, const std::vector<Migration>& migrations);

// The highest applied version; 0 for an empty database.
Result<int> SchemaVersion(SQLite::Database& db);

}  // namespace wj::storage
