#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/database.h"

struct sqlite3;

namespace wj::storage::sqlite {

// Checkpoints the journal's WAL on a thread of its own, so that no commit that answers
// requests pays for one. It replaces SQLite's auto-checkpoint on the writer connection (which
// runs inside the commit that crosses the threshold): after each commit the writer's WAL hook
// only records the WAL's size; once it reaches `threshold_frames`, this thread runs a PASSIVE
// checkpoint on its own connection, beside the writer.
//
// Thread-safety: constructed and destroyed by the writer's owner; the hook runs on the writer
// thread; Checkpoints() and WaitForCheckpoints() from any thread.
class WalCheckpointer {
 public:
  struct Options {
    int threshold_frames = 1000;  // SQLite's own auto-checkpoint default
  };

  // Installs the WAL hook on `writer` (a connection to `path`) and starts the thread. The
  // writer must outlive this object. A checkpoint that fails is logged and tried again at the
  // next threshold.
  WalCheckpointer(const std::string& path, const DatabaseOptions& database, sqlite3* writer,
                  Options options);
  // Removes the hook and stops the thread (a checkpoint under way finishes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints completed so far.
  std::uint64_t Checkpoints() const;
  // Blocks until at least `n` checkpoints have completed or `timeout` passes; returns the
  // count then.
  std::uint64_t WaitForCheckpoints(std::uint64_t n, std::chrono::milliseconds timeout) const;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* name, int frames);
  void Run(std::string path, DatabaseOptions database);

  sqlite3* const writer_;
  const Options options_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  int frames_ = 0;                 // WAL frames after the last commit; guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::uint64_t checkpoints_ = 0;  // guarded by mu_
  std::thread thread_;
};

}  // namespace wj::storage::sqlite
