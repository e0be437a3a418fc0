#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "storage/forward_records.h"
#include "storage/forward_state_reader.h"
#include "storage/journal_store.h"
#include "storage/journal_writer.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

constexpr std::int64_t kNow = 1'750'000'000'000;

class ForwardStateTest : public wj::testing::StorageTest {
 protected:
  void SetUp() override {
    journal_ = Writer(NewDb());
    ASSERT_NE(journal_, nullptr);
    reader_ = ForwardReader(NewDb());
    ASSERT_NE(reader_, nullptr);
  }

  static ForwardAttempt Attempt(std::int64_t seq, const std::string& destination, bool gave_up,
                                std::optional<std::int64_t> replay = std::nullopt) {
    ForwardAttempt a;
    a.seq = seq;
    a.destination = destination;
    a.replay_id = replay;
    a.attempted_at_ms = kNow + seq;
    a.http_status = 503;
    a.error = "HTTP 503";
    a.gave_up = gave_up;
    return a;
  }

  Replay NewReplay() {
    Replay r;
    r.destination = "crm";
    r.filter_json = R"({"field":["messages"]})";
    r.after_seq = 10;
    r.until_seq = 90;
    r.created_at_ms = kNow;
    r.created_by = "ops";
    r.total = 40;
    r.last_seq = 10;
    r.updated_at_ms = kNow;
    return r;
  }

  std::unique_ptr<JournalWriter> journal_;
  std::unique_ptr<ForwardStateReader> reader_;
};

TEST_P(ForwardStateTest, CursorsAreUpsertedAndNeverMoveBack) {
  ForwardUpdate u;
  u.cursors.push_back({"crm", 12, 40, kNow, kNow});
  u.cursors.push_back({"bot", 0, 7, kNow, std::nullopt});
  ASSERT_TRUE(journal_->ApplyForwardUpdate(u).ok());
  ForwardUpdate back;
  back.cursors.push_back({"crm", 99, 30, kNow + 5, std::nullopt});  // a late, older report
  ASSERT_TRUE(journal_->ApplyForwardUpdate(back).ok());
  auto cursors = reader_->Cursors();
  ASSERT_TRUE(cursors.ok());
  ASSERT_EQ(cursors.value().size(), 2u);
  EXPECT_EQ(cursors.value().at("crm").last_seq, 40);
  EXPECT_EQ(cursors.value().at("crm").start_seq, 12);             // set once
  EXPECT_EQ(cursors.value().at("crm").last_success_at_ms, kNow);  // kept when the update has none
  EXPECT_EQ(cursors.value().at("crm").updated_at_ms, kNow + 5);
  EXPECT_EQ(cursors.value().at("bot").last_seq, 7);
  EXPECT_FALSE(cursors.value().at("bot").last_success_at_ms.has_value());
}

TEST_P(ForwardStateTest, AttemptsAreListedPerEventAndCountedPerDestination) {
  ForwardUpdate u;
  u.attempts = {Attempt(5, "crm", false), Attempt(5, "crm", true), Attempt(6, "bot", false),
                Attempt(5, "crm", true, 3)};
  ASSERT_TRUE(journal_->ApplyForwardUpdate(u).ok());
  auto of5 = reader_->AttemptsFor(5);
  ASSERT_TRUE(of5.ok());
  ASSERT_EQ(of5.value().size(), 3u);
  EXPECT_FALSE(of5.value()[0].gave_up);
  EXPECT_TRUE(of5.value()[1].gave_up);
  EXPECT_EQ(of5.value()[2].replay_id, 3);
  EXPECT_EQ(of5.value()[0].http_status, 503);
  auto failures = reader_->Failures();
  ASSERT_TRUE(failures.ok());
  EXPECT_EQ(failures.value().at("crm").given_up,
            1);  // the replay's give-up is not live forwarding's
  ASSERT_TRUE(failures.value().at("crm").last.has_value());
  EXPECT_TRUE(failures.value().at("crm").last->gave_up);
  EXPECT_EQ(failures.value().at("bot").given_up, 0);
  EXPECT_EQ(failures.value().at("bot").last->seq, 6);
}

TEST_P(ForwardStateTest, AttemptsAreAppendOnly) {
  ForwardUpdate u;
  u.attempts = {Attempt(1, "crm", false)};
  ASSERT_TRUE(journal_->ApplyForwardUpdate(u).ok());
  EXPECT_NE(TryRaw(NewDb(), "UPDATE forward_attempts SET error = 'x'"), "");
  EXPECT_NE(TryRaw(NewDb(), "DELETE FROM forward_attempts"), "");
  auto attempts = reader_->AttemptsFor(1);
  ASSERT_TRUE(attempts.ok()) << attempts.status().message();
  ASSERT_EQ(attempts.value().size(), 1u);
  EXPECT_EQ(attempts.value()[0].error, "HTTP 503");
}

TEST_P(ForwardStateTest, ReplaysAreCreatedAndMoveOnlyWhileRunning) {
  auto id = journal_->CreateReplay(NewReplay());
  ASSERT_TRUE(id.ok());
  auto running = reader_->RunningReplays();
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running.value().size(), 1u);
  EXPECT_EQ(running.value()[0].id, id.value());
  EXPECT_EQ(running.value()[0].filter_json, R"({"field":["messages"]})");
  EXPECT_EQ(running.value()[0].until_seq, 90);

  ForwardUpdate progress;
  progress.replays.push_back(
      {id.value(), ReplayStatus::kRunning, 5, 1, 50, kNow + 1, std::nullopt});
  ASSERT_TRUE(journal_->ApplyForwardUpdate(progress).ok());
  ForwardUpdate cancel;
  cancel.replays.push_back({id.value(), ReplayStatus::kCancelled, 6, 1, 55, kNow + 2, kNow + 2});
  ASSERT_TRUE(journal_->ApplyForwardUpdate(cancel).ok());
  ForwardUpdate late;  // a worker's report after the cancel
  late.replays.push_back({id.value(), ReplayStatus::kRunning, 9, 1, 70, kNow + 3, std::nullopt});
  ASSERT_TRUE(journal_->ApplyForwardUpdate(late).ok());

  auto replay = reader_->ReplayById(id.value());
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay.value().has_value());
  EXPECT_EQ(replay.value()->status, ReplayStatus::kCancelled);
  EXPECT_EQ(replay.value()->sent, 6);
  EXPECT_EQ(replay.value()->last_seq, 55);
  EXPECT_EQ(replay.value()->finished_at_ms, kNow + 2);
  EXPECT_TRUE(reader_->RunningReplays().value().empty());
  EXPECT_FALSE(reader_->ReplayById(id.value() + 1).value().has_value());
}

TEST_P(ForwardStateTest, ReplaysAreListedNewestFirst) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(journal_->CreateReplay(NewReplay()).ok());
  auto list = reader_->Replays(2);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.value().size(), 2u);
  EXPECT_EQ(list.value()[0].id, 3);
  EXPECT_EQ(list.value()[1].id, 2);
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(ForwardStateTest);

}  // namespace
}  // namespace wj::storage
