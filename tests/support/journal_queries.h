#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "server/meta/value_identity.h"
#include "storage/journal_store.h"

namespace wj::testing {

// Questions a test asks of a journal on disk through the storage contract, as the API
// would: the journal keeps wamids only as keyed digests, so raw SQL cannot find them.

// How many events (duplicates included) are about message `wamid`.
inline std::int64_t CountEventsOfWamid(const std::string& db, const std::string& wamid) {
  auto store = storage::OpenJournalStore(db);
  auto reader = store.ok() ? store.value()->OpenReader(1)
                           : Result<std::unique_ptr<storage::JournalReader>>(store.status());
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return -1;
  storage::EventFilter f;
  f.wamid = wamid;
  f.include_duplicates = true;
  auto n = reader.value()->CountEvents(f);
  EXPECT_TRUE(n.ok()) << n.status().message();
  return n.ok() ? n.value() : -1;
}

// The wamids of every event whose value is kept.
inline std::set<std::string> StoredWamids(const std::string& db) {
  std::set<std::string> out;
  auto store = storage::OpenJournalStore(db);
  auto reader = store.ok() ? store.value()->OpenReader(1)
                           : Result<std::unique_ptr<storage::JournalReader>>(store.status());
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return out;
  storage::EventFilter f;
  f.include_duplicates = true;
  f.limit = storage::kMaxPageSize;
  for (;;) {
    auto page = reader.value()->Events(f);
    EXPECT_TRUE(page.ok()) << page.status().message();
    if (!page.ok()) return out;
    for (const storage::StoredEvent& e : page->events) {
      if (!e.value) continue;
      if (auto wamid = server::IdentifyValue(e.field, *e.value).wamid) out.insert(*wamid);
    }
    if (!page->next_after) return out;
    f.after = page->next_after;
  }
}

}  // namespace wj::testing
