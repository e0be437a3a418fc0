#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/forward_state_reader.h"
#include "storage/journal_reader.h"
#include "storage/journal_verifier.h"
#include "storage/journal_writer.h"
#include "storage/migration.h"
#include "storage/status.h"
#include "storage/store_options.h"
#include "storage/token_store.h"

namespace wj::storage {

// Whether a part of the journal may change the database.
enum class Access { kReadOnly, kWritable };

// What an online backup copied.
struct BackupReport {
  std::int64_t deliveries = 0;  // in the copy
  std::int64_t events = 0;      // in the copy
  std::int64_t pages = 0;       // engine units copied (SQLite pages)
  std::int64_t bytes = 0;       // size of the copy
  std::int64_t duration_ms = 0;
  std::string key_file;  // where the journal key was copied beside the copy; empty when the
                         // key comes from WABA_JOURNAL_KEY (back that up yourself)
};

// One journal database, whatever engine holds it: the only way the rest of the program
// reaches storage. Each Open* call returns an independent object that owns its own
// connections and may outlive this one.
//
// Thread-safety: every method may be called from any thread.
class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // The database as the operator named it, for messages (a file path; never a password).
  virtual const std::string& Name() const = 0;

  // Creates the database if needed and applies this binary's migrations. Returns
  // FailedPrecondition when the database was written by a newer binary or an applied
  // migration differs from ours; Unavailable when the database cannot be reached.
  virtual Result<MigrationReport> Migrate() = 0;

  // The journal's single writer; migrates first. One per database: it assigns seqs and
  // chain hashes from state loaded when it opens.
  virtual Result<std::unique_ptr<JournalWriter>> OpenWriter() = 0;

  // Readers of events, deliveries and subscription checks, and of forwarding state.
  // `connections` bounds how many calls run at once. NotFound when there is no journal yet.
  virtual Result<std::unique_ptr<JournalReader>> OpenReader(int connections) = 0;
  virtual Result<std::unique_ptr<ForwardStateReader>> OpenForwardStateReader(int connections) = 0;

  // API tokens. kWritable creates and migrates the database when needed (the `token`
  // commands); kReadOnly returns NotFound when there is no journal yet (the server).
  virtual Result<std::unique_ptr<TokenStore>> OpenTokens(Access access) = 0;

  // Walks the hash chains from the first row (see VerifyReport). Reads only: safe while the
  // service runs. NotFound when there is no journal; a tampered journal is an Ok result whose
  // report says so.
  virtual Result<VerifyReport> Verify() = 0;

  // Writes a consistent copy of the journal to the file `to` while the service runs, without
  // holding up its writer. FailedPrecondition when `to` exists, or when the engine keeps its
  // data on a server (back it up with the server's own tools); NotFound when there is no
  // journal.
  virtual Result<BackupReport> Backup(const std::string& to) = 0;
};

// Opens the journal named by `db`: a path to a SQLite file. Touches nothing yet: each part
// opens the database when asked. InvalidArgument when `db` is empty.
Result<std::unique_ptr<JournalStore>> OpenJournalStore(const std::string& db,
                                                       const StoreOptions& options = {});

}  // namespace wj::storage
