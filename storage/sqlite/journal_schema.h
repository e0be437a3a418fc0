#pragma once

#include <string>

#include <SQLiteCpp/Database.h>

#include "storage/journal_key.h"
#include "storage/migration.h"
#include "storage/status.h"
#include "storage/store_options.h"

namespace wj::storage::sqlite {

// Where the key of the journal at `path` comes from, per `options`.
KeySource KeySourceFor(const std::string& path, const StoreOptions& options);

// Brings the journal open in `db` up to this binary's schema (upgrading a schema-5 journal
// in place) and returns its key: created beside the database when the journal has none
// yet, else read and checked against the journal. FailedPrecondition when the key does not
// match the journal or is missing for a journal that has one.
Result<JournalKey> MigrateJournal(SQLite::Database& db, const KeySource& key_source,
                                  MigrationReport* report);

// The key of an existing journal, read and checked; never created. FailedPrecondition when
// the journal's schema is older than this binary's (start `serve` or run `migrate` first),
// or the key is missing or not the journal's.
Result<JournalKey> ReadJournalKey(SQLite::Database& db, const KeySource& key_source);

}  // namespace wj::storage::sqlite
