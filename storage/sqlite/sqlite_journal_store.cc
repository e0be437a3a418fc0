#include "storage/sqlite/sqlite_journal_store.h"

#include <SQLiteCpp/Database.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/migrator.h"
#include "storage/sqlite/sqlite_backup.h"
#include "storage/sqlite/sqlite_forward_state_reader.h"
#include "storage/sqlite/sqlite_journal.h"
#include "storage/sqlite/sqlite_journal_reader.h"
#include "storage/sqlite/sqlite_journal_verifier.h"
#include "storage/sqlite/sqlite_token_store.h"

namespace wj::storage::sqlite {
namespace {

// Upcasts a Result of an engine type to a Result of its interface.
template <typename Interface, typename Engine>
Result<std::unique_ptr<Interface>> Up(Result<std::unique_ptr<Engine>> r) {
  if (!r.ok()) return r.status();
  return std::unique_ptr<Interface>(std::move(r.value()));
}

}  // namespace

Result<MigrationReport> SqliteJournalStore::Migrate() {
  auto db = OpenWritable(path_, options_);
  if (!db.ok()) return db.status();
  auto migrations = BuiltInMigrations();
  if (!migrations.ok()) return migrations.status();
  return sqlite::Migrate(*db.value(), migrations.value());
}

Result<std::unique_ptr<JournalWriter>> SqliteJournalStore::OpenWriter() {
  return Up<JournalWriter>(SqliteJournal::Open(path_, options_));
}

Result<std::unique_ptr<JournalReader>> SqliteJournalStore::OpenReader(int connections) {
  return Up<JournalReader>(SqliteJournalReader::Open(path_, connections));
}

Result<std::unique_ptr<ForwardStateReader>> SqliteJournalStore::OpenForwardStateReader(
    int connections) {
  return Up<ForwardStateReader>(SqliteForwardStateReader::Open(path_, connections));
}

Result<std::unique_ptr<TokenStore>> SqliteJournalStore::OpenTokens(Access access) {
  return access == Access::kWritable ? Up<TokenStore>(SqliteTokenStore::OpenWritable(path_))
                                     : Up<TokenStore>(SqliteTokenStore::OpenReadOnly(path_));
}

Result<VerifyReport> SqliteJournalStore::Verify() { return VerifySqliteJournal(path_); }

Result<BackupReport> SqliteJournalStore::Backup(const std::string& to) {
  return BackupSqliteJournal(path_, to);
}

}  // namespace wj::storage::sqlite
