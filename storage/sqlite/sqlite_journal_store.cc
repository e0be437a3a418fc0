#include "storage/sqlite/sqlite_journal_store.h"

#include <SQLiteCpp/Database.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/journal_schema.h"
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
  MigrationReport report;
  auto key = MigrateJournal(*db.value(), KeySourceFor(path_, options_), &report);
  if (!key.ok()) return key.status();
  return report;
}

Result<std::unique_ptr<JournalWriter>> SqliteJournalStore::OpenWriter() {
  return Up<JournalWriter>(SqliteJournal::Open(path_, options_));
}

Result<std::unique_ptr<JournalReader>> SqliteJournalStore::OpenReader(int connections) {
  return Up<JournalReader>(
      SqliteJournalReader::Open(path_, KeySourceFor(path_, options_), connections));
}

Result<std::unique_ptr<ForwardStateReader>> SqliteJournalStore::OpenForwardStateReader(
    int connections) {
  return Up<ForwardStateReader>(SqliteForwardStateReader::Open(path_, connections));
}

Result<std::unique_ptr<TokenStore>> SqliteJournalStore::OpenTokens(Access access) {
  return access == Access::kWritable
             ? Up<TokenStore>(SqliteTokenStore::OpenWritable(path_, options_))
             : Up<TokenStore>(SqliteTokenStore::OpenReadOnly(path_));
}

Result<VerifyReport> SqliteJournalStore::Verify() { return VerifySqliteJournal(path_); }

Result<BackupReport> SqliteJournalStore::Backup(const std::string& to) {
  auto report = BackupSqliteJournal(path_, to);
  if (!report.ok()) return report;
  // Without its key a restored journal cannot find old rows by wamid or number, nor
  // recognise redeliveries: the key goes with the copy.
  const KeySource source = KeySourceFor(path_, options_);
  if (source.hex.empty()) {
    const std::string key_file = KeyFileBeside(to);
    if (Status copied = CopyJournalKey(source, key_file); !copied.ok()) return copied;
    report->key_file = key_file;
  }
  return report;
}

}  // namespace wj::storage::sqlite
