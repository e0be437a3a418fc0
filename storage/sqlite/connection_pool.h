#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <SQLiteCpp/Exception.h>

#include "storage/sqlite/database.h"
#include "storage/status.h"

namespace SQLite {
class Database;
}

namespace wj::storage::sqlite {

// A fixed set of read-only connections to one journal file, lent one at a time, so that
// concurrent readers do not queue behind a single connection (WAL lets them all read
// beside the writer).
//
// Thread-safety: Acquire() from any thread; a Lease is used by the thread holding it.
class ConnectionPool {
 public:
  // Returns NotFound when there is no database at `path`.
  static Result<std::unique_ptr<ConnectionPool>> OpenReadOnly(const std::string& path, int size);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Exclusive use of one connection until destroyed; returned to the pool then.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(other.db_) { other.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    SQLite::Database& db() const { return *db_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, SQLite::Database* db) : pool_(pool), db_(db) {}
    ConnectionPool* pool_;
    SQLite::Database* db_;
  };

  // Waits until a connection is free.
  Lease Acquire();

  // Runs `body(db)` on a leased connection and returns its value; a SQLite exception
  // becomes a Status (Unavailable or Internal) whose message starts with `what`.
  template <typename T, typename Body>
  Result<T> Read(const char* what, Body body) {
    auto lease = Acquire();
    try {
      return body(lease.db());
    } catch (const SQLite::Exception& e) {
      return StatusFromSqlite(e.getErrorCode(), std::string(what) + ": " + e.what());
    }
  }

 private:
  ConnectionPool() = default;
  void Release(SQLite::Database* db);

  std::vector<std::unique_ptr<SQLite::Database>> all_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<SQLite::Database*> idle_;
};

}  // namespace wj::storage::sqlite
