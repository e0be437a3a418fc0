#include "server/retention/content_retention.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "tests/support/journal_records.h"
#include "tests/support/temp_dir.h"

namespace wj::server {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kDay = 86'400'000;

// A journal that records the requests it gets and erases `backlog` events per WABA in
// batches, as the real writer does.
struct FakeJournal {
  std::vector<storage::ErasureRequest> requests;
  std::map<std::string, std::int64_t> backlog;
  int checkpoints = 0;

  ContentRetention::Journal Calls() {
    return {[this](const storage::ErasureRequest& r) {
              requests.push_back(r);
              std::vector<storage::ErasureRecord> out;
              for (auto& [waba, left] : backlog) {
                if (r.waba_id && *r.waba_id != waba) continue;
                if (!r.waba_id && std::find(r.except_wabas.begin(), r.except_wabas.end(), waba) !=
                                      r.except_wabas.end()) {
                  continue;
                }
                const std::int64_t n = std::min(left, r.max_events);
                if (n == 0) continue;
                left -= n;
                storage::ErasureRecord e;
                e.waba_id = waba;
                e.events = n;
                out.push_back(e);
              }
              return Result<std::vector<storage::ErasureRecord>>(out);
            },
            [this] {
              ++checkpoints;
              return Status::Ok();
            }};
  }
};

ContentRetention::Options Fast() {
  ContentRetention::Options o;
  o.batch_events = 10;
  o.pause = std::chrono::milliseconds(0);
  return o;
}

TEST(ContentRetentionTest, ErasesInBatchesUntilNothingIsLeftThenCheckpointsOnce) {
  FakeJournal journal;
  journal.backlog = {{"1", 25}};
  RetentionPolicy policy;
  policy.all = hours(24 * 30);
  ContentRetention retention(policy, Fast(), journal.Calls(), [] { return kNow; });

  auto pass = retention.RunOnce();

  ASSERT_TRUE(pass.ok()) << pass.status().message();
  EXPECT_EQ(pass->events, 25);
  EXPECT_EQ(pass->erasures, 3);
  EXPECT_EQ(journal.requests.size(), 3u);  // 10, 10, 5: the short batch ends it
  EXPECT_EQ(journal.checkpoints, 1);
  for (const storage::ErasureRequest& r : journal.requests) {
    EXPECT_EQ(r.scope, storage::ErasureScope::kBefore);
    EXPECT_EQ(r.received_before_ms, kNow - 30 * kDay);
    EXPECT_EQ(r.requested_by, "retention");
    EXPECT_EQ(r.max_events, 10);
    EXPECT_TRUE(r.skip_empty);
    EXPECT_FALSE(r.checkpoint);
    EXPECT_EQ(r.reason, "content retention 30d");
  }
}

TEST(ContentRetentionTest, AWabaWithItsOwnRetentionIsLeftOutOfTheDefault) {
  FakeJournal journal;
  RetentionPolicy policy;
  policy.all = hours(24 * 30);
  policy.per_waba["7"] = hours(24 * 90);
  ContentRetention retention(policy, Fast(), journal.Calls(), [] { return kNow; });

  ASSERT_TRUE(retention.RunOnce().ok());

  ASSERT_EQ(journal.requests.size(), 2u);
  EXPECT_EQ(journal.requests[0].waba_id, std::optional<std::string>("7"));
  EXPECT_EQ(journal.requests[0].received_before_ms, kNow - 90 * kDay);
  EXPECT_FALSE(journal.requests[1].waba_id.has_value());
  EXPECT_EQ(journal.requests[1].except_wabas, std::vector<std::string>{"7"});
  EXPECT_EQ(journal.checkpoints, 0);  // nothing erased, nothing to drop
}

TEST(ContentRetentionTest, AFailedBatchEndsThePassWithItsReason) {
  RetentionPolicy policy;
  policy.all = hours(1);
  ContentRetention::Journal failing{
      [](const storage::ErasureRequest&) -> Result<std::vector<storage::ErasureRecord>> {
        return Status::Unavailable("database is locked");
      },
      [] { return Status::Ok(); }};
  ContentRetention retention(policy, Fast(), failing, [] { return kNow; });
  auto pass = retention.RunOnce();
  ASSERT_FALSE(pass.ok());
  EXPECT_EQ(pass.status().code(), Status::Code::kUnavailable);
}

TEST(ContentRetentionTest, ParsesDaysHoursMinutesAndRefusesTheRest) {
  EXPECT_EQ(ParseRetention("x", "30d").value(), seconds(30 * 86400));
  EXPECT_EQ(ParseRetention("x", "12h").value(), seconds(12 * 3600));
  EXPECT_EQ(ParseRetention("x", "90m").value(), seconds(90 * 60));
  EXPECT_EQ(ParseRetention("x", "3600").value(), seconds(3600));
  for (const char* bad : {"", "d", "0d", "-1d", "30", "30w", "1d1h", "99999999d", "1.5d"}) {
    auto r = ParseRetention("content-retention", bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--content-retention"), std::string::npos);
    }
  }
}

// Against a real journal: customers' content older than the retention goes, the rest stays,
// and the journal still verifies.
TEST(ContentRetentionTest, ErasesOldCustomersContentOfARealJournal) {
  wj::testing::TempDir dir;
  const std::string db = dir.File("journal.db");
  auto store = storage::OpenJournalStore(db).value();
  auto writer = store->OpenWriter().value();
  std::vector<storage::DeliveryRecord> deliveries;
  for (int i = 0; i < 25; ++i) {
    storage::DeliveryRecord d =
        wj::testing::DeliveryOf({wj::testing::MessageEvent("old-" + std::to_string(i))});
    d.received_at_ms = kNow - 40 * kDay + i;
    deliveries.push_back(d);
  }
  storage::EventRecord account = wj::testing::MessageEvent("account");
  account.field = "account_update";
  storage::DeliveryRecord old_account = wj::testing::DeliveryOf({account});
  old_account.received_at_ms = kNow - 40 * kDay;
  storage::DeliveryRecord recent = wj::testing::DeliveryOf({wj::testing::MessageEvent("new")});
  recent.received_at_ms = kNow - kDay;
  deliveries.push_back(old_account);
  deliveries.push_back(recent);
  wj::testing::AppendBatch(*writer, deliveries);

  RetentionPolicy policy;
  policy.all = hours(24 * 30);
  storage::JournalWriter* w = writer.get();
  ContentRetention retention(policy, Fast(),
                             {[w](const storage::ErasureRequest& r) { return w->Erase(r); },
                              [w] { return w->Checkpoint(); }},
                             [] { return kNow; });
  auto pass = retention.RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status().message();
  EXPECT_EQ(pass->events, 25);
  writer.reset();

  auto reader = store->OpenReader(1).value();
  for (std::int64_t seq : {1, 25}) EXPECT_FALSE(reader->Event(seq).value()->value.has_value());
  EXPECT_TRUE(reader->Event(26).value()->value.has_value());  // account-level
  EXPECT_TRUE(reader->Event(27).value()->value.has_value());  // recent
  auto erasures = reader->Erasures({}, 10).value();
  ASSERT_EQ(erasures.size(), 3u);
  EXPECT_EQ(erasures.front().requested_by, "retention");
  auto verified = store->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->erased_events, 25);
}

}  // namespace
}  // namespace wj::server
