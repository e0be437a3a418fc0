#include "storage/sqlite/wal_checkpointer.h"

#include <chrono>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/sqlite/database.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

using std::chrono::milliseconds;

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenWritable(dir_.File("wal.db"), DatabaseOptions{SyncMode::kNormal});
    ASSERT_TRUE(db.ok()) << db.status().message();
    writer_ = std::move(db.value());
    writer_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)");
  }

  // Commits `n` transactions of one 4 KiB row each (one or two WAL frames apiece).
  void Commit(int n) {
    SQLite::Statement ins(*writer_, "INSERT INTO t (data) VALUES (zeroblob(4096))");
    for (int i = 0; i < n; ++i) {
      ins.exec();
      ins.reset();
    }
  }

  // The WAL frames reported by a PASSIVE checkpoint run from `db` (its "log" column).
  static std::int64_t WalFrames(SQLite::Database& db) {
    SQLite::Statement q(db, "PRAGMA wal_checkpoint(PASSIVE)");
    q.executeStep();
    return q.getColumn(1).getInt64();
  }

  testing::TempDir dir_;
  std::unique_ptr<SQLite::Database> writer_;
};

TEST_F(WalCheckpointerTest, CheckpointsOnItsOwnThreadOnceTheWalReachesTheThreshold) {
  WalCheckpointer checkpointer(dir_.File("wal.db"), DatabaseOptions{SyncMode::kNormal},
                               writer_->getHandle(), {.threshold_frames = 20});

  Commit(30);

  EXPECT_GE(checkpointer.WaitForCheckpoints(1, milliseconds(10000)), 1u);
}

TEST_F(WalCheckpointerTest, CommitsBelowTheThresholdNeitherCheckpointNorWakeIt) {
  WalCheckpointer checkpointer(dir_.File("wal.db"), DatabaseOptions{SyncMode::kNormal},
                               writer_->getHandle(), {.threshold_frames = 1000});

  Commit(50);

  EXPECT_EQ(checkpointer.Checkpoints(), 0u);
  // The writer's commits did not checkpoint either: every frame is still in the WAL, where
  // SQLite's own auto-checkpoint would have run at its default of 1,000 frames only.
  EXPECT_GE(WalFrames(*writer_), 50);
}

TEST_F(WalCheckpointerTest, TheWriterNoLongerCheckpointsAtSqlitesDefaultThreshold) {
  {
    WalCheckpointer checkpointer(dir_.File("wal.db"), DatabaseOptions{SyncMode::kNormal},
                                 writer_->getHandle(), {.threshold_frames = 1'000'000});
    // Past SQLite's default auto-checkpoint threshold of 1,000 frames.
    Commit(1200);
    EXPECT_EQ(checkpointer.Checkpoints(), 0u);
  }
  // The WAL holds every frame: no commit checkpointed it. A separate connection's PASSIVE
  // checkpoint reports them.
  SQLite::Database other(dir_.File("wal.db"), SQLite::OPEN_READWRITE);
  EXPECT_GE(WalFrames(other), 1200);
}

TEST_F(WalCheckpointerTest, DestroyingItRemovesTheHookAndStopsItsThread) {
  auto checkpointer = std::make_unique<WalCheckpointer>(
      dir_.File("wal.db"), DatabaseOptions{SyncMode::kNormal}, writer_->getHandle(),
      WalCheckpointer::Options{.threshold_frames = 5});
  Commit(10);
  checkpointer->WaitForCheckpoints(1, milliseconds(10000));

  checkpointer.reset();
  Commit(10);  // the hook is gone: committing must not touch the destroyed object (ASan)

  EXPECT_GE(WalFrames(*writer_), 10);
}

}  // namespace
}  // namespace wj::storage::sqlite
