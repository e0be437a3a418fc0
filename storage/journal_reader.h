#pragma once

#include <memory>
#include <string>

#include "storage/journal.h"

namespace wj::storage {

// The read side of the journal. Grows with the query API.
//
// Thread-safety: implementations must allow concurrent calls from any thread.
class JournalReader {
 public:
  virtual ~JournalReader() = default;

  // Counts of committed rows, read from the database itself (so a healthy answer also
  // proves the database is readable). Returns Unavailable when it is not.
  virtual Result<JournalStats> Stats() = 0;
};

// Reads through its own read-only connection (WAL lets it run beside the writer).
class SqliteJournalReader final : public JournalReader {
 public:
  // Returns NotFound when there is no database at `path` yet.
  static Result<std::unique_ptr<SqliteJournalReader>> Open(const std::string& path);
  ~SqliteJournalReader() override;

  Result<JournalStats> Stats() override;

 private:
  struct Impl;
  explicit SqliteJournalReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage
