#pragma once

#include <memory>
#include <string>

#include "storage/journal_store.h"

namespace wj::storage::sqlite {

// The journal in one SQLite file (WAL mode, created 0600). The writer holds the only write
// connection of the process; readers use pools of read-only connections beside it.
//
// Thread-safety: as JournalStore.
class SqliteJournalStore final : public JournalStore {
 public:
  SqliteJournalStore(std::string path, const StoreOptions& options)
      : path_(std::move(path)), options_(options) {}

  const std::string& Name() const override { return path_; }
  Result<MigrationReport> Migrate() override;
  Result<std::unique_ptr<JournalWriter>> OpenWriter() override;
  Result<std::unique_ptr<JournalReader>> OpenReader(int connections) override;
  Result<std::unique_ptr<ForwardStateReader>> OpenForwardStateReader(int connections) override;
  Result<std::unique_ptr<TokenStore>> OpenTokens(Access access) override;
  Result<VerifyReport> Verify() override;
  Result<BackupReport> Backup(const std::string& to) override;

 private:
  const std::string path_;
  const StoreOptions options_;
};

}  // namespace wj::storage::sqlite
