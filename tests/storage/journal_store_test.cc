#include "storage/journal_store.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "storage/migration.h"
#include "storage/status.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

// What JournalStore promises about the journal as a whole, whatever the engine. (How the
// SQLite engine records its migrations is in tests/storage/sqlite/migrator_test.cc.)
class JournalStoreTest : public wj::testing::StorageTest {};

TEST_P(JournalStoreTest, MigrateBringsFreshJournalUpToDateOnce) {
  auto store = Store(NewDb());
  ASSERT_NE(store, nullptr);

  auto first = store->Migrate();

  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->from_version, 0);
  EXPECT_GT(first->to_version, 0);
  EXPECT_FALSE(first->applied.empty());

  auto again = store->Migrate();

  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->from_version, first->to_version);
  EXPECT_EQ(again->to_version, first->to_version);
}

// `serve` and `token create` may migrate a fresh journal at the same moment, from two
// processes: the second must see what the first applied instead of failing.
TEST_P(JournalStoreTest, ConcurrentMigrationsOfOneFreshJournalBothSucceed) {
  for (int round = 0; round < 5; ++round) {
    const std::string db = NewDb("race" + std::to_string(round));
    Status results[2];
    std::thread threads[2];
    for (int i = 0; i < 2; ++i) {
      threads[i] = std::thread([&, i] {
        auto store = OpenJournalStore(db);
        results[i] = store.ok() ? store.value()->Migrate().status() : store.status();
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& r : results) EXPECT_TRUE(r.ok()) << r.message();
    auto store = Store(db);
    ASSERT_NE(store, nullptr);
    auto report = store->Migrate();
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_TRUE(report->applied.empty()) << "round " << round;
  }
}

TEST_P(JournalStoreTest, ReadersOfMissingJournalAreNotFoundAndCreateNothing) {
  const std::string db = NewDb();
  auto store = Store(db);
  ASSERT_NE(store, nullptr);

  auto reader = store->OpenReader(1);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Status::Code::kNotFound) << reader.status().message();
  auto forward = store->OpenForwardStateReader(1);
  ASSERT_FALSE(forward.ok());
  EXPECT_EQ(forward.status().code(), Status::Code::kNotFound) << forward.status().message();
  EXPECT_FALSE(Exists(db));
}

TEST_P(JournalStoreTest, OpenWriterCreatesAndMigratesTheJournal) {
  const std::string db = NewDb();
  auto store = Store(db);
  ASSERT_NE(store, nullptr);

  auto writer = store->OpenWriter();

  ASSERT_TRUE(writer.ok()) << writer.status().message();
  EXPECT_TRUE(Exists(db));
  auto report = store->Migrate();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->applied.empty());
  EXPECT_TRUE(store->OpenReader(1).ok());
  EXPECT_TRUE(store->OpenForwardStateReader(1).ok());
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(JournalStoreTest);

TEST(OpenJournalStoreTest, RefusesEmptyName) {
  auto store = OpenJournalStore("");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace wj::storage
