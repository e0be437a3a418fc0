#include "storage/token_store.h"

namespace wj::storage {

Result<TokenScope> ParseTokenScope(const std::string& text) {
  if (text == "read") return TokenScope::kRead;
  if (text == "replay") return TokenScope::kReplay;
  if (text == "admin") return TokenScope::kAdmin;
  return Status::InvalidArgument("scope must be read, replay or admin, not '" + text + "'");
}

const char* ToString(TokenScope scope) {
  switch (scope) {
    case TokenScope::kRead:
      return "read";
    case TokenScope::kReplay:
      return "replay";
    case TokenScope::kAdmin:
      return "admin";
  }
  return "read";
}

}  // namespace wj::storage
