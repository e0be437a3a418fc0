#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/status.h"

namespace wj::storage {

// What an API token may do. Scopes nest: admin ⊃ replay ⊃ read.
enum class TokenScope { kRead = 0, kReplay = 1, kAdmin = 2 };

// "read", "replay" or "admin". Returns InvalidArgument otherwise.
Result<TokenScope> ParseTokenScope(const std::string& text);
const char* ToString(TokenScope scope);

struct TokenRecord {
  std::int64_t id = 0;
  std::string name;
  TokenScope scope = TokenScope::kRead;
  std::vector<std::string> waba_ids;  // the WABAs it is limited to; empty: all
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
};

// API tokens, stored as SHA-256 hashes beside the journal (table api_tokens).
//
// Thread-safety: every method may be called from any thread (one connection, serialised).
class TokenStore {
 public:
  // For the `token` commands: creates and migrates the database when needed.
  static Result<std::unique_ptr<TokenStore>> OpenWritable(const std::string& path);
  // For the server's lookups. Returns NotFound when there is no database at `path`.
  static Result<std::unique_ptr<TokenStore>> OpenReadOnly(const std::string& path);
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // Stores a token by the hash of its secret. InvalidArgument for an empty name or hash;
  // FailedPrecondition when the hash is already stored.
  Result<TokenRecord> Create(const std::string& name, TokenScope scope,
                             const std::vector<std::string>& waba_ids,
                             const std::string& token_hash, std::int64_t now_ms);

  // The unrevoked token with this hash, or nullopt.
  Result<std::optional<TokenRecord>> FindActive(const std::string& token_hash);

  // Every token, revoked ones included, by id.
  Result<std::vector<TokenRecord>> List();

  // Marks token `id` revoked. NotFound when there is no such token; revoking twice keeps
  // the first time.
  Status Revoke(std::int64_t id, std::int64_t now_ms);

 private:
  struct Impl;
  explicit TokenStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage
