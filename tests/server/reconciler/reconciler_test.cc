#include "server/reconciler/reconciler.h"

#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "server/meta/envelope_parser.h"
#include "storage/journal_store.h"
#include "tests/support/fake_graph_api.h"
#include "tests/support/payloads.h"
#include "tests/support/temp_dir.h"

namespace wj::server {
namespace {

using storage::SubscriptionState;
using testing::FakeGraphApi;
using Mode = FakeGraphApi::Mode;

constexpr const char* kAccessToken = "EAAGsecret-access-token-0123456789";
constexpr const char* kAppSecret = "the-app-secret";
constexpr const char* kSubscribedWaba = "111111111111111";
constexpr const char* kMissingWaba = "222222222222222";
constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr std::int64_t kMinute = 60'000;

// A reconciler driven by Tick() on a fake clock, against the fake Graph API, recording
// into a real journal.
class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() {
    journal_ =
        std::move(storage::OpenJournalStore(dir_.File("j.db")).value()->OpenWriter().value());
    writer_ = std::make_unique<storage::GroupCommitWriter>(*journal_,
                                                           storage::GroupCommitWriter::Options{});
    reader_ =
        std::move(storage::OpenJournalStore(dir_.File("j.db")).value()->OpenReader(2).value());
    fake_.Set(kSubscribedWaba, Mode::kSubscribed);
    fake_.Set(kMissingWaba, Mode::kMissing);
  }

  ReconcilerOptions Options(std::chrono::seconds interval = std::chrono::minutes(15)) {
    ReconcilerOptions o;
    o.graph = {fake_.BaseUrl(), "v24.0", kAccessToken, kAppSecret, 1000};
    o.app_id = FakeGraphApi::kDefaultAppId;
    o.wabas = {kSubscribedWaba, kMissingWaba};
    o.interval = interval;
    return o;
  }

  std::unique_ptr<Reconciler> Make(ReconcilerOptions options) {
    return std::make_unique<Reconciler>(
        std::move(options), *writer_, *reader_, metrics_, [this] { return now_; }, /*seed=*/42);
  }

  void TickAt(Reconciler& r, std::int64_t t) {
    now_ = t;
    r.Tick(t);
  }

  Reconciler::WabaStatus StatusOf(Reconciler& r, const std::string& waba) {
    for (auto& s : r.Status()) {
      if (s.waba_id == waba) return s;
    }
    ADD_FAILURE() << "not watched: " << waba;
    return {};
  }

  std::vector<storage::SubscriptionCheck> History(const std::string& waba) {
    return reader_->SubscriptionHistory(waba, 100).value();
  }

  testing::TempDir dir_;
  FakeGraphApi fake_;
  std::unique_ptr<storage::JournalWriter> journal_;
  std::unique_ptr<storage::GroupCommitWriter> writer_;
  std::unique_ptr<storage::JournalReader> reader_;
  ReconcilerMetrics metrics_;
  std::int64_t now_ = kStart;
};

TEST_F(ReconcilerTest, ChecksEveryWatchedWabaWithinAMinuteAndRecordsWhatItSaw) {
  auto r = Make(Options());
  EXPECT_EQ(StatusOf(*r, kSubscribedWaba).state, SubscriptionState::kUnknown);
  TickAt(*r, kStart + kMinute);
  EXPECT_EQ(StatusOf(*r, kSubscribedWaba).state, SubscriptionState::kSubscribed);
  EXPECT_EQ(StatusOf(*r, kMissingWaba).state, SubscriptionState::kMissing);

  auto missing = History(kMissingWaba);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].http_status, 200);
  EXPECT_EQ(missing[0].our_app_present, false);
  EXPECT_EQ(missing[0].action, "check");
  EXPECT_EQ(missing[0].checked_at_ms, kStart + kMinute);
  const auto apps = nlohmann::json::parse(*missing[0].apps_json);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0]["id"], FakeGraphApi::kOtherAppId);
  // The token travels in the Authorization header, with Meta's appsecret_proof.
  EXPECT_EQ(fake_.LastAuthorization(kMissingWaba), std::string("Bearer ") + kAccessToken);
  EXPECT_EQ(fake_.LastAppSecretProof(kMissingWaba), AppSecretProof(kAccessToken, kAppSecret));
}

TEST_F(ReconcilerTest, CallsEachWabaOncePerInterval) {
  auto r = Make(Options());
  for (std::int64_t t : {1, 5, 10, 14, 15}) TickAt(*r, kStart + t * kMinute);
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 1);
  EXPECT_EQ(fake_.Calls(kMissingWaba), 1);
  // The next check is one interval (plus up to 10 % jitter) after the first.
  TickAt(*r, kStart + kMinute + 15 * kMinute + 90'000);
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 2);
  EXPECT_EQ(fake_.Calls(kMissingWaba), 2);
  EXPECT_EQ(fake_.Calls(kMissingWaba, "POST"), 0);  // no healing unless asked
}

TEST_F(ReconcilerTest, RecognisesOverriddenEmptyInvalidAndFailingAnswers) {
  const std::vector<std::pair<Mode, SubscriptionState>> cases = {
      {Mode::kOverridden, SubscriptionState::kOverridden},
      {Mode::kEmpty, SubscriptionState::kMissing},
      {Mode::kInvalidJson, SubscriptionState::kError},
      {Mode::kServerError, SubscriptionState::kError},
  };
  for (const auto& [mode, expected] : cases) {
    const std::string waba = std::to_string(900 + static_cast<int>(mode));
    fake_.Set(waba, mode);
    ReconcilerOptions o = Options();
    o.wabas = {waba};
    now_ = kStart;
    auto r = Make(o);
    TickAt(*r, kStart + kMinute);
    EXPECT_EQ(StatusOf(*r, waba).state, expected) << waba;
  }
  auto overridden = History(std::to_string(900 + static_cast<int>(Mode::kOverridden)));
  ASSERT_EQ(overridden.size(), 1u);
  EXPECT_EQ(overridden[0].override_callback_uri, FakeGraphApi::kDefaultOverride);
  auto failed = History(std::to_string(900 + static_cast<int>(Mode::kServerError)));
  EXPECT_EQ(failed[0].http_status, 500);
  EXPECT_TRUE(failed[0].error_message.has_value());
}

TEST_F(ReconcilerTest, ErrorsBackOffExponentially) {
  fake_.Set(kSubscribedWaba, Mode::kServerError);
  ReconcilerOptions o = Options(std::chrono::minutes(10));
  o.wabas = {kSubscribedWaba};
  auto r = Make(o);
  TickAt(*r, kStart + kMinute);
  const std::int64_t first_gap = StatusOf(*r, kSubscribedWaba).next_check_ms - now_;
  TickAt(*r, StatusOf(*r, kSubscribedWaba).next_check_ms);
  const std::int64_t second_gap = StatusOf(*r, kSubscribedWaba).next_check_ms - now_;
  TickAt(*r, StatusOf(*r, kSubscribedWaba).next_check_ms);
  const std::int64_t third_gap = StatusOf(*r, kSubscribedWaba).next_check_ms - now_;
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 3);
  EXPECT_GE(first_gap, 10 * kMinute);
  EXPECT_GE(second_gap, 20 * kMinute);
  EXPECT_GE(third_gap, 40 * kMinute);
  EXPECT_LT(third_gap, 45 * kMinute);
}

TEST_F(ReconcilerTest, AThrottledAnswerPausesCallsForTheTimeMetaAsked) {
  fake_.Set(kSubscribedWaba, Mode::kThrottled);
  fake_.SetThrottle(kSubscribedWaba, 30);
  auto r = Make(Options(std::chrono::minutes(1)));
  TickAt(*r, kStart + kMinute);
  EXPECT_EQ(StatusOf(*r, kSubscribedWaba).state, SubscriptionState::kRateLimited);
  const auto paused = StatusOf(*r, kSubscribedWaba).paused_until_ms;
  ASSERT_TRUE(paused.has_value());
  EXPECT_EQ(*paused, kStart + kMinute + 30 * kMinute);
  auto check = History(kSubscribedWaba)[0];
  EXPECT_EQ(check.error_code, 80008);
  EXPECT_EQ(check.paused_until_ms, paused);
  EXPECT_TRUE(check.usage.has_value());

  // The interval is a minute, but no call goes out before Meta's 30 minutes are over;
  // the other WABA is not paused.
  for (std::int64_t t = 2; t <= 30; ++t) TickAt(*r, kStart + t * kMinute);
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 1);
  EXPECT_GT(fake_.Calls(kMissingWaba), 10);
  auto now = r->CheckNow(kSubscribedWaba);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->paused_until_ms, paused);
  EXPECT_FALSE(now->check.has_value());
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 1);

  fake_.Set(kSubscribedWaba, Mode::kSubscribed);
  TickAt(*r, kStart + 32 * kMinute);
  EXPECT_EQ(fake_.Calls(kSubscribedWaba), 2);
  EXPECT_EQ(StatusOf(*r, kSubscribedWaba).state, SubscriptionState::kSubscribed);
}

TEST_F(ReconcilerTest, AnAppLevelLimitPausesEveryWaba) {
  fake_.SetAppUsage(95);
  auto r = Make(Options(std::chrono::minutes(1)));
  TickAt(*r, kStart + kMinute);
  const int calls = fake_.TotalCalls();
  EXPECT_EQ(calls, 1);  // the first answer paused the rest of the tick
  // Without a regain time the pause is a backoff of one interval (plus jitter) at first.
  TickAt(*r, kStart + kMinute + 55'000);
  EXPECT_EQ(fake_.TotalCalls(), calls);
  for (const auto& s : r->Status()) EXPECT_TRUE(s.paused_until_ms.has_value()) << s.waba_id;
  fake_.SetAppUsage(10);
  TickAt(*r, kStart + 3 * kMinute);
  EXPECT_EQ(fake_.TotalCalls(), 3);
}

TEST_F(ReconcilerTest, AHangPastTheTimeoutIsRecordedAsAnError) {
  fake_.Set(kSubscribedWaba, Mode::kHang);
  ReconcilerOptions o = Options();
  o.wabas = {kSubscribedWaba};
  auto r = Make(o);
  TickAt(*r, kStart + kMinute);  // bounded by the 1 s Graph timeout
  EXPECT_EQ(StatusOf(*r, kSubscribedWaba).state, SubscriptionState::kError);
  auto check = History(kSubscribedWaba)[0];
  EXPECT_FALSE(check.http_status.has_value());
  EXPECT_NE(check.error_message->find("imeout"), std::string::npos) << *check.error_message;
}

TEST_F(ReconcilerTest, AutoResubscribePostsOnceAndRecovers) {
  ReconcilerOptions o = Options();
  o.auto_resubscribe = true;
  auto r = Make(o);
  TickAt(*r, kStart + kMinute);
  EXPECT_EQ(fake_.Calls(kMissingWaba, "POST"), 1);
  EXPECT_EQ(fake_.Calls(kSubscribedWaba, "POST"), 0);
  EXPECT_EQ(StatusOf(*r, kMissingWaba).state, SubscriptionState::kSubscribed);
  auto history = History(kMissingWaba);  // newest first
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].state, SubscriptionState::kMissing);
  EXPECT_EQ(history[1].action, "resubscribe");
  EXPECT_EQ(history[1].state, SubscriptionState::kSubscribed);
  EXPECT_EQ(history[0].state, SubscriptionState::kSubscribed);
  TickAt(*r, kStart + 40 * kMinute);
  EXPECT_EQ(fake_.Calls(kMissingWaba, "POST"), 1);
  const std::string metrics = metrics_.Render();
  EXPECT_NE(metrics.find("waba_journal_subscription_state_changes_total 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("action=\"resubscribe\",state=\"subscribed\"} 1"), std::string::npos);
}

TEST_F(ReconcilerTest, ARestartKeepsStatesAndTheScheduleFromTheJournal) {
  {
    auto r = Make(Options());
    TickAt(*r, kStart + kMinute);
  }
  auto again = Make(Options());
  EXPECT_EQ(StatusOf(*again, kMissingWaba).state, SubscriptionState::kMissing);
  ASSERT_TRUE(StatusOf(*again, kMissingWaba).last_check.has_value());
  TickAt(*again, kStart + 2 * kMinute);
  EXPECT_EQ(fake_.Calls(kMissingWaba), 1);  // the last check is recent: not again yet
  TickAt(*again, kStart + 17 * kMinute);
  EXPECT_EQ(fake_.Calls(kMissingWaba), 2);
}

TEST_F(ReconcilerTest, WatchesWabasSeenInTheJournalWhenAsked) {
  ParsedBody parsed = ParseDeliveryBody(testing::InboundText("wamid.seen", "hi", "333"));
  storage::DeliveryRecord d{kStart,       "127.0.0.1",   "sha256=0",   "{}",
                            std::nullopt, parsed.events, std::nullopt, std::nullopt};
  std::vector<storage::AppendedDelivery> out;
  ASSERT_TRUE(journal_->AppendBatch({&d}, &out).ok());
  ReconcilerOptions o = Options();
  o.watch_seen_wabas = true;
  auto r = Make(o);
  EXPECT_TRUE(r->Watches("333"));
  TickAt(*r, kStart + kMinute);
  EXPECT_EQ(fake_.Calls("333"), 1);
  ReconcilerOptions without = Options();
  EXPECT_FALSE(Make(without)->Watches("333"));
}

TEST_F(ReconcilerTest, CheckNowAnswersUnknownWabasWithNotFound) {
  auto r = Make(Options());
  auto unknown = r->CheckNow("999");
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound);
  auto known = r->CheckNow(kMissingWaba);
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->check->state, SubscriptionState::kMissing);
  EXPECT_GT(known->check->id, 0);
}

TEST_F(ReconcilerTest, NeverLogsTheAccessTokenOrItsProof) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  spdlog::set_level(spdlog::level::trace);
  fake_.Set(kSubscribedWaba, Mode::kServerError);
  ReconcilerOptions o = Options();
  o.auto_resubscribe = true;
  o.graph.base_url = "http://127.0.0.1:1";  // refused: a transport error, logged
  {
    auto r = Make(o);
    TickAt(*r, kStart + kMinute);
  }
  {
    now_ = kStart + 19 * kMinute;
    auto r = Make(Options());
    TickAt(*r, kStart + 20 * kMinute);
  }
  spdlog::set_default_logger(previous);
  const std::string log = captured.str();
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(kAccessToken), std::string::npos) << log;
  EXPECT_EQ(log.find(AppSecretProof(kAccessToken, kAppSecret)), std::string::npos) << log;
  for (const auto& c : History(kSubscribedWaba)) {
    EXPECT_EQ(c.error_message.value_or("").find(AppSecretProof(kAccessToken, kAppSecret)),
              std::string::npos);
  }
}

}  // namespace
}  // namespace wj::server
