#include "storage/sqlite/migrator.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/digest.h"
#include "storage/embedded_file.h"
#include "storage/journal_key.h"
#include "storage/migration.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/schema5_upgrade.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

using wj::testing::TempDir;

// A first migration must create the table in which migrations are recorded.
constexpr const char* kFirst =
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL);"
    "CREATE TABLE a (x INTEGER);";
constexpr const char* kFirstEdited =
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL);"
    "CREATE TABLE a (x TEXT);";

// The program steps the built-in migrations need, with a fixed key.
ProgramSteps BuiltInSteps() {
  static const JournalKey key = JournalKey::FromHex(std::string(64, 'a')).value();
  return {{6, [](SQLite::Database& d) { UpgradeFromSchema5(d, key); }}};
}

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenWritable(dir_.File("journal.db"), DatabaseOptions{});
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db.value());
  }

  std::vector<Migration> BuiltIns() {
    auto migrations = BuiltInMigrations();
    EXPECT_TRUE(migrations.ok()) << migrations.status().message();
    return migrations.ok() ? migrations.value() : std::vector<Migration>{};
  }

  bool TableExists(const std::string& name) {
    SQLite::Statement q(*db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?");
    q.bind(1, name);
    q.executeStep();
    return q.getColumn(0).getInt() == 1;
  }

  std::vector<Migration> Parse(const std::vector<EmbeddedFile>& files) {
    auto parsed = ParseMigrations(files);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return parsed.ok() ? parsed.value() : std::vector<Migration>{};
  }

  TempDir dir_;
  std::unique_ptr<SQLite::Database> db_;
};

TEST_F(MigratorTest, BuiltInMigrationsAreNonEmptyAndInVersionOrder) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "0001_journal");
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST_F(MigratorTest, AppliesEveryBuiltInMigrationToFreshFile) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_FALSE(migrations.empty());

  auto report = Migrate(*db_, migrations, BuiltInSteps());

  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->from_version, 0);
  EXPECT_EQ(report->to_version, migrations.back().version);
  std::vector<std::string> names;
  for (const Migration& m : migrations) names.push_back(m.name);
  EXPECT_EQ(report->applied, names);
  EXPECT_TRUE(TableExists("schema_migrations"));
  EXPECT_TRUE(TableExists("deliveries"));
  EXPECT_TRUE(TableExists("events"));
}

TEST_F(MigratorTest, SecondRunAppliesNothing) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_TRUE(Migrate(*db_, migrations, BuiltInSteps()).ok());

  auto again = Migrate(*db_, migrations, BuiltInSteps());

  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->from_version, migrations.back().version);
  EXPECT_EQ(again->to_version, migrations.back().version);
  EXPECT_EQ(db_->execAndGet("SELECT count(*) FROM schema_migrations").getInt(),
            static_cast<int>(migrations.size()));
}

TEST_F(MigratorTest, SchemaVersionIsZeroForEmptyDatabase) {
  auto version = SchemaVersion(*db_);
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(version.value(), 0);
}

TEST_F(MigratorTest, RecordsEveryVersionWithNameAndDigest) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_TRUE(Migrate(*db_, migrations, BuiltInSteps()).ok());

  auto version = SchemaVersion(*db_);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version.value(), migrations.back().version);
  for (const Migration& m : migrations) {
    SQLite::Statement q(*db_,
                        "SELECT name, sha256, applied_at FROM schema_migrations WHERE version=?");
    q.bind(1, m.version);
    ASSERT_TRUE(q.executeStep()) << "version " << m.version << " not recorded";
    EXPECT_EQ(q.getColumn(0).getString(), m.name);
    EXPECT_EQ(q.getColumn(1).getString(), ToHex(Sha256(m.sql)));
    EXPECT_GT(q.getColumn(2).getInt64(), 0);
  }
}

TEST_F(MigratorTest, RefusesDatabaseNewerThanBinary) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_TRUE(Migrate(*db_, migrations, BuiltInSteps()).ok());
  db_->exec(
      "INSERT INTO schema_migrations (version, name, sha256, applied_at)"
      " VALUES (9999, '9999_future', 'x', 1)");

  auto report = Migrate(*db_, migrations, BuiltInSteps());

  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("9999"), std::string::npos) << report.status().message();
  EXPECT_NE(report.status().message().find("newer"), std::string::npos)
      << report.status().message();
}

TEST_F(MigratorTest, RefusesWhenAppliedBuiltInMigrationDigestDiffers) {
  std::vector<Migration> migrations = BuiltIns();
  ASSERT_TRUE(Migrate(*db_, migrations, BuiltInSteps()).ok());
  db_->exec("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1");

  auto report = Migrate(*db_, migrations, BuiltInSteps());

  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find(migrations.front().name), std::string::npos)
      << report.status().message();
}

TEST_F(MigratorTest, RefusesWhenMigrationSqlWasEditedAfterApplying) {
  ASSERT_TRUE(Migrate(*db_, Parse({{"0001_first.sql", kFirst}})).ok());

  auto report = Migrate(*db_, Parse({{"0001_first.sql", kFirstEdited}}));

  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("0001_first"), std::string::npos)
      << report.status().message();
}

TEST_F(MigratorTest, ProgramStepRunsBetweenTheSqlAroundItsMarkerInOneTransaction) {
  const std::string second =
      "CREATE TABLE b (y INTEGER);\n-- convert: copy\nCREATE TABLE c AS SELECT y FROM b;";
  ASSERT_TRUE(Migrate(*db_, Parse({{"0001_first.sql", kFirst}})).ok());
  bool ran = false;
  ProgramSteps steps = {{2, [&](SQLite::Database& d) {
                           ran = TableExists("b") && !TableExists("c");
                           d.exec("INSERT INTO b VALUES (7)");
                         }}};
  auto report =
      Migrate(*db_, Parse({{"0001_first.sql", kFirst}, {"0002_second.sql", second}}), steps);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(ran);
  EXPECT_EQ(db_->execAndGet("SELECT y FROM c").getInt(), 7);
}

TEST_F(MigratorTest, RefusingProgramStepRollsItsMigrationBack) {
  const std::string second = "CREATE TABLE b (y INTEGER);\n-- convert: copy\nCREATE TABLE c (z);";
  ASSERT_TRUE(Migrate(*db_, Parse({{"0001_first.sql", kFirst}})).ok());
  ProgramSteps steps = {{2, [](SQLite::Database&) {
                           throw MigrationFailure{Status::FailedPrecondition("rows do not verify")};
                         }}};
  auto report =
      Migrate(*db_, Parse({{"0001_first.sql", kFirst}, {"0002_second.sql", second}}), steps);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("rows do not verify"), std::string::npos);
  EXPECT_FALSE(TableExists("b"));
  EXPECT_EQ(SchemaVersion(*db_).value(), 1);
}

TEST_F(MigratorTest, MarkerWithoutProgramStepIsRefused) {
  const std::string second = "CREATE TABLE b (y INTEGER);\n-- convert: copy\nSELECT 1;";
  auto report = Migrate(*db_, Parse({{"0001_first.sql", kFirst}, {"0002_second.sql", second}}));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(SchemaVersion(*db_).value(), 1);
}

TEST_F(MigratorTest, AppliesOnlyNewMigrationsToOlderDatabase) {
  ASSERT_TRUE(Migrate(*db_, Parse({{"0001_first.sql", kFirst}})).ok());

  auto report = Migrate(*db_, Parse({{"0001_first.sql", kFirst},
                                     {"0002_second.sql", "CREATE TABLE b (y INTEGER);"}}));

  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->from_version, 1);
  EXPECT_EQ(report->to_version, 2);
  EXPECT_EQ(report->applied, std::vector<std::string>{"0002_second"});
  EXPECT_TRUE(TableExists("b"));
}

TEST_F(MigratorTest, BrokenMigrationIsRolledBackAndEarlierOnesStay) {
  std::vector<Migration> migrations =
      Parse({{"0001_first.sql", kFirst},
             {"0002_broken.sql", "CREATE TABLE b (y INTEGER); THIS IS NOT SQL;"}});
  ASSERT_EQ(migrations.size(), 2u);

  auto report = Migrate(*db_, migrations, BuiltInSteps());

  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().code(), Status::Code::kOk);
  EXPECT_NE(report.status().message().find("0002_broken"), std::string::npos)
      << report.status().message();
  EXPECT_TRUE(TableExists("a"));
  EXPECT_FALSE(TableExists("b")) << "the broken migration's first statement was not rolled back";
  auto version = SchemaVersion(*db_);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version.value(), 1);
  EXPECT_EQ(db_->execAndGet("SELECT count(*) FROM schema_migrations").getInt(), 1);

  // Fixed, the migration applies on top of the earlier one.
  auto fixed = Migrate(*db_, Parse({{"0001_first.sql", kFirst},
                                    {"0002_broken.sql", "CREATE TABLE b (y INTEGER);"}}));
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->applied, std::vector<std::string>{"0002_broken"});
  EXPECT_TRUE(TableExists("b"));
}

// `serve` and `token create` may migrate a fresh file at the same moment, from two
// processes: the second must see what the first applied instead of failing.
TEST_F(MigratorTest, ConcurrentMigrationsOfOneFreshFileBothSucceed) {
  const auto migrations = BuiltIns();
  for (int round = 0; round < 5; ++round) {
    const std::string path = dir_.File("race" + std::to_string(round) + ".db");
    Status results[2];
    std::thread threads[2];
    for (int i = 0; i < 2; ++i) {
      threads[i] = std::thread([&, i] {
        auto db = OpenWritable(path, DatabaseOptions{});
        if (!db.ok()) {
          results[i] = db.status();
          return;
        }
        results[i] = Migrate(*db.value(), migrations, BuiltInSteps()).status();
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& r : results) EXPECT_TRUE(r.ok()) << r.message();
    auto db = OpenWritable(path, DatabaseOptions{});
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(SchemaVersion(*db.value()).value(), migrations.back().version);
  }
}

}  // namespace
}  // namespace wj::storage::sqlite
