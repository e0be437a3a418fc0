#include "server/api/subscription_routes.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_client.h"
#include "tests/support/api_fixture.h"
#include "tests/support/fake_graph_api.h"

namespace wj::server {
namespace {

using nlohmann::json;
using storage::TokenScope;
using testing::CreateToken;
using testing::FakeGraphApi;
using Mode = FakeGraphApi::Mode;

constexpr const char* kSubscribed = "111111111111111";
constexpr const char* kMissing = "222222222222222";

// The real Service with the reconciler pointed at the fake Graph API. The schedule's first
// checks come within a minute; these tests use "check now" and accept either.
class SubscriptionRoutesTest : public ::testing::Test {
 protected:
  SubscriptionRoutesTest() {
    fake_.Set(kSubscribed, Mode::kSubscribed);
    fake_.Set(kMissing, Mode::kMissing);
    ServeConfig config = testing::TestConfig(dir_);
    config.access_token = "EAAG-test-token";
    config.app_id = FakeGraphApi::kDefaultAppId;
    config.graph_url = fake_.BaseUrl();
    config.wabas = {kSubscribed, kMissing};
    config.graph_timeout = std::chrono::seconds(2);
    service_ = std::make_unique<testing::TestService>(config);
    read_ = CreateToken(config.db_path, TokenScope::kRead);
    admin_ = CreateToken(config.db_path, TokenScope::kAdmin);
  }

  testing::ApiAnswer Call(const std::string& token, const std::string& path, bool post = false) {
    HttpClient client;
    const std::vector<std::string> auth = {"Authorization: Bearer " + token};
    auto r = post ? client.Post(service_->ApiUrl(path), "", auth)
                  : client.Get(service_->ApiUrl(path), auth);
    EXPECT_TRUE(r.ok());
    return {r->status, r->headers, r->body, json::parse(r->body, nullptr, false)};
  }

  json Row(const json& list, const std::string& waba) {
    for (const json& row : list["subscriptions"]) {
      if (row["waba_id"] == waba) return row;
    }
    return nullptr;
  }

  testing::TempDir dir_;
  FakeGraphApi fake_;
  std::unique_ptr<testing::TestService> service_;
  std::string read_;
  std::string admin_;
};

TEST_F(SubscriptionRoutesTest, ShowsEachWatchedWabaAndChecksOnRequest) {
  auto list = Call(read_, "/api/v1/subscriptions");
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(list.body["reconciler"], "on");
  EXPECT_EQ(list.body["interval_seconds"], 900);
  ASSERT_EQ(list.body["subscriptions"].size(), 2u);
  EXPECT_FALSE(Row(list.body, kMissing)["next_check"].is_null());

  auto checked = Call(admin_, std::string("/api/v1/subscriptions/") + kMissing + "/check", true);
  ASSERT_EQ(checked.status, 200) << checked.raw;
  EXPECT_EQ(checked.body["check"]["state"], "missing");
  EXPECT_EQ(checked.body["check"]["our_app_present"], false);
  EXPECT_EQ(checked.body["check"]["apps"][0]["id"], FakeGraphApi::kOtherAppId);
  ASSERT_EQ(
      Call(admin_, std::string("/api/v1/subscriptions/") + kSubscribed + "/check", true).status,
      200);

  auto after = Call(read_, "/api/v1/subscriptions");
  EXPECT_EQ(Row(after.body, kMissing)["state"], "missing");
  EXPECT_EQ(Row(after.body, kSubscribed)["state"], "subscribed");
  EXPECT_FALSE(Row(after.body, kSubscribed)["last_check"].is_null());
  // The access token is in no answer.
  EXPECT_EQ(after.raw.find("EAAG-test-token"), std::string::npos);

  auto history = Call(read_, std::string("/api/v1/subscriptions/") + kMissing + "/history");
  ASSERT_EQ(history.status, 200);
  ASSERT_GE(history.body["checks"].size(), 1u);
  EXPECT_EQ(history.body["checks"][0]["state"], "missing");
  EXPECT_EQ(history.body["checks"][0]["action"], "check");
}

TEST_F(SubscriptionRoutesTest, ChecksNeedAnAdminTokenAndAWatchedWaba) {
  EXPECT_EQ(Call(read_, std::string("/api/v1/subscriptions/") + kMissing + "/check", true).status,
            403);
  auto unknown = Call(admin_, "/api/v1/subscriptions/999/check", true);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
  EXPECT_EQ(Call(read_, "/api/v1/subscriptions/111/history?limit=0").status, 400);
}

TEST_F(SubscriptionRoutesTest, ACheckDuringARateLimitPauseAnswers429WithoutCalling) {
  fake_.Set(kSubscribed, Mode::kThrottled);
  fake_.SetThrottle(kSubscribed, 7);
  const std::string path = std::string("/api/v1/subscriptions/") + kSubscribed + "/check";
  auto first = Call(admin_, path, true);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["check"]["state"], "rate_limited");
  EXPECT_EQ(first.body["check"]["error"]["code"], 80008);
  const int calls = fake_.Calls(kSubscribed);
  auto second = Call(admin_, path, true);
  EXPECT_EQ(second.status, 429) << second.raw;
  EXPECT_EQ(second.body["error"]["code"], "rate_limited");
  EXPECT_EQ(second.body["paused_until"], first.body["check"]["paused_until"]);
  EXPECT_NE(second.headers.find("Retry-After: "), std::string::npos) << second.headers;
  EXPECT_EQ(fake_.Calls(kSubscribed), calls);
  auto list = Call(read_, "/api/v1/subscriptions");
  EXPECT_EQ(Row(list.body, kSubscribed)["state"], "rate_limited");
  EXPECT_FALSE(Row(list.body, kSubscribed)["paused_until"].is_null());
}

TEST_F(SubscriptionRoutesTest, ALimitedTokenSeesOnlyItsWabas) {
  const std::string limited =
      CreateToken(service_->config().db_path, TokenScope::kAdmin, {kMissing});
  auto list = Call(limited, "/api/v1/subscriptions");
  ASSERT_EQ(list.body["subscriptions"].size(), 1u);
  EXPECT_EQ(list.body["subscriptions"][0]["waba_id"], kMissing);
  EXPECT_EQ(Call(limited, std::string("/api/v1/subscriptions/") + kSubscribed + "/history").status,
            403);
  EXPECT_EQ(
      Call(limited, std::string("/api/v1/subscriptions/") + kSubscribed + "/check", true).status,
      403);
}

TEST_F(SubscriptionRoutesTest, StateChangesAppearInTheWabasAudit) {
  const std::string check = std::string("/api/v1/subscriptions/") + kMissing + "/check";
  ASSERT_EQ(Call(admin_, check, true).status, 200);
  fake_.Set(kMissing, Mode::kSubscribed);
  ASSERT_EQ(Call(admin_, check, true).status, 200);
  ASSERT_EQ(Call(admin_, check, true).status, 200);  // no change: not a new audit item
  auto audit = Call(read_, std::string("/api/v1/wabas/") + kMissing + "/audit?field=subscription");
  ASSERT_EQ(audit.status, 200) << audit.raw;
  const json& items = audit.body["items"];
  ASSERT_GE(items.size(), 2u);
  EXPECT_EQ(items[items.size() - 2]["value"]["state"], "missing");
  EXPECT_EQ(items.back()["value"]["state"], "subscribed");
  EXPECT_EQ(items.back()["field"], "subscription");
  EXPECT_TRUE(items.back()["seq"].is_null());
  EXPECT_NE(items.back()["summary"].get<std::string>().find("subscribed"), std::string::npos);
}

TEST(SubscriptionRoutesOffTest, SaysTheReconcilerIsOffWithoutAnAccessToken) {
  testing::TempDir dir;
  ServeConfig config = testing::TestConfig(dir);
  config.wabas = {kSubscribed};
  testing::TestService service(config);
  const std::string admin = CreateToken(config.db_path, TokenScope::kAdmin);
  HttpClient client;
  auto list =
      client.Get(service.ApiUrl("/api/v1/subscriptions"), {"Authorization: Bearer " + admin});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(json::parse(list->body)["reconciler"], "off");
  auto check =
      client.Post(service.ApiUrl(std::string("/api/v1/subscriptions/") + kSubscribed + "/check"),
                  "", {"Authorization: Bearer " + admin});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->status, 503);
  EXPECT_EQ(json::parse(check->body)["error"]["code"], "reconciler_off");
}

}  // namespace
}  // namespace wj::server
