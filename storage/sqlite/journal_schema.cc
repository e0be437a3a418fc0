#include "storage/sqlite/journal_schema.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/migrator.h"
#include "storage/sqlite/schema5_upgrade.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kHasOrigin =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal_origin'";
constexpr const char* kKeyCheck = "SELECT key_check FROM journal_origin WHERE id = 1";
// The version whose program step needs the key.
constexpr int kContentSeparation = 6;

std::string Where(const KeySource& source) {
  return source.hex.empty() ? source.file : std::string("WABA_JOURNAL_KEY");
}

// The journal's key check value, or nullopt when it has none yet.
std::optional<KeyedDigest> StoredCheck(SQLite::Database& db) {
  if (db.execAndGet(kHasOrigin).getInt() == 0) return std::nullopt;
  SQLite::Statement q(db, kKeyCheck);
  if (!q.executeStep()) return std::nullopt;
  return BytesOf<16>(q.getColumn(0));
}

Status CheckKey(const JournalKey& key, const KeyedDigest& stored, const KeySource& source) {
  if (key.Check() == stored) return Status::Ok();
  return Status::FailedPrecondition("the journal key in " + Where(source) +
                                    " is not this journal's: restore the key it was created"
                                    " with (it is backed up with the journal)");
}

}  // namespace

KeySource KeySourceFor(const std::string& path, const StoreOptions& options) {
  return {options.journal_key,
          options.journal_key_file.empty() ? KeyFileBeside(path) : options.journal_key_file};
}

Result<JournalKey> MigrateJournal(SQLite::Database& db, const KeySource& key_source,
                                  MigrationReport* report) {
  try {
    const std::optional<KeyedDigest> stored = StoredCheck(db);
    auto key = LoadJournalKey(key_source, /*create=*/!stored.has_value());
    if (!key.ok()) {
      if (key.status().code() == Status::Code::kNotFound) {
        return Status::FailedPrecondition(key.status().message() +
                                          ": the journal's digests were made with it; restore"
                                          " it from the journal's backup or set WABA_JOURNAL_KEY");
      }
      return key.status();
    }
    if (stored) {
      if (Status s = CheckKey(key.value(), *stored, key_source); !s.ok()) return s;
    }
    auto migrations = BuiltInMigrations();
    if (!migrations.ok()) return migrations.status();
    const JournalKey& k = key.value();
    ProgramSteps steps;
    steps[kContentSeparation] = [&k](SQLite::Database& d) { UpgradeFromSchema5(d, k); };
    auto migrated = Migrate(db, migrations.value(), steps);
    if (!migrated.ok()) return migrated.status();
    if (report != nullptr) *report = std::move(migrated.value());
    // Another process may have created the journal's origin with its own key meanwhile.
    if (auto now = StoredCheck(db)) {
      if (Status s = CheckKey(k, *now, key_source); !s.ok()) return s;
    }
    return key;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading the journal: ") + e.what());
  }
}

Result<JournalKey> ReadJournalKey(SQLite::Database& db, const KeySource& key_source) {
  try {
    const std::optional<KeyedDigest> stored = StoredCheck(db);
    if (!stored) {
      return Status::FailedPrecondition(
          "the journal's schema is older than this binary's: start `serve` or run"
          " `waba-journal migrate` first");
    }
    auto key = LoadJournalKey(key_source, /*create=*/false);
    if (!key.ok()) {
      if (key.status().code() == Status::Code::kNotFound) {
        return Status::FailedPrecondition(key.status().message() +
                                          ": restore it from the journal's backup or set"
                                          " WABA_JOURNAL_KEY");
      }
      return key.status();
    }
    if (Status s = CheckKey(key.value(), *stored, key_source); !s.ok()) return s;
    return key;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading the journal: ") + e.what());
  }
}

}  // namespace wj::storage::sqlite
