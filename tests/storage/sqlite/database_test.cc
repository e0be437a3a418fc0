#include "storage/sqlite/database.h"

#include <filesystem>
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include <sys/stat.h>

namespace wj::storage::sqlite {
namespace {

TEST(OpenWritableTest, CreatesANewFileWithMode0600) {
  testing::TempDir dir;
  const std::string path = dir.File("new.db");

  auto db = OpenWritable(path, {});

  ASSERT_TRUE(db.ok()) << db.status().message();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Opening the journal a second time in a process that already has it open must not cost the
// first connection its locks: another process would then take the journal for unused, and
// its last close would checkpoint and delete the -wal and -shm under the first one.
TEST(OpenWritableTest, ASecondOpenInTheSameProcessKeepsTheFirstConnectionsLocks) {
  testing::TempDir dir;
  const std::string path = dir.File("journal.db");
  auto first = OpenWritable(path, {});
  ASSERT_TRUE(first.ok()) << first.status().message();
  first.value()->exec("CREATE TABLE t (x INTEGER)");
  first.value()->exec("INSERT INTO t VALUES (1)");

  { ASSERT_TRUE(OpenWritable(path, {}).ok()); }
  // Another process opens the journal for writing and closes it (token list does).
  testing::CliOutcome other = testing::RunCli({"token", "list", "--db", path});

  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  EXPECT_TRUE(std::filesystem::exists(path + "-shm"));
  EXPECT_EQ(first.value()->execAndGet("SELECT count(*) FROM t").getInt(), 1);
  first.value()->exec("INSERT INTO t VALUES (2)");
}

}  // namespace
}  // namespace wj::storage::sqlite
