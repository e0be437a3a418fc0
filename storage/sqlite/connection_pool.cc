#include "storage/sqlite/connection_pool.h"

#include <SQLiteCpp/Database.h>

#include "storage/sqlite/database.h"

namespace wj::storage::sqlite {

Result<std::unique_ptr<ConnectionPool>> ConnectionPool::OpenReadOnly(const std::string& path,
                                                                     int size) {
  std::unique_ptr<ConnectionPool> pool(new ConnectionPool());
  for (int i = 0; i < std::max(size, 1); ++i) {
    auto db = sqlite::OpenReadOnly(path);
    if (!db.ok()) return db.status();
    pool->idle_.push_back(db.value().get());
    pool->all_.push_back(std::move(db.value()));
  }
  return pool;
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  freed_.wait(lock, [this] { return !idle_.empty(); });
  SQLite::Database* db = idle_.back();
  idle_.pop_back();
  return Lease(this, db);
}

void ConnectionPool::Release(SQLite::Database* db) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(db);
  }
  freed_.notify_one();
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(db_);
}

}  // namespace wj::storage::sqlite
