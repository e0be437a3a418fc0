#include "storage/sqlite/wal_checkpointer.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace wj::storage::sqlite {

WalCheckpointer::WalCheckpointer(const std::string& path, const DatabaseOptions& database,
                                 sqlite3* writer, Options options)
    : writer_(writer), options_(options) {
  // Installing a WAL hook turns SQLite's auto-checkpoint off on this connection: the two
  // share the hook (https://www.sqlite.org/c3ref/wal_hook.html).
  sqlite3_wal_hook(writer_, &WalCheckpointer::OnCommit, this);
  thread_ = std::thread(&WalCheckpointer::Run, this, path, database);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  bool wake = false;
  {
    std::lock_guard lock(c->mu_);
    c->frames_ = frames;
    wake = frames >= c->options_.threshold_frames;
  }
  if (wake) c->cv_.notify_all();
  return SQLITE_OK;
}

std::uint64_t WalCheckpointer::Checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

std::uint64_t WalCheckpointer::WaitForCheckpoints(std::uint64_t n,
                                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return checkpoints_ >= n; });
  return checkpoints_;
}

void WalCheckpointer::Run(std::string path, DatabaseOptions database) {
  auto db = OpenWritable(path, database);
  if (!db.ok()) {
    spdlog::error("WAL checkpoints off: {}", db.status().message());
    return;
  }
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || frames_ >= options_.threshold_frames; });
    if (stopping_) return;
    frames_ = 0;  // commits from now on count again; a short WAL after a restart stays quiet
    lock.unlock();
    bool done = false;
    try {
      // PASSIVE: copies what it can without waiting for the writer or for readers, as
      // SQLite's auto-checkpoint does; the writer restarts the WAL once it is fully copied.
      SQLite::Statement q(*db.value(), "PRAGMA wal_checkpoint(PASSIVE)");
      done = q.executeStep();
    } catch (const SQLite::Exception& e) {
      spdlog::warn("WAL checkpoint failed: {} (tried again at the next threshold)", e.what());
    }
    lock.lock();
    if (done) {
      ++checkpoints_;
      cv_.notify_all();
    }
  }
}

}  // namespace wj::storage::sqlite
