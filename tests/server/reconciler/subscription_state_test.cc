#include "server/reconciler/subscription_state.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

using storage::SubscriptionState;

constexpr const char* kWaba = "102290129340398";
constexpr const char* kApp = "670843887433847";
constexpr const char* kOtherApp = "111111111111111";
constexpr std::int64_t kNow = 1'700'000'000'000;

std::string Entry(const std::string& id, const std::string& name,
                  const std::optional<std::string>& override_uri = std::nullopt) {
  std::string entry = R"({"whatsapp_business_api_data":{"id":")" + id +
                      R"(","link":"https://www.facebook.com/games/?app_id=)" + id +
                      R"(","name":")" + name + R"("})";
  if (override_uri) entry += R"(,"override_callback_uri":")" + *override_uri + R"(")";
  return entry + "}";
}

std::string DataBody(const std::vector<std::string>& entries) {
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
  return body + "]}";
}

GraphAnswer Answer(std::optional<int> status, std::string body,
                   std::optional<std::string> usage = std::nullopt,
                   std::optional<std::string> app_usage = std::nullopt) {
  GraphAnswer answer;
  answer.http_status = status;
  answer.body = std::move(body);
  answer.usage = std::move(usage);
  answer.app_usage = std::move(app_usage);
  return answer;
}

Interpretation Check(const GraphAnswer& answer, const std::string& app_id = kApp) {
  return InterpretSubscribedApps(kWaba, app_id, "check", answer, kNow);
}

std::string GraphError(int code, const std::string& message = "Something went wrong") {
  return R"({"error":{"message":")" + message + R"(","type":"OAuthException","code":)" +
         std::to_string(code) + R"(,"error_subcode":2494010,"fbtrace_id":"AbCdEf"}})";
}

std::string BucUsage(int call_count, int regain_minutes, const std::string& id = kWaba) {
  return R"({")" + id + R"(":[{"type":"whatsapp_business_management","call_count":)" +
         std::to_string(call_count) + R"(,"total_cputime":5,"total_time":5,)" +
         R"("estimated_time_to_regain_access":)" + std::to_string(regain_minutes) + "}]}";
}

TEST(SubscriptionStateTest, OurAppListedIsSubscribed) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "WABA Journal")})));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.our_app_present, true);
  EXPECT_EQ(got.check.override_callback_uri, std::nullopt);
  EXPECT_EQ(got.check.error_message, std::nullopt);
  EXPECT_FALSE(got.throttle.pause);
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, OurAppAmongOthersIsSubscribed) {
  const Interpretation got =
      Check(Answer(200, DataBody({Entry(kOtherApp, "Other"), Entry(kApp, "WABA Journal")})));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.our_app_present, true);
}

TEST(SubscriptionStateTest, OurAppWithOverrideCallbackIsOverridden) {
  const std::string uri = "https://my-waba-alternate-callback.com/webhook";
  const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "Lucky Shrub", uri)})));
  EXPECT_EQ(got.check.state, SubscriptionState::kOverridden);
  EXPECT_EQ(got.check.our_app_present, true);
  EXPECT_EQ(got.check.override_callback_uri, uri);
}

TEST(SubscriptionStateTest, EmptyOverrideCallbackCountsAsNone) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "WABA Journal", "")})));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.override_callback_uri, std::nullopt);
}

TEST(SubscriptionStateTest, OverrideOnAnotherAppDoesNotMakeOursOverridden) {
  const Interpretation got =
      Check(Answer(200, DataBody({Entry(kOtherApp, "Other", "https://elsewhere.example/hook"),
                                  Entry(kApp, "WABA Journal")})));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.override_callback_uri, std::nullopt);
}

TEST(SubscriptionStateTest, OnlyAnotherAppListedIsMissingAndListed) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kOtherApp, "Other")})));
  EXPECT_EQ(got.check.state, SubscriptionState::kMissing);
  EXPECT_EQ(got.check.our_app_present, false);
  ASSERT_TRUE(got.check.apps_json.has_value());
  const nlohmann::json apps = nlohmann::json::parse(*got.check.apps_json);
  ASSERT_TRUE(apps.is_array());
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0]["id"], kOtherApp);
  EXPECT_EQ(apps[0]["name"], "Other");
  EXPECT_EQ(apps[0]["link"], std::string("https://www.facebook.com/games/?app_id=") + kOtherApp);
  EXPECT_TRUE(apps[0]["override_callback_uri"].is_null());
}

TEST(SubscriptionStateTest, AppsJsonIsCompactWithMembersInDocumentedOrder) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "J", "https://x.example")})));
  EXPECT_EQ(got.check.apps_json,
            std::string(R"([{"id":")") + kApp +
                R"(","name":"J","link":"https://www.facebook.com/games/?app_id=)" + kApp +
                R"(","override_callback_uri":"https://x.example"}])");
}

TEST(SubscriptionStateTest, EmptyDataIsMissing) {
  const Interpretation got = Check(Answer(200, R"({"data":[]})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kMissing);
  EXPECT_EQ(got.check.our_app_present, false);
  EXPECT_EQ(got.check.apps_json, "[]");
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, EntriesLackingMembersAreListedWithNulls) {
  const Interpretation got =
      Check(Answer(200, R"({"data":[{},{"whatsapp_business_api_data":{"name":"N"}},7,null]})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kMissing);
  ASSERT_TRUE(got.check.apps_json.has_value());
  const nlohmann::json apps = nlohmann::json::parse(*got.check.apps_json);
  ASSERT_EQ(apps.size(), 4u);
  for (const auto& app : apps) {
    EXPECT_TRUE(app["id"].is_null());
    EXPECT_TRUE(app.contains("name"));
    EXPECT_TRUE(app.contains("link"));
    EXPECT_TRUE(app["override_callback_uri"].is_null());
  }
  EXPECT_EQ(apps[1]["name"], "N");
}

TEST(SubscriptionStateTest, NumericAppIdMatches) {
  const Interpretation got = Check(
      Answer(200, std::string(R"({"data":[{"whatsapp_business_api_data":{"id":)") + kApp + "}}]}"));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
}

TEST(SubscriptionStateTest, EmptyAppIdCountsAnyEntryAsOurs) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kOtherApp, "Other")})), "");
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.our_app_present, true);

  const Interpretation overridden =
      Check(Answer(200, DataBody({Entry(kOtherApp, "Other", "https://x.example/hook")})), "");
  EXPECT_EQ(overridden.check.state, SubscriptionState::kOverridden);
  EXPECT_EQ(overridden.check.override_callback_uri, "https://x.example/hook");

  const Interpretation empty = Check(Answer(200, R"({"data":[]})"), "");
  EXPECT_EQ(empty.check.state, SubscriptionState::kMissing);
}

TEST(SubscriptionStateTest, BusinessUseCaseLimitErrorIsRateLimitedForThisWaba) {
  const Interpretation got =
      Check(Answer(400,
                   GraphError(80008,
                              "There have been too many calls to this WhatsApp Business "
                              "account. Wait a bit and try again"),
                   BucUsage(100, 7)));
  EXPECT_EQ(got.check.state, SubscriptionState::kRateLimited);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_FALSE(got.throttle.app_wide);
  EXPECT_EQ(got.throttle.regain_after_minutes, 7);
  EXPECT_EQ(got.check.error_code, 80008);
  EXPECT_EQ(got.check.error_message,
            "There have been too many calls to this WhatsApp Business account. Wait a bit and "
            "try again");
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, BusinessUseCaseErrorWithoutHeaderPausesWithoutRegainTime) {
  const Interpretation got = Check(Answer(400, GraphError(80008)));
  EXPECT_EQ(got.check.state, SubscriptionState::kRateLimited);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_FALSE(got.throttle.app_wide);
  EXPECT_EQ(got.throttle.regain_after_minutes, std::nullopt);
}

TEST(SubscriptionStateTest, AppLevelErrorCodesPauseEveryWaba) {
  for (int code : {4, 17, 32, 613}) {
    SCOPED_TRACE(code);
    const Interpretation got = Check(Answer(400, GraphError(code, "Application request limit")));
    EXPECT_EQ(got.check.state, SubscriptionState::kRateLimited);
    EXPECT_TRUE(got.throttle.pause);
    EXPECT_TRUE(got.throttle.app_wide);
    EXPECT_EQ(got.check.error_code, code);
    EXPECT_EQ(got.check.error_message, "Application request limit");
  }
}

TEST(SubscriptionStateTest, ErrorCodeGivenAsStringIsRead) {
  const Interpretation got = Check(Answer(403, R"({"error":{"message":"m","code":"4"}})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kRateLimited);
  EXPECT_TRUE(got.throttle.app_wide);
  EXPECT_EQ(got.check.error_code, 4);
}

TEST(SubscriptionStateTest, HighUsageOnSuccessKeepsStateButPauses) {
  const Interpretation got =
      Check(Answer(200, DataBody({Entry(kApp, "WABA Journal")}), BucUsage(95, 12)));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_FALSE(got.throttle.app_wide);
  EXPECT_EQ(got.throttle.regain_after_minutes, 12);
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, HighUsageOnMissingKeepsMissing) {
  const Interpretation got = Check(Answer(200, R"({"data":[]})", BucUsage(90, 0)));
  EXPECT_EQ(got.check.state, SubscriptionState::kMissing);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_EQ(got.throttle.regain_after_minutes, std::nullopt);  // 0 says nothing
}

TEST(SubscriptionStateTest, AnyCounterOfAnyObjectAtNinetyPauses) {
  const std::string usage = R"({"1":[{"call_count":1,"total_cputime":2,"total_time":3}],)"
                            R"("2":[{"call_count":1,"total_cputime":2,"total_time":3},)"
                            R"({"call_count":1,"total_cputime":90,"total_time":3}]})";
  EXPECT_TRUE(Check(Answer(200, R"({"data":[]})", usage)).throttle.pause);
  const std::string total_time = R"({"1":[{"call_count":1,"total_cputime":2,"total_time":99}]})";
  EXPECT_TRUE(Check(Answer(200, R"({"data":[]})", total_time)).throttle.pause);
}

TEST(SubscriptionStateTest, UsageBelowNinetyDoesNotPause) {
  const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "WABA Journal")}),
                                          R"({"1":[{"call_count":89,"total_cputime":89.9,)"
                                          R"("total_time":10}]})",
                                          R"({"call_count":89,"total_time":1,"total_cputime":1})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_FALSE(got.throttle.pause);
  EXPECT_FALSE(got.throttle.app_wide);
}

TEST(SubscriptionStateTest, UsageNumbersGivenAsStringsAreRead) {
  const Interpretation got =
      Check(Answer(200, R"({"data":[]})",
                   R"({"1":[{"call_count":"95","estimated_time_to_regain_access":"3"}]})"));
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_EQ(got.throttle.regain_after_minutes, 3);
  const Interpretation app = Check(
      Answer(200, R"({"data":[]})", std::nullopt, R"({"call_count":"5","total_time":" 91 "})"));
  EXPECT_TRUE(app.throttle.pause);
  EXPECT_TRUE(app.throttle.app_wide);
}

TEST(SubscriptionStateTest, RegainTimeIsLargestOverEntries) {
  const std::string usage = R"({"1":[{"call_count":100,"estimated_time_to_regain_access":4},)"
                            R"({"call_count":1,"estimated_time_to_regain_access":19}],)"
                            R"("2":[{"call_count":1,"estimated_time_to_regain_access":11}]})";
  const Interpretation got = Check(Answer(400, GraphError(80008), usage));
  EXPECT_EQ(got.throttle.regain_after_minutes, 19);
}

TEST(SubscriptionStateTest, UsageObjectInsteadOfArrayIsTolerated) {
  const Interpretation got = Check(Answer(
      200, R"({"data":[]})", R"({"1":{"call_count":97,"estimated_time_to_regain_access":2}})"));
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_EQ(got.throttle.regain_after_minutes, 2);
}

TEST(SubscriptionStateTest, AppUsageAtNinetyPausesEveryWaba) {
  const Interpretation got =
      Check(Answer(200, DataBody({Entry(kApp, "WABA Journal")}), BucUsage(10, 0),
                   R"({"call_count":92,"total_time":10,"total_cputime":10})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_TRUE(got.throttle.app_wide);
}

TEST(SubscriptionStateTest, HighUsageOnErrorAnswerIsRateLimited) {
  const Interpretation got =
      Check(Answer(400, GraphError(100, "Invalid parameter"), BucUsage(100, 30)));
  EXPECT_EQ(got.check.state, SubscriptionState::kRateLimited);
  EXPECT_TRUE(got.throttle.pause);
  EXPECT_EQ(got.throttle.regain_after_minutes, 30);
  EXPECT_EQ(got.check.error_code, 100);
  EXPECT_EQ(got.check.error_message, "Invalid parameter");
}

TEST(SubscriptionStateTest, OtherClientErrorWithGraphBodyIsError) {
  const Interpretation got = Check(Answer(400, GraphError(100, "Unsupported get request.")));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_code, 100);
  EXPECT_EQ(got.check.error_message, "Unsupported get request.");
  EXPECT_FALSE(got.throttle.pause);
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, ServerErrorWithGraphBodyIsErrorRetriedSoon) {
  const Interpretation got = Check(Answer(500, GraphError(2, "An unexpected error has occurred.")));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_code, 2);
  EXPECT_EQ(got.check.error_message, "An unexpected error has occurred.");
  EXPECT_TRUE(got.retry_soon);
  EXPECT_FALSE(got.throttle.pause);
}

TEST(SubscriptionStateTest, ServerErrorWithoutGraphBodyIsErrorRetriedSoon) {
  const Interpretation got = Check(Answer(502, "<html>Bad Gateway</html>"));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_code, std::nullopt);
  EXPECT_EQ(got.check.error_message, "HTTP 502");
  EXPECT_TRUE(got.retry_soon);
}

TEST(SubscriptionStateTest, ClientErrorWithoutGraphBodyNamesTheStatus) {
  const Interpretation got = Check(Answer(404, ""));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_message, "HTTP 404");
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, TransportErrorIsErrorRetriedSoon) {
  GraphAnswer answer;
  answer.transport_error = "Timeout was reached";
  const Interpretation got = Check(answer);
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.http_status, std::nullopt);
  EXPECT_EQ(got.check.error_message, "Timeout was reached");
  EXPECT_EQ(got.check.error_code, std::nullopt);
  EXPECT_TRUE(got.retry_soon);
  EXPECT_FALSE(got.throttle.pause);
}

TEST(SubscriptionStateTest, TransportErrorWithoutTextStillHasMessage) {
  const Interpretation got = Check(GraphAnswer{});
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  ASSERT_TRUE(got.check.error_message.has_value());
  EXPECT_FALSE(got.check.error_message->empty());
  EXPECT_TRUE(got.retry_soon);
}

TEST(SubscriptionStateTest, SuccessWithInvalidJsonIsError) {
  const Interpretation got = Check(Answer(200, "{\"data\":[ oops"));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_message, "answer is not JSON");
  EXPECT_EQ(got.check.our_app_present, std::nullopt);
  EXPECT_EQ(got.check.apps_json, std::nullopt);
  EXPECT_TRUE(got.retry_soon);
}

TEST(SubscriptionStateTest, SuccessWithoutDataArrayIsError) {
  for (const char* body : {R"({"paging":{}})", R"({"data":{}})", R"({"data":null})", "[]", "3"}) {
    SCOPED_TRACE(body);
    const Interpretation got = Check(Answer(200, body));
    EXPECT_EQ(got.check.state, SubscriptionState::kError);
    EXPECT_EQ(got.check.error_message, R"(answer has no "data" array)");
    EXPECT_TRUE(got.retry_soon);
  }
}

TEST(SubscriptionStateTest, SuccessWithEmptyBodyIsError) {
  const Interpretation got = Check(Answer(200, ""));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_message, "empty answer");
}

TEST(SubscriptionStateTest, ResubscribeSuccessIsSubscribed) {
  const Interpretation got = InterpretSubscribedApps(kWaba, kApp, "resubscribe",
                                                     Answer(200, R"({"success": true})"), kNow);
  EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
  EXPECT_EQ(got.check.action, "resubscribe");
  EXPECT_EQ(got.check.error_message, std::nullopt);
  EXPECT_FALSE(got.retry_soon);
}

TEST(SubscriptionStateTest, ResubscribeAnsweredSuccessFalseIsError) {
  const Interpretation got = InterpretSubscribedApps(kWaba, kApp, "resubscribe",
                                                     Answer(200, R"({"success":false})"), kNow);
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_message, "resubscribe answered success false");
}

TEST(SubscriptionStateTest, ResubscribeUnexpectedBodyIsError) {
  const Interpretation got =
      InterpretSubscribedApps(kWaba, kApp, "resubscribe", Answer(200, R"({"ok":1})"), kNow);
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
  EXPECT_EQ(got.check.error_message, R"(answer is not {"success":true})");
  EXPECT_TRUE(got.retry_soon);
}

TEST(SubscriptionStateTest, ResubscribeFailureIsInterpretedAsAnyAnswer) {
  const Interpretation denied = InterpretSubscribedApps(
      kWaba, kApp, "resubscribe", Answer(403, GraphError(200, "Permissions error")), kNow);
  EXPECT_EQ(denied.check.state, SubscriptionState::kError);
  EXPECT_EQ(denied.check.error_code, 200);
  EXPECT_EQ(denied.check.error_message, "Permissions error");

  const Interpretation limited = InterpretSubscribedApps(
      kWaba, kApp, "resubscribe", Answer(400, GraphError(80008), BucUsage(100, 5)), kNow);
  EXPECT_EQ(limited.check.state, SubscriptionState::kRateLimited);
  EXPECT_EQ(limited.throttle.regain_after_minutes, 5);
}

TEST(SubscriptionStateTest, SuccessTrueOnPlainCheckIsNotSubscribed) {
  const Interpretation got = Check(Answer(200, R"({"success":true})"));
  EXPECT_EQ(got.check.state, SubscriptionState::kError);
}

TEST(SubscriptionStateTest, CopiesAnswerFactsIntoTheCheck) {
  const std::string usage = BucUsage(3, 0);
  const Interpretation got = InterpretSubscribedApps("waba-42", kApp, "check",
                                                     Answer(200, R"({"data":[]})", usage), 1234567);
  EXPECT_EQ(got.check.waba_id, "waba-42");
  EXPECT_EQ(got.check.checked_at_ms, 1234567);
  EXPECT_EQ(got.check.action, "check");
  EXPECT_EQ(got.check.http_status, 200);
  EXPECT_EQ(got.check.usage, usage);
  EXPECT_EQ(got.check.id, 0);
  EXPECT_EQ(got.check.paused_until_ms, std::nullopt);

  const Interpretation failed =
      InterpretSubscribedApps("waba-7", kApp, "resubscribe", Answer(503, ""), 99);
  EXPECT_EQ(failed.check.waba_id, "waba-7");
  EXPECT_EQ(failed.check.checked_at_ms, 99);
  EXPECT_EQ(failed.check.action, "resubscribe");
  EXPECT_EQ(failed.check.http_status, 503);
  EXPECT_EQ(failed.check.usage, std::nullopt);
}

TEST(SubscriptionStateTest, MalformedUsageHeaderIsIgnoredButKept) {
  for (const char* usage :
       {"not json", R"({"1":[{"call_count":)", "[95]", R"({"1":"95"})", R"({"1":[95,"x",null]})",
        R"({"1":[{"call_count":"lots","estimated_time_to_regain_access":"soon"}]})", ""}) {
    SCOPED_TRACE(usage);
    const Interpretation got = Check(Answer(200, DataBody({Entry(kApp, "WABA Journal")}), usage));
    EXPECT_EQ(got.check.state, SubscriptionState::kSubscribed);
    EXPECT_FALSE(got.throttle.pause);
    EXPECT_EQ(got.throttle.regain_after_minutes, std::nullopt);
    EXPECT_EQ(got.check.usage, usage);
  }
}

TEST(SubscriptionStateTest, HugeRegainTimeIsCapped) {
  const Interpretation got =
      Check(Answer(400, GraphError(80008), R"({"1":[{"estimated_time_to_regain_access":1e300}]})"));
  ASSERT_TRUE(got.throttle.regain_after_minutes.has_value());
  EXPECT_GT(*got.throttle.regain_after_minutes, 0);
  EXPECT_LE(*got.throttle.regain_after_minutes, 7 * 24 * 60);
}

TEST(SubscriptionStateTest, LongErrorMessageIsTruncated) {
  const std::string long_message(5000, 'x');
  const Interpretation got = Check(Answer(400, GraphError(100, long_message)));
  ASSERT_TRUE(got.check.error_message.has_value());
  EXPECT_LE(got.check.error_message->size(), 300u);
  EXPECT_GE(got.check.error_message->size(), 200u);

  GraphAnswer transport;
  transport.transport_error = std::string(1000, 'y');
  const Interpretation dropped = Check(transport);
  ASSERT_TRUE(dropped.check.error_message.has_value());
  EXPECT_LE(dropped.check.error_message->size(), 300u);
}

TEST(SubscriptionStateTest, TruncationKeepsUtf8Whole) {
  std::string message;
  while (message.size() < 600) message += "\xC3\xA9";  // é
  const Interpretation got = Check(Answer(400, GraphError(100, message)));
  ASSERT_TRUE(got.check.error_message.has_value());
  EXPECT_LE(got.check.error_message->size(), 300u);
  // Valid UTF-8 parses back as a JSON string.
  const nlohmann::json text = *got.check.error_message;
  EXPECT_NO_THROW((void)text.dump());
}

TEST(SubscriptionStateTest, MessageNeverCarriesAnAccessToken) {
  GraphAnswer answer;
  answer.transport_error =
      "failed GET https://graph.facebook.com/v21.0/1/subscribed_apps?access_token=EAAGsecret&x=1";
  const Interpretation got = Check(answer);
  ASSERT_TRUE(got.check.error_message.has_value());
  EXPECT_EQ(got.check.error_message->find("EAAGsecret"), std::string::npos);
}

TEST(SubscriptionStateTest, DeeplyNestedBodiesNeitherThrowNorOverflow) {
  const std::string open(50000, '['), close(50000, ']');
  const std::vector<std::string> bodies = {
      open,
      open + close,
      R"({"data":)" + open + close + "}",
      R"({"success":)" + open + close + "}",
      R"({"error":{"code":4,"message":)" + open + close + "}}",
  };
  for (const std::string& body : bodies) {
    for (const char* action : {"check", "resubscribe"}) {
      Interpretation got;
      ASSERT_NO_THROW(got = InterpretSubscribedApps(kWaba, kApp, action, Answer(200, body), kNow));
      EXPECT_NE(got.check.state, SubscriptionState::kSubscribed);
      ASSERT_TRUE(got.check.error_message.has_value() || got.check.apps_json.has_value());
    }
  }
  const Interpretation headers = Check(Answer(200, R"({"data":[]})", open + close, open + close));
  EXPECT_EQ(headers.check.state, SubscriptionState::kMissing);
  EXPECT_FALSE(headers.throttle.pause);
  const Interpretation wrapped = InterpretSubscribedApps(
      kWaba, kApp, "resubscribe", Answer(200, R"({"success":)" + open + close + "}"), kNow);
  EXPECT_EQ(wrapped.check.error_message, "resubscribe answered success array");
}

TEST(SubscriptionStateTest, NeverThrowsOnGarbage) {
  const std::vector<std::string> bodies = {
      "",
      "null",
      "{",
      "}}}",
      "[[[[",
      std::string("\xFF\xFE\x00garbage", 10),
      R"({"data":[null,1,"x",[],{"whatsapp_business_api_data":[]},)"
      R"({"whatsapp_business_api_data":{"id":{},"name":[],"link":1.5},"override_callback_uri":7}]})",
      R"({"data":[{"whatsapp_business_api_data":{"id":18446744073709551615}}]})",
      R"({"error":null})",
      R"({"error":{"code":"x","message":{}}})",
      R"({"error":{"code":1e400}})",
      R"({"error":{"code":-4.5,"message":""}})",
      R"({"error":{"code":99999999999999999999999}})",
      R"({"success":"true"})",
      R"({"success":{"deep":[1,2,3]}})",
      "\"just a string\"",
  };
  const std::vector<std::optional<std::string>> headers = {
      std::nullopt,
      "",
      "{}",
      "[]",
      "\xC3",
      R"({"1":[{"call_count":1e999,"estimated_time_to_regain_access":-5}]})",
      R"({"1":[{"call_count":"nan","estimated_time_to_regain_access":"inf"}]})",
      R"({"1":[{"call_count":null,"estimated_time_to_regain_access":9223372036854775807}]})",
      R"({"call_count":{"x":1},"total_time":[],"total_cputime":true})",
  };
  int interpreted = 0;
  for (const std::optional<int>& status : std::vector<std::optional<int>>{
           std::nullopt, 0, 100, 200, 204, 302, 400, 403, 429, 500, 503, 999, -1}) {
    for (const std::string& body : bodies) {
      for (const auto& header : headers) {
        for (const char* action : {"check", "resubscribe", ""}) {
          for (const char* app_id : {kApp, ""}) {
            GraphAnswer answer = Answer(status, body, header, header);
            answer.transport_error = status ? "" : body;
            Interpretation got;
            ASSERT_NO_THROW(got = InterpretSubscribedApps(kWaba, app_id, action, answer, kNow));
            // Whatever came, the check is one a journal can store.
            EXPECT_NE(got.check.state, SubscriptionState::kUnknown);
            if (got.check.error_message) {
              EXPECT_LE(got.check.error_message->size(), 300u);
            }
            if (got.check.apps_json) {
              EXPECT_FALSE(
                  nlohmann::json::parse(*got.check.apps_json, nullptr, false).is_discarded());
            }
            if (got.throttle.regain_after_minutes) {
              EXPECT_GT(*got.throttle.regain_after_minutes, 0);
            }
            if (got.check.state == SubscriptionState::kError ||
                got.check.state == SubscriptionState::kRateLimited) {
              EXPECT_TRUE(got.check.error_message.has_value());
            }
            ++interpreted;
          }
        }
      }
    }
  }
  EXPECT_EQ(interpreted, 13 * 16 * 9 * 3 * 2);
}

}  // namespace
}  // namespace wj::server
