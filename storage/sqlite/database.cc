#include "storage/sqlite/database.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wj::storage::sqlite {
namespace {

const char* PragmaFor(SyncMode mode) {
  switch (mode) {
    case SyncMode::kNormal:
      return "PRAGMA synchronous = NORMAL";
    case SyncMode::kExtra:
      return "PRAGMA synchronous = EXTRA";
    case SyncMode::kFull:
      break;
  }
  return "PRAGMA synchronous = FULL";
}

}  // namespace

Status StatusFromSqlite(int sqlite_code, const std::string& what) {
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return Status::Unavailable(what);
    default:
      return Status::Internal(what);
  }
}

Result<std::unique_ptr<SQLite::Database>> OpenWritable(const std::string& path,
                                                       const DatabaseOptions& options) {
  // A new file is created private from birth (SQLite would use 0644); an existing one keeps
  // its mode and is never opened here: close() of any descriptor of a file drops every POSIX
  // lock this process holds on it, SQLite's included, and another process could then take
  // the journal for unused and delete its -wal and -shm under our readers
  // (https://www.sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_).
  struct stat existing {};
  if (::stat(path.c_str(), &existing) != 0) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);                 // a file nobody had open: no lock to lose
    } else if (errno != EEXIST) {  // EEXIST: another process created it meanwhile
      return Status::Unavailable("cannot create database file " + path + ": " +
                                 std::strerror(errno));
    }
  }
  try {
    auto db =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, options.busy_timeout_ms);
    // Switching a fresh file to WAL needs an exclusive lock, and SQLite answers BUSY at once
    // (without its busy handler) when another connection is doing the same: two processes
    // opening a new journal together. Retry within the busy timeout.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (;;) {
      try {
        db->exec("PRAGMA journal_mode = WAL");
        break;
      } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
          throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    db->exec(PragmaFor(options.sync));
    db->exec("PRAGMA foreign_keys = ON");
    // Erased content is overwritten in the file, not merely unlinked from the b-tree.
    db->exec("PRAGMA secure_delete = ON");
    return db;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), "cannot open database " + path + ": " + e.what());
  }
}

Result<std::unique_ptr<SQLite::Database>> OpenReadOnly(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("no database at " + path);
  }
  try {
    return std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY, 5000);
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), "cannot open database " + path + ": " + e.what());
  }
}

}  // namespace wj::storage::sqlite
