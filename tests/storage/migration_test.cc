#include "storage/migration.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/embedded_file.h"

namespace wj::storage {
namespace {

// ParseMigrations is engine-independent: every engine's migrations/<engine>/ files go
// through it. Applying them is each engine's own (tests/storage/sqlite/migrator_test.cc).

TEST(ParseMigrationsTest, ParsesVersionNameAndSqlSortedByVersion) {
  std::vector<EmbeddedFile> files = {{"0010_later.sql", "SELECT 10;"},
                                     {"0002_second.sql", "SELECT 2;"},
                                     {"0001_first.sql", "SELECT 1;"}};

  auto parsed = ParseMigrations(files);

  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ(parsed.value()[0].version, 1);
  EXPECT_EQ(parsed.value()[0].name, "0001_first");
  EXPECT_EQ(parsed.value()[0].sql, "SELECT 1;");
  EXPECT_EQ(parsed.value()[1].version, 2);
  EXPECT_EQ(parsed.value()[1].name, "0002_second");
  EXPECT_EQ(parsed.value()[2].version, 10);
  EXPECT_EQ(parsed.value()[2].name, "0010_later");
  EXPECT_EQ(parsed.value()[2].sql, "SELECT 10;");
}

TEST(ParseMigrationsTest, AcceptsNoFiles) {
  auto parsed = ParseMigrations({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(ParseMigrationsTest, RejectsBadFileNames) {
  for (const char* bad :
       {"1_first.sql", "001_first.sql", "0001first.sql", "0001_first.txt", "0001_first",
        "abcd_first.sql", "00a1_first.sql", "0001_.sql", "first.sql", ""}) {
    std::vector<EmbeddedFile> files = {{"0001_good.sql", "SELECT 1;"}, {bad, "SELECT 2;"}};

    auto parsed = ParseMigrations(files);

    ASSERT_FALSE(parsed.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(parsed.status().code(), Status::Code::kInternal) << bad;
    EXPECT_NE(parsed.status().message().find("NNNN_name.sql"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find(bad), std::string::npos) << parsed.status().message();
  }
}

TEST(ParseMigrationsTest, RejectsDuplicateVersions) {
  std::vector<EmbeddedFile> files = {{"0001_first.sql", "SELECT 1;"},
                                     {"0002_second.sql", "SELECT 2;"},
                                     {"0002_other.sql", "SELECT 3;"}};

  auto parsed = ParseMigrations(files);

  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kInternal);
  EXPECT_NE(parsed.status().message().find("version 2"), std::string::npos)
      << parsed.status().message();
}

}  // namespace
}  // namespace wj::storage
