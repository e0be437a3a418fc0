// The one place that knows which engines exist. The contract (storage/journal_store.h)
// declares OpenJournalStore; it is defined here, above the engines, so that no engine and no
// caller depends on another engine.
#include <memory>
#include <string>

#include "storage/journal_store.h"
#include "storage/sqlite/sqlite_journal_store.h"

namespace wj::storage {

Result<std::unique_ptr<JournalStore>> OpenJournalStore(const std::string& db,
                                                       const StoreOptions& options) {
  if (db.empty()) return Status::InvalidArgument("--db names no journal");
  return std::unique_ptr<JournalStore>(std::make_unique<sqlite::SqliteJournalStore>(db, options));
}

}  // namespace wj::storage
