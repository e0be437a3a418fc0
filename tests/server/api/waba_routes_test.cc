#include "server/api/waba_routes.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using nlohmann::json;
using testing::ApiTest;
using testing::Change;
using testing::InboundText;

constexpr const char* kWaba = "102290129340398";
constexpr const char* kOther = "333333333333333";

class WabaRoutesTest : public ApiTest {
 protected:
  std::vector<std::string> Fields(const json& audit) {
    std::vector<std::string> out;
    for (const json& item : audit["items"]) out.push_back(item["field"].get<std::string>());
    return out;
  }
};

TEST_F(WabaRoutesTest, ListsEachWabaWithItsCounts) {
  Post(InboundText("wamid.1", "a", kWaba));
  Post(InboundText("wamid.2", "b", kWaba));
  Post(InboundText("wamid.2", "b", kWaba));  // redelivery
  Post(Change(kWaba, "security", R"({"event":"PIN_CHANGED"})", 1700000000));
  Post(InboundText("wamid.3", "c", kOther));
  auto r = Get("/api/v1/wabas");
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["wabas"].size(), 2u);
  const json& w = r.body["wabas"][0];
  EXPECT_EQ(w["waba_id"], kWaba);
  EXPECT_EQ(w["events"], 3);
  EXPECT_EQ(w["duplicates"], 1);
  EXPECT_EQ(w["fields"], json({{"messages", 2}, {"security", 1}}));
  EXPECT_LE(w["first_seen"].get<std::string>(), w["last_seen"].get<std::string>());
  EXPECT_FALSE(w.contains("daily"));
  EXPECT_EQ(r.body["wabas"][1]["waba_id"], kOther);
  EXPECT_EQ(r.body["wabas"][1]["events"], 1);
}

TEST_F(WabaRoutesTest, GivesADailySeriesEndingTodayWhenAsked) {
  Post(InboundText("wamid.1", "a", kWaba));
  Post(InboundText("wamid.2", "b", kWaba));
  auto r = Get("/api/v1/wabas?days=7");
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& daily = r.body["wabas"][0]["daily"];
  ASSERT_EQ(daily.size(), 7u);
  EXPECT_EQ(daily[6]["events"], 2);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(daily[i]["events"], 0);
  EXPECT_LT(daily[0]["day"].get<std::string>(), daily[6]["day"].get<std::string>());
  EXPECT_EQ(Get("/api/v1/wabas?days=400").status, 400);
  EXPECT_EQ(Get("/api/v1/wabas?dayz=4").status, 400);
}

TEST_F(WabaRoutesTest, AuditShowsARejectionThenAnApprovalInTimeOrder) {
  // The approval arrives first (a retried rejection can come late); time order follows
  // Meta's entry.time, not arrival.
  Post(Change(kWaba, "account_review_update", R"({"decision":"APPROVED"})", 1700000200));
  Post(InboundText("wamid.noise", "not audit", kWaba));
  Post(Change(kWaba, "account_review_update", R"({"decision":"REJECTED"})", 1700000100));
  auto r = Get(std::string("/api/v1/wabas/") + kWaba + "/audit");
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["items"].size(), 2u);
  EXPECT_EQ(r.body["items"][0]["value"]["decision"], "REJECTED");
  EXPECT_EQ(r.body["items"][1]["value"]["decision"], "APPROVED");
  EXPECT_EQ(r.body["items"][0]["event_time"], "2023-11-14T22:15:00Z");
  EXPECT_NE(r.body["items"][0]["summary"].get<std::string>().find("REJECTED"), std::string::npos);
  EXPECT_EQ(r.body["current"]["review"]["decision"], "APPROVED");
  EXPECT_EQ(r.body["current"]["review"]["seq"], 1);
  EXPECT_EQ(r.body["truncated"], false);
}

TEST_F(WabaRoutesTest, AuditCurrentShowsStandingBanRestrictionAndViolation) {
  Post(Change(kWaba, "account_update",
              R"({"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ADULT"}})", 10));
  Post(Change(
      kWaba, "account_update",
      R"({"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":32503680000},{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":1641330498}]})",
      20));
  Post(Change(
      kWaba, "account_update",
      R"({"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE","waba_ban_date":"April 17, 2025"}})",
      30));
  auto r = Get(std::string("/api/v1/wabas/") + kWaba + "/audit");
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& current = r.body["current"];
  EXPECT_TRUE(current["review"].is_null());
  EXPECT_EQ(current["ban"]["state"], "DISABLE");
  EXPECT_EQ(current["ban"]["date"], "April 17, 2025");
  EXPECT_EQ(current["violation"]["violation_type"], "ADULT");
  // The 2022 expiration has passed; only the other restriction stands.
  ASSERT_EQ(current["restrictions"].size(), 1u);
  EXPECT_EQ(current["restrictions"][0]["restriction_type"], "RESTRICTED_BIZ_INITIATED_MESSAGING");
  EXPECT_EQ(current["restrictions"][0]["expiration"], "3000-01-01T00:00:00Z");

  Post(Change(
      kWaba, "account_update",
      R"({"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"REINSTATE","waba_ban_date":"April 18, 2025"}})",
      40));
  auto after = Get(std::string("/api/v1/wabas/") + kWaba + "/audit");
  EXPECT_TRUE(after.body["current"]["ban"].is_null());
  EXPECT_EQ(after.body["items"].size(), 4u);
}

TEST_F(WabaRoutesTest, AuditCoversTheComplianceFieldsOnly) {
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"account_alerts",
       R"({"entity_type":"WABA","entity_id":"1","alert_info":{"alert_severity":"WARNING","alert_status":"ACTIVE","alert_type":"OBA_APPROVED","alert_description":"d"}})"},
      {"business_capability_update", R"({"max_daily_conversations_per_business":1000})"},
      {"message_template_quality_update",
       R"({"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1,"message_template_name":"t","message_template_language":"en"})"},
      {"message_template_status_update",
       R"({"event":"REJECTED","message_template_id":1,"message_template_name":"t","message_template_language":"en","reason":"INVALID_FORMAT"})"},
      {"phone_number_name_update",
       R"({"display_phone_number":"1","decision":"APPROVED","requested_verified_name":"Shop"})"},
      {"phone_number_quality_update",
       R"({"display_phone_number":"1","event":"ONBOARDING","current_limit":"TIER_250"})"},
      {"security", R"({"display_phone_number":"1","event":"PIN_CHANGED","requester":"1"})"},
      {"template_category_update",
       R"({"message_template_id":1,"message_template_name":"t","message_template_language":"en","previous_category":"UTILITY","new_category":"MARKETING"})"},
      {"flows", R"({"event":"FLOW_STATUS_CHANGE","flow_id":"1"})"},
      {"user_preferences", R"({"user_preferences":[]})"},
  };
  long long t = 100;
  for (const auto& [field, value] : changes) Post(Change(kWaba, field, value, t++));
  auto r = Get(std::string("/api/v1/wabas/") + kWaba + "/audit");
  ASSERT_EQ(r.status, 200) << r.raw;
  std::vector<std::string> expected;
  for (std::size_t i = 0; i + 2 < changes.size(); ++i) expected.push_back(changes[i].first);
  EXPECT_EQ(Fields(r.body), expected);
  for (const json& item : r.body["items"]) EXPECT_FALSE(item["summary"].get<std::string>().empty());

  auto narrowed = Get(std::string("/api/v1/wabas/") + kWaba +
                      "/audit?field=security&field=phone_number_name_update");
  EXPECT_EQ(Fields(narrowed.body),
            (std::vector<std::string>{"phone_number_name_update", "security"}));
  auto limited = Get(std::string("/api/v1/wabas/") + kWaba + "/audit?limit=2");
  EXPECT_EQ(Fields(limited.body),
            (std::vector<std::string>{"security", "template_category_update"}));
  EXPECT_EQ(limited.body["truncated"], true);

  auto bad = Get(std::string("/api/v1/wabas/") + kWaba + "/audit?field=messages");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body["error"]["message"].get<std::string>().find("field"), std::string::npos);
  EXPECT_EQ(Get(std::string("/api/v1/wabas/") + kWaba + "/audit?limit=0").status, 400);
}

TEST_F(WabaRoutesTest, AuditOfAnUnknownWabaIsEmpty) {
  auto r = Get("/api/v1/wabas/999/audit");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["items"].size(), 0u);
  EXPECT_TRUE(r.body["current"]["review"].is_null());
}

}  // namespace
}  // namespace wj::server
