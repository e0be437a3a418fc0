#include "storage/sqlite/migrator.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <span>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/digest.h"
#include "storage/sqlite/database.h"

namespace wj::storage::sqlite {

std::span<const EmbeddedFile> MigrationFiles();  // generated from migrations/sqlite/*.sql

namespace {

constexpr const char* kHasMigrationTable =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr const char* kAppliedMigrations = "SELECT version, name, sha256 FROM schema_migrations";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)";

struct Applied {
  std::string name;
  std::string sha256;
};

std::map<int, Applied> ReadApplied(SQLite::Database& db) {
  std::map<int, Applied> applied;
  if (db.execAndGet(kHasMigrationTable).getInt() == 0) return applied;
  SQLite::Statement query(db, kAppliedMigrations);
  while (query.executeStep()) {
    applied[query.getColumn(0).getInt()] = {query.getColumn(1).getString(),
                                            query.getColumn(2).getString()};
  }
  return applied;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::vector<Migration>> BuiltInMigrations() { return ParseMigrations(MigrationFiles()); }

Result<int> SchemaVersion(SQLite::Database& db) {
  try {
    auto applied = ReadApplied(db);
    return applied.empty() ? 0 : applied.rbegin()->first;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading schema version: ") + e.what());
  }
}

Result<MigrationReport> Migrate(SQLite::Database& db, const std::vector<Migration>& migrations,
                                const ProgramSteps& steps) {
  MigrationReport report;
  std::string current;  // the migration being applied, for the error message
  try {
    auto applied = ReadApplied(db);
    report.from_version = applied.empty() ? 0 : applied.rbegin()->first;
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (report.from_version > newest) {
      return Status::FailedPrecondition("database schema version " +
                                        std::to_string(report.from_version) +
                                        " is newer than this binary's " + std::to_string(newest) +
                                        "; run a newer waba-journal or restore a matching backup");
    }
    for (const Migration& m : migrations) {
      std::string sha = ToHex(Sha256(m.sql));
      auto it = applied.find(m.version);
      if (it != applied.end()) {
        if (it->second.sha256 != sha) {
          return Status::FailedPrecondition("migration " + m.name +
                                            " differs from the one applied to this database");
        }
        continue;
      }
      current = m.name;
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process (`serve` and `token create` started together) may have applied it
      // since we looked: decide again under the write lock.
      auto now_applied = ReadApplied(db);
      if (auto again = now_applied.find(m.version); again != now_applied.end()) {
        if (again->second.sha256 != sha) {
          return Status::FailedPrecondition("migration " + m.name +
                                            " differs from the one applied to this database");
        }
        continue;  // the transaction rolls back, having changed nothing
      }
      const std::string_view marker = "\n-- convert:";
      const std::size_t split = m.sql.find(marker);
      auto step = steps.find(m.version);
      if ((split == std::string_view::npos) != (step == steps.end())) {
        return Status::Internal("migration " + m.name +
                                " and this binary's program steps disagree");
      }
      if (split == std::string_view::npos) {
        db.exec(std::string(m.sql));
      } else {
        db.exec(std::string(m.sql.substr(0, split)));
        step->second(db);
        db.exec(std::string(m.sql.substr(split)));
      }
      SQLite::Statement record(db, kRecordMigration);
      record.bind(1, m.version);
      record.bind(2, m.name);
      record.bind(3, sha);
      record.bind(4, static_cast<int64_t>(NowMs()));
      record.exec();
      tx.commit();
      report.applied.push_back(m.name);
    }
    report.to_version = std::max(report.from_version, newest);
    return report;
  } catch (const MigrationFailure& failure) {
    return Status::FailedPrecondition("migration " + current +
                                      " refused: " + failure.status.message());
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(
        e.getErrorCode(),
        "migration " + (current.empty() ? std::string("check") : current) + " failed: " + e.what());
  }
}

}  // namespace wj::storage::sqlite
