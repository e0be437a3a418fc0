#include "storage/store_options.h"

namespace wj::storage {

Result<SyncMode> ParseSyncMode(const std::string& text) {
  if (text == "normal") return SyncMode::kNormal;
  if (text == "full") return SyncMode::kFull;
  if (text == "extra") return SyncMode::kExtra;
  return Status::InvalidArgument("synchronous must be normal, full or extra, not '" + text + "'");
}

}  // namespace wj::storage
