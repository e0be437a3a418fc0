// A journal written by the release before schema 6 (tests/storage/sqlite/fixtures) upgrades
// in place: verified first, converted, and everything beside the journal kept.
#include "storage/sqlite/schema5_upgrade.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/chain_hash.h"
#include "storage/digest.h"
#include "storage/journal_store.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

// The fixture's admin token (see fixtures/README.md) and what verify said of it then.
constexpr const char* kFixtureAdminToken =
    "wjt_41016d96acb3baa9a8f4ee472f78ba89075e962da1674664bf906d5d34071ffa";
constexpr std::int64_t kEvents = 121;
constexpr std::int64_t kDeliveries = 120;

class Schema5UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("v5.db");
    const std::string command = "gzip -dc '" WJ_SOURCE_DIR
                                "/tests/storage/sqlite/fixtures/journal-v1.db.gz' > '" +
                                path_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }

  std::unique_ptr<JournalStore> Store() { return OpenJournalStore(path_).value(); }

  std::int64_t Count(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }

  wj::testing::TempDir dir_;
  std::string path_;
};

TEST_F(Schema5UpgradeTest, UpgradesInPlaceKeepingSeqsTokensCursorsReplaysAndChecks) {
  const std::int64_t cursor_before =
      Count("SELECT last_seq FROM destination_cursors WHERE destination = 'sink'");
  auto report = Store()->Migrate();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->from_version, 5);
  EXPECT_EQ(report->to_version, 6);

  const auto verified = Store()->Verify();
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, kEvents);
  EXPECT_EQ(verified->deliveries, kDeliveries);
  EXPECT_EQ(Count("SELECT max(seq) FROM events"), kEvents);
  EXPECT_EQ(Count("SELECT max(id) FROM deliveries"), kDeliveries);
  EXPECT_EQ(Count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'v5_%'"), 0);
  EXPECT_EQ(cursor_before, 114);
  EXPECT_EQ(Count("SELECT last_seq FROM destination_cursors WHERE destination = 'sink'"), 114);
  EXPECT_EQ(Count("SELECT count(*) FROM replays WHERE status = 'done' AND sent = 25"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM forward_attempts"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM subscription_checks"), 1);

  auto tokens = Store()->OpenTokens(Access::kReadOnly);
  ASSERT_TRUE(tokens.ok());
  auto admin = tokens.value()->FindActive(ToHex(Sha256(kFixtureAdminToken)));
  ASSERT_TRUE(admin.ok() && admin.value());
  EXPECT_EQ(admin.value()->name, "fixture-admin");
}

TEST_F(Schema5UpgradeTest, OldValuesAreFoundByWamidAndNumberAndKeptOnce) {
  ASSERT_TRUE(Store()->Migrate().ok());
  auto reader = Store()->OpenReader(1);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  // A sample message of the simulator: the customer 16505551234 of WABA 102290129340398.
  EventFilter f;
  f.wa_id = "16505551234";
  f.include_duplicates = true;
  auto count = reader.value()->CountEvents(f);
  ASSERT_TRUE(count.ok());
  EXPECT_GT(count.value(), 10);
  auto first = reader.value()->Event(1);
  ASSERT_TRUE(first.ok() && first.value() && first.value()->value);
  // Values that were the body's own bytes are not stored a second time.
  EXPECT_GT(Count("SELECT count(*) FROM events WHERE value_at IS NOT NULL"), kEvents / 2);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE value_at IS NULL"),
            Count("SELECT count(*) FROM event_content"));
}

TEST_F(Schema5UpgradeTest, NewChainsCommitToTheOldChainsFinalHashes) {
  std::string old_event_tip;
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT chain_hash FROM events ORDER BY seq DESC LIMIT 1");
    ASSERT_TRUE(q.executeStep());
    old_event_tip = std::string(static_cast<const char*>(q.getColumn(0).getBlob()), 32);
  }
  ASSERT_TRUE(Store()->Migrate().ok());
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT v5_events, v5_event_tip, v5_deliveries FROM journal_origin");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getInt64(), kEvents);
  EXPECT_EQ(std::string(static_cast<const char*>(q.getColumn(1).getBlob()), 32), old_event_tip);
  EXPECT_EQ(q.getColumn(2).getInt64(), kDeliveries);
}

TEST_F(Schema5UpgradeTest, TamperedOldJournalIsNotUpgradedAndStaysAsItWas) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_refuse_update");
    db.exec("UPDATE events SET value = value || ' ' WHERE seq = 40");
  }
  auto report = Store()->Migrate();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("event 40"), std::string::npos)
      << report.status().message();
  EXPECT_EQ(Count("SELECT max(version) FROM schema_migrations"), 5);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), kEvents);
  auto writer = Store()->OpenWriter();
  EXPECT_FALSE(writer.ok());
}

TEST_F(Schema5UpgradeTest, VerifyOfAnOldJournalAsksForTheUpgrade) {
  auto report = Store()->Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("migrate"), std::string::npos);
}

}  // namespace
}  // namespace wj::storage::sqlite
