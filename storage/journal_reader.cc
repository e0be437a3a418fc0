#include "storage/journal_reader.h"

#include <mutex>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.h"

namespace wj::storage {
namespace {

// Ids and seqs are gapless from 1 (append-only, assigned by the writer), so the maximum
// is the count, found in O(log n) on the primary keys.
constexpr const char* kStats =
    "SELECT (SELECT coalesce(max(id), 0) FROM deliveries), (SELECT coalesce(max(seq), 0) FROM "
    "events)";

}  // namespace

struct SqliteJournalReader::Impl {
  std::mutex mu;  // a SQLite connection is used by one thread at a time
  std::unique_ptr<SQLite::Database> db;
};

SqliteJournalReader::SqliteJournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteJournalReader::~SqliteJournalReader() = default;

Result<std::unique_ptr<SqliteJournalReader>> SqliteJournalReader::Open(const std::string& path) {
  auto db = OpenReadOnly(path);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db.value());
  return std::unique_ptr<SqliteJournalReader>(new SqliteJournalReader(std::move(impl)));
}

Result<JournalStats> SqliteJournalReader::Stats() {
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Statement q(*impl_->db, kStats);
    q.executeStep();
    return JournalStats{q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading journal stats: ") + e.what());
  }
}

}  // namespace wj::storage
