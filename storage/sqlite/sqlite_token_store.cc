#include "storage/sqlite/sqlite_token_store.h"

#include <mutex>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/journal_schema.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kInsertToken =
    "INSERT INTO api_tokens (name, scope, token_hash, created_at) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertTokenWaba =
    "INSERT OR IGNORE INTO api_token_wabas (token_id, waba_id) VALUES (?, ?)";
constexpr const char* kFindActive =
    "SELECT id, name, scope, created_at, revoked_at FROM api_tokens"
    " WHERE token_hash = ? AND revoked_at IS NULL";
constexpr const char* kListTokens =
    "SELECT id, name, scope, created_at, revoked_at FROM api_tokens ORDER BY id";
constexpr const char* kTokenWabas =
    "SELECT waba_id FROM api_token_wabas WHERE token_id = ? ORDER BY waba_id";
constexpr const char* kTokenExists = "SELECT 1 FROM api_tokens WHERE id = ?";
constexpr const char* kRevoke =
    "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
constexpr const char* kHashExists = "SELECT 1 FROM api_tokens WHERE token_hash = ?";

// Reads id, name, scope, created_at, revoked_at (in that order) and the token's WABAs.
TokenRecord ReadToken(SQLite::Database& db, SQLite::Statement& q) {
  TokenRecord t;
  t.id = q.getColumn(0).getInt64();
  t.name = q.getColumn(1).getString();
  // The CHECK constraint admits only the three names.
  t.scope = ParseTokenScope(q.getColumn(2).getString()).value_or(TokenScope::kRead);
  t.created_at_ms = q.getColumn(3).getInt64();
  if (!q.getColumn(4).isNull()) t.revoked_at_ms = q.getColumn(4).getInt64();
  SQLite::Statement wabas(db, kTokenWabas);
  wabas.bind(1, t.id);
  while (wabas.executeStep()) t.waba_ids.push_back(wabas.getColumn(0).getString());
  return t;
}

}  // namespace

struct SqliteTokenStore::Impl {
  std::mutex mu;
  std::unique_ptr<SQLite::Database> db;
};

SqliteTokenStore::SqliteTokenStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteTokenStore::~SqliteTokenStore() = default;

Result<std::unique_ptr<SqliteTokenStore>> SqliteTokenStore::OpenWritable(
    const std::string& path, const DatabaseOptions& options) {
  auto db = sqlite::OpenWritable(path, options);
  if (!db.ok()) return db.status();
  if (auto key = MigrateJournal(*db.value(), KeySourceFor(path, options), nullptr); !key.ok()) {
    return key.status();
  }
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db.value());
  return std::unique_ptr<SqliteTokenStore>(new SqliteTokenStore(std::move(impl)));
}

Result<std::unique_ptr<SqliteTokenStore>> SqliteTokenStore::OpenReadOnly(const std::string& path) {
  auto db = sqlite::OpenReadOnly(path);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db.value());
  return std::unique_ptr<SqliteTokenStore>(new SqliteTokenStore(std::move(impl)));
}

Result<TokenRecord> SqliteTokenStore::Create(const std::string& name, TokenScope scope,
                                             const std::vector<std::string>& waba_ids,
                                             const std::string& token_hash, std::int64_t now_ms) {
  if (name.empty()) return Status::InvalidArgument("a token needs a name");
  if (token_hash.empty()) return Status::InvalidArgument("a token needs a hash");
  for (const std::string& w : waba_ids) {
    if (w.empty()) return Status::InvalidArgument("a WABA id cannot be empty");
  }
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Database& db = *impl_->db;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement exists(db, kHashExists);
    exists.bind(1, token_hash);
    if (exists.executeStep()) return Status::FailedPrecondition("this token is already stored");
    SQLite::Statement ins(db, kInsertToken);
    ins.bind(1, name);
    ins.bind(2, ToString(scope));
    ins.bind(3, token_hash);
    ins.bind(4, now_ms);
    ins.exec();
    const std::int64_t id = db.getLastInsertRowid();
    for (const std::string& w : waba_ids) {
      SQLite::Statement link(db, kInsertTokenWaba);
      link.bind(1, id);
      link.bind(2, w);
      link.exec();
    }
    tx.commit();
    SQLite::Statement list(db, kListTokens);
    while (list.executeStep()) {
      if (list.getColumn(0).getInt64() == id) return ReadToken(db, list);
    }
    return Status::Internal("token vanished after insert");
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("storing a token: ") + e.what());
  }
}

Result<std::optional<TokenRecord>> SqliteTokenStore::FindActive(const std::string& token_hash) {
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Statement q(*impl_->db, kFindActive);
    q.bind(1, token_hash);
    if (!q.executeStep()) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(ReadToken(*impl_->db, q));
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("looking up a token: ") + e.what());
  }
}

Result<std::vector<TokenRecord>> SqliteTokenStore::List() {
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Statement q(*impl_->db, kListTokens);
    std::vector<TokenRecord> out;
    while (q.executeStep()) out.push_back(ReadToken(*impl_->db, q));
    return out;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("listing tokens: ") + e.what());
  }
}

Status SqliteTokenStore::Revoke(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard lock(impl_->mu);
  try {
    SQLite::Statement exists(*impl_->db, kTokenExists);
    exists.bind(1, id);
    if (!exists.executeStep()) return Status::NotFound("no token with id " + std::to_string(id));
    exists.reset();
    SQLite::Statement revoke(*impl_->db, kRevoke);
    revoke.bind(1, now_ms);
    revoke.bind(2, id);
    revoke.exec();
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("revoking a token: ") + e.what());
  }
}

}  // namespace wj::storage::sqlite
