#pragma once

#include <memory>
#include <string>

#include "storage/sqlite/database.h"
#include "storage/token_store.h"

namespace wj::storage::sqlite {

// Tokens in the journal file (tables api_tokens, api_token_wabas), on one connection of
// their own, serialised by a mutex.
class SqliteTokenStore final : public TokenStore {
 public:
  // For the `token` commands: creates and migrates the database when needed.
  static Result<std::unique_ptr<SqliteTokenStore>> OpenWritable(const std::string& path,
                                                                const DatabaseOptions& options);
  // For the server's lookups. Returns NotFound when there is no database at `path`.
  static Result<std::unique_ptr<SqliteTokenStore>> OpenReadOnly(const std::string& path);
  ~SqliteTokenStore() override;
  SqliteTokenStore(const SqliteTokenStore&) = delete;
  SqliteTokenStore& operator=(const SqliteTokenStore&) = delete;

  Result<TokenRecord> Create(const std::string& name, TokenScope scope,
                             const std::vector<std::string>& waba_ids,
                             const std::string& token_hash, std::int64_t now_ms) override;
  Result<std::optional<TokenRecord>> FindActive(const std::string& token_hash) override;
  Result<std::vector<TokenRecord>> List() override;
  Status Revoke(std::int64_t id, std::int64_t now_ms) override;

 private:
  struct Impl;
  explicit SqliteTokenStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage::sqlite
