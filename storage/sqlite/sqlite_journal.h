#pragma once

#include <memory>
#include <string>

#include "storage/journal_writer.h"
#include "storage/sqlite/database.h"

namespace wj::storage::sqlite {

// The journal on a SQLite file: the one writer connection of the process.
//
// Open() creates the file (0600) if needed and applies the built-in migrations. Rows get
// consecutive ids/seqs and chain hashes computed here, from state loaded at Open(): so no
// other process may write the same file while this object lives.
//
// Thread-safety: none; owned and used by a single thread (see GroupCommitWriter).
class SqliteJournal final : public JournalWriter {
 public:
  // Returns the migration failure, Unavailable if the file cannot be opened.
  static Result<std::unique_ptr<SqliteJournal>> Open(const std::string& path,
                                                     const DatabaseOptions& options);
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  Status AppendBatch(const std::vector<const DeliveryRecord*>& batch,
                     std::vector<AppendedDelivery>* out) override;
  JournalStats Committed() const override;
  Status Prepare(DeliveryRecord& delivery) const override;
  Result<std::vector<ErasureRecord>> Erase(const ErasureRequest& request) override;
  Status Checkpoint() override;
  void Maintain() override;
  Result<std::int64_t> AppendSubscriptionCheck(const SubscriptionCheck& check) override;
  Status ApplyForwardUpdate(const ForwardUpdate& update) override;
  Result<std::int64_t> CreateReplay(const Replay& replay) override;

 private:
  struct Impl;
  explicit SqliteJournal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage::sqlite
