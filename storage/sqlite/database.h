#pragma once

#include <memory>
#include <string>

#include "storage/status.h"
#include "storage/store_options.h"

namespace SQLite {
class Database;
}

namespace wj::storage::sqlite {

using DatabaseOptions = StoreOptions;

// Opens the journal's SQLite file for writing: creates it with mode 0600 first when it does
// not exist (SQLite would use 0644, and its -wal/-shm files copy the main file's mode),
// then sets WAL, the sync mode, foreign keys and the busy timeout.
// Returns Unavailable when the file cannot be created or opened.
Result<std::unique_ptr<SQLite::Database>> OpenWritable(const std::string& path,
                                                       const DatabaseOptions& options);

// Opens an existing journal file read-only. Returns NotFound when it does not exist.
Result<std::unique_ptr<SQLite::Database>> OpenReadOnly(const std::string& path);

// Maps a SQLite result code to a Status code: busy, locked, I/O, full → Unavailable.
Status StatusFromSqlite(int sqlite_code, const std::string& what);

}  // namespace wj::storage::sqlite
