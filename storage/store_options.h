#pragma once

#include <string>

#include "storage/status.h"

namespace wj::storage {

// How hard each commit syncs. On SQLite these are the synchronous modes
// (https://www.sqlite.org/pragma.html#pragma_synchronous); kFull is the only one in which an
// acknowledged delivery survives power loss.
enum class SyncMode { kNormal, kFull, kExtra };

// Parses "normal", "full" or "extra". Returns InvalidArgument otherwise.
Result<SyncMode> ParseSyncMode(const std::string& text);

// How a journal is opened, whatever the engine.
struct StoreOptions {
  SyncMode sync = SyncMode::kFull;
  int busy_timeout_ms = 5000;  // how long a write waits for a lock held elsewhere
  // The journal key (storage/journal_key.h): 64 hex characters (WABA_JOURNAL_KEY), else
  // read from `journal_key_file`, by default the database's path + ".key".
  std::string journal_key;
  std::string journal_key_file;
};

}  // namespace wj::storage
