// The SQLite engine keeps tokens in the journal file itself. Behaviour that every engine
// shares is in tests/storage/token_store_test.cc.
#include "storage/sqlite/sqlite_token_store.h"

#include <filesystem>
#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "storage/sqlite/migrator.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

using wj::testing::TempDir;

TEST(SqliteTokenStoreTest, OpenWritableCreatesAndMigratesFreshFile) {
  TempDir dir;
  const std::string path = dir.File("journal.db");
  ASSERT_FALSE(std::filesystem::exists(path));
  auto store = SqliteTokenStore::OpenWritable(path, DatabaseOptions{});
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_TRUE(std::filesystem::exists(path));
  auto listed = store.value()->List();
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  EXPECT_TRUE(listed->empty());

  auto migrations = BuiltInMigrations();
  ASSERT_TRUE(migrations.ok()) << migrations.status().message();
  ASSERT_FALSE(migrations->empty());
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  auto version = SchemaVersion(db);
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(version.value(), migrations->back().version);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                          " ('api_tokens', 'api_token_wabas', 'events', 'deliveries')")
                .getInt(),
            4);
}

}  // namespace
}  // namespace wj::storage::sqlite
