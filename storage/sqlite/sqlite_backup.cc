#include "storage/sqlite/sqlite_backup.h"

#include <chrono>
#include <cstdio>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include "storage/sqlite/database.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wj::storage::sqlite {
namespace {

// Flushes `path` (a file or a directory) to stable storage.
bool Sync(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<BackupReport> BackupSqliteJournal(const std::string& path, const std::string& to) {
  struct stat st {};
  if (::stat(to.c_str(), &st) == 0) {
    return Status::FailedPrecondition(to + " exists; a backup never overwrites a file");
  }
  auto source = OpenReadOnly(path);
  if (!source.ok()) return source.status();
  const std::string partial = to + ".partial";
  ::unlink(partial.c_str());
  // Created private first, as the journal itself: the copy holds the same personal data.
  const int fd = ::open(partial.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + partial);
  ::close(fd);
  const auto started = std::chrono::steady_clock::now();
  BackupReport report;
  try {
    {
      SQLite::Database dest(partial, SQLite::OPEN_READWRITE);
      sqlite3_backup* b =
          sqlite3_backup_init(dest.getHandle(), "main", source.value()->getHandle(), "main");
      if (b == nullptr) {
        ::unlink(partial.c_str());
        return StatusFromSqlite(sqlite3_errcode(dest.getHandle()),
                                std::string("backup: ") + sqlite3_errmsg(dest.getHandle()));
      }
      // One step copies every page under one read lock: a page-at-a-time copy would restart
      // whenever the writer commits, and might never finish under steady ingest.
      const int rc = sqlite3_backup_step(b, -1);
      report.pages = sqlite3_backup_pagecount(b);
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) {
        ::unlink(partial.c_str());
        return StatusFromSqlite(rc, std::string("backup: ") + sqlite3_errstr(rc));
      }
      // The copy is a journal of its own: a single file, no -wal left behind.
      dest.exec("PRAGMA journal_mode = DELETE");
      report.deliveries = dest.execAndGet("SELECT coalesce(max(id), 0) FROM deliveries").getInt64();
      report.events = dest.execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
    }
  } catch (const SQLite::Exception& e) {
    ::unlink(partial.c_str());
    return StatusFromSqlite(e.getErrorCode(), std::string("backup: ") + e.what());
  }
  if (!Sync(partial, O_RDONLY) || std::rename(partial.c_str(), to.c_str()) != 0 ||
      !Sync(DirectoryOf(to), O_RDONLY | O_DIRECTORY)) {
    ::unlink(partial.c_str());
    return Status::Unavailable("cannot write the backup to " + to);
  }
  if (::stat(to.c_str(), &st) == 0) report.bytes = st.st_size;
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  return report;
}

}  // namespace wj::storage::sqlite
