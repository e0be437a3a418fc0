#pragma once

#include <cstdint>
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

// API tokens, stored as SHA-256 hashes of their secrets beside the journal.
//
// Thread-safety: every method may be called from any thread.
class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores a token by the hash of its secret. InvalidArgument for an empty name or hash;
  // FailedPrecondition when the hash is already stored.
  virtual Result<TokenRecord> Create(const std::string& name, TokenScope scope,
                                     const std::vector<std::string>& waba_ids,
                                     const std::string& token_hash, std::int64_t now_ms) = 0;

  // The unrevoked token with this hash, or nullopt.
  virtual Result<std::optional<TokenRecord>> FindActive(const std::string& token_hash) = 0;

  // Every token, revoked ones included, by id.
  virtual Result<std::vector<TokenRecord>> List() = 0;

  // Marks token `id` revoked. NotFound when there is no such token; revoking twice keeps
  // the first time.
  virtual Status Revoke(std::int64_t id, std::int64_t now_ms) = 0;
};

}  // namespace wj::storage
