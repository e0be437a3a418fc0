#include "server/api/event_routes.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/meta/signature.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using nlohmann::json;
using testing::ApiTest;
using testing::Change;
using testing::InboundText;
using testing::Reaction;
using testing::StatusUpdate;

constexpr const char* kWabaA = "111111111111111";
constexpr const char* kWabaB = "222222222222222";

std::vector<long long> Seqs(const json& page) {
  std::vector<long long> out;
  for (const json& e : page["events"]) out.push_back(e["seq"].get<long long>());
  return out;
}

class EventRoutesTest : public ApiTest {
 protected:
  // Two WABAs, three fields, one redelivery:
  //   seq 1 A messages m1 · 2 A account_review_update · 3 B messages m2 ·
  //   4 A messages m1 (duplicate of 1) · 5 B message_template_status_update · 6 A messages m3
  void Seed() {
    Post(InboundText("wamid.m1", "hi", kWabaA));
    Post(Change(kWabaA, "account_review_update", R"({"decision":"REJECTED"})", 1700000000));
    Post(InboundText("wamid.m2", "hello", kWabaB));
    Post(InboundText("wamid.m1", "hi", kWabaA));
    Post(Change(
        kWabaB, "message_template_status_update",
        R"({"event":"APPROVED","message_template_id":1689556908129832,"message_template_name":"welcome","message_template_language":"en_US","reason":"NONE"})",
        1700000100));
    Post(InboundText("wamid.m3", "third", kWabaA));
  }
};

TEST_F(EventRoutesTest, ListsTheDeduplicatedViewInSeqOrder) {
  Seed();
  auto r = Get("/api/v1/events");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Seqs(r.body), (std::vector<long long>{1, 2, 3, 5, 6}));
  EXPECT_TRUE(r.body["next_after"].is_null());
  const json& first = r.body["events"][0];
  EXPECT_EQ(first["waba_id"], kWabaA);
  EXPECT_EQ(first["field"], "messages");
  EXPECT_EQ(first["delivery_id"], 1);
  EXPECT_EQ(first["dedup_digest"].get<std::string>().size(), 48u);  // hex: wamid's 16 + 8 bytes
  EXPECT_EQ(first["kind"], "message");
  EXPECT_EQ(first["wa_id"], "16505551234");
  EXPECT_EQ(first["subject_ids"].size(), 1u);
  EXPECT_TRUE(first["erased"].is_null());
  EXPECT_TRUE(first["duplicate_of"].is_null());
  EXPECT_TRUE(first["event_time"].is_null());
  EXPECT_EQ(first["wamid"], "wamid.m1");
  EXPECT_EQ(first["value"]["messages"][0]["text"]["body"], "hi");
  EXPECT_EQ(r.body["events"][1]["event_time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(first["received_at"].get<std::string>().back(), 'Z');
}

TEST_F(EventRoutesTest, IncludesDuplicatesWhenAsked) {
  Seed();
  auto r = Get("/api/v1/events?include_duplicates=true");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Seqs(r.body), (std::vector<long long>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(r.body["events"][3]["duplicate_of"], 1);
}

TEST_F(EventRoutesTest, FiltersByWabaAndField) {
  Seed();
  EXPECT_EQ(Seqs(Get(std::string("/api/v1/events?waba_id=") + kWabaA).body),
            (std::vector<long long>{1, 2, 6}));
  EXPECT_EQ(Seqs(Get("/api/v1/events?field=messages").body), (std::vector<long long>{1, 3, 6}));
  EXPECT_EQ(Seqs(Get(std::string("/api/v1/events?field=messages&waba_id=") + kWabaB).body),
            (std::vector<long long>{3}));
  EXPECT_EQ(Seqs(Get(std::string("/api/v1/events?waba_id=") + kWabaA + "&waba_id=" + kWabaB +
                     "&field=account_review_update&field=message_template_status_update")
                     .body),
            (std::vector<long long>{2, 5}));
}

TEST_F(EventRoutesTest, FiltersByWamidAndCustomer) {
  Seed();
  EXPECT_EQ(Seqs(Get("/api/v1/events?wamid=wamid.m3").body), (std::vector<long long>{6}));
  EXPECT_EQ(Seqs(Get("/api/v1/events?wamid=wamid.m1&include_duplicates=true").body),
            (std::vector<long long>{1, 4}));
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505551234").body), (std::vector<long long>{1, 3, 6}));
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=0000").body), (std::vector<long long>{}));
}

TEST_F(EventRoutesTest, FiltersByReceivedTime) {
  Seed();
  EXPECT_EQ(Seqs(Get("/api/v1/events?since=2000-01-01T00:00:00Z").body).size(), 5u);
  EXPECT_EQ(Seqs(Get("/api/v1/events?until=946684800").body).size(), 0u);
  EXPECT_EQ(Seqs(Get("/api/v1/events?since=2999-01-01T00:00:00%2B02:00").body).size(), 0u);
  EXPECT_EQ(Seqs(Get("/api/v1/events?since=946684800&until=32503680000&field=messages").body),
            (std::vector<long long>{1, 3, 6}));
}

TEST_F(EventRoutesTest, PagesWithAfterInBothOrders) {
  Seed();
  auto p1 = Get("/api/v1/events?limit=2");
  EXPECT_EQ(Seqs(p1.body), (std::vector<long long>{1, 2}));
  ASSERT_EQ(p1.body["next_after"], 2);
  auto p2 = Get("/api/v1/events?limit=2&after=2");
  EXPECT_EQ(Seqs(p2.body), (std::vector<long long>{3, 5}));
  auto p3 = Get("/api/v1/events?limit=2&after=5");
  EXPECT_EQ(Seqs(p3.body), (std::vector<long long>{6}));
  EXPECT_TRUE(p3.body["next_after"].is_null());

  auto d1 = Get("/api/v1/events?order=desc&limit=3");
  EXPECT_EQ(Seqs(d1.body), (std::vector<long long>{6, 5, 3}));
  ASSERT_EQ(d1.body["next_after"], 3);
  EXPECT_EQ(Seqs(Get("/api/v1/events?order=desc&after=3").body), (std::vector<long long>{2, 1}));
}

TEST_F(EventRoutesTest, PagingIsStableWhileEventsArrive) {
  constexpr int kBefore = 120;
  constexpr int kDuring = 200;
  for (int i = 0; i < kBefore; ++i) Post(InboundText("wamid.before" + std::to_string(i)));
  std::atomic<bool> failed = false;
  std::thread writer([&] {
    HttpClient client;
    for (int i = 0; i < kDuring; ++i) {
      const std::string body = InboundText("wamid.during" + std::to_string(i));
      auto r = client.Post(service_.Url("/webhook"), body,
                           {"X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)});
      if (!r.ok() || r->status != 200) failed = true;
    }
  });
  std::vector<long long> seen;
  std::string after = "0";
  // Page until the writer is done and the last page is empty.
  bool writer_done = false;
  while (true) {
    auto page = Get("/api/v1/events?limit=7&after=" + after);
    ASSERT_EQ(page.status, 200);
    for (long long s : Seqs(page.body)) seen.push_back(s);
    if (!seen.empty()) after = std::to_string(seen.back());
    if (page.body["next_after"].is_null()) {
      if (writer_done) break;
      if (!writer.joinable()) break;
      writer.join();
      writer_done = true;
    }
  }
  if (writer.joinable()) writer.join();
  ASSERT_FALSE(failed.load());
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kBefore + kDuring));
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<long long>(i + 1));
}

TEST_F(EventRoutesTest, ValueIsTheExactTextMetaSent) {
  // Escapes, spacing and key order as received; a re-serialisation would change all three.
  const std::string value =
      R"({"z": 1,  "a": "caf\u00e9 \/ ok", "n": 1.50, "big": 12345678901234567890123})";
  Post(Change(kWabaA, "security", value, 1700000000));
  auto r = Get("/api/v1/events");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_NE(r.raw.find(R"("value":)" + value + "}"), std::string::npos) << r.raw;
}

TEST_F(EventRoutesTest, ShowsOneEventWithItsRedeliveries) {
  Seed();
  auto r = Get("/api/v1/events/1");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["seq"], 1);
  ASSERT_EQ(r.body["duplicates"].size(), 1u);
  EXPECT_EQ(r.body["duplicates"][0]["seq"], 4);
  EXPECT_EQ(r.body["duplicates"][0]["delivery_id"], 4);
  auto dup = Get("/api/v1/events/4");
  EXPECT_EQ(dup.body["duplicate_of"], 1);
  EXPECT_EQ(dup.body["duplicates"].size(), 0u);  // itself excluded
  EXPECT_EQ(Get("/api/v1/events/99").status, 404);
  EXPECT_EQ(Get("/api/v1/events/99").body["error"]["code"], "not_found");
}

TEST_F(EventRoutesTest, ShowsTheRawDeliveryAndThatItsSignatureVerifies) {
  const std::string body = InboundText("wamid.raw", "caf\\u00e9", kWabaA);
  Post(body);
  auto r = Get("/api/v1/deliveries/1");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["body"], body);
  EXPECT_EQ(r.body["body_encoding"], "utf-8");
  EXPECT_EQ(r.body["signature"], SignBody(testing::kTestSecret, body));
  EXPECT_EQ(r.body["signature_verifies"], true);
  EXPECT_EQ(r.body["event_seqs"], json::array({1}));
  EXPECT_TRUE(r.body["parse_error"].is_null());
  EXPECT_EQ(r.body["peer"].get<std::string>().rfind("127.0.0.1", 0), 0u);

  auto raw = Get("/api/v1/deliveries/1/raw");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.raw, body);
  EXPECT_NE(raw.headers.find("X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)),
            std::string::npos)
      << raw.headers;
  EXPECT_EQ(Get("/api/v1/deliveries/2").status, 404);
  EXPECT_EQ(Get("/api/v1/deliveries/2/raw").status, 404);
}

TEST_F(EventRoutesTest, ReportsASignatureThatNoLongerVerifiesWithTheConfiguredSecrets) {
  Post(InboundText("wamid.rotated"));
  service_.service().Stop();
  ServeConfig rotated = service_.config();
  rotated.app_secrets = {"a-different-secret"};
  testing::TestService restarted(rotated);
  auto r = restarted.Get("/api/v1/deliveries/1", {"Authorization: Bearer " + read_token_});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["signature_verifies"], false);
}

TEST_F(EventRoutesTest, ShowsANonUtf8BodyAsBase64) {
  const std::string body = "\xff\xfe not json";
  Post(body);
  auto r = Get("/api/v1/deliveries/1");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["body_encoding"], "base64");
  EXPECT_EQ(r.body["body"], "//4gbm90IGpzb24=");
  EXPECT_FALSE(r.body["parse_error"].is_null());
  EXPECT_EQ(r.body["event_seqs"], json::array());
}

TEST_F(EventRoutesTest, LifecycleMovesOnlyForwardWhateverTheArrivalOrder) {
  Post(StatusUpdate("wamid.out", "read", 1700000300, kWabaA));
  Post(StatusUpdate("wamid.out", "sent", 1700000100, kWabaA));
  Post(StatusUpdate("wamid.out", "delivered", 1700000200, kWabaA));
  Post(StatusUpdate("wamid.out", "delivered", 1700000200, kWabaA));  // a redelivery
  auto r = Get("/api/v1/messages/wamid.out");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["direction"], "outbound");
  EXPECT_EQ(r.body["status"], "read");
  EXPECT_EQ(r.body["status_at"], "2023-11-14T22:18:20Z");
  EXPECT_EQ(r.body["waba_id"], kWabaA);
  ASSERT_EQ(r.body["events"].size(), 3u);
  EXPECT_EQ(r.body["events"][0]["value"]["statuses"][0]["status"], "read");
  EXPECT_EQ(Get("/api/v1/messages/wamid.out?include_duplicates=true").body["events"].size(), 4u);
}

TEST_F(EventRoutesTest, LifecycleKeepsFailedAsFinal) {
  Post(StatusUpdate("wamid.f", "sent", 1700000100, kWabaA));
  Post(StatusUpdate(
      "wamid.f", "failed", 1700000150, kWabaA,
      R"(,"errors":[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement."}])"));
  Post(StatusUpdate("wamid.f", "delivered", 1700000200, kWabaA));
  auto r = Get("/api/v1/messages/wamid.f");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["status"], "failed");
  ASSERT_EQ(r.body["errors"].size(), 1u);
  EXPECT_EQ(r.body["errors"][0]["code"], 131049);
  EXPECT_NE(r.body["errors"][0]["title"].get<std::string>().find("not delivered"),
            std::string::npos);
}

TEST_F(EventRoutesTest, LifecycleOfAnInboundMessageIncludesReactionsToIt) {
  Post(InboundText("wamid.in", "hello", kWabaA));
  Post(Reaction("wamid.reaction", "wamid.in", kWabaA));
  Post(InboundText("wamid.other", "unrelated", kWabaA));
  auto r = Get("/api/v1/messages/wamid.in");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["direction"], "inbound");
  EXPECT_EQ(r.body["status"], "received");
  ASSERT_EQ(r.body["events"].size(), 2u);
  EXPECT_EQ(r.body["events"][1]["value"]["messages"][0]["type"], "reaction");
  EXPECT_EQ(Get("/api/v1/messages/wamid.unknown").status, 404);
}

TEST_F(EventRoutesTest, RejectsBadParametersNamingThem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/events?limit=0", "limit"},
      {"/api/v1/events?limit=1001", "limit"},
      {"/api/v1/events?limit=ten", "limit"},
      {"/api/v1/events?limit=1&limit=2", "limit"},
      {"/api/v1/events?order=up", "order"},
      {"/api/v1/events?since=yesterday", "since"},
      {"/api/v1/events?until=2026-13-01T00:00:00Z", "until"},
      {"/api/v1/events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since"},
      {"/api/v1/events?after=-1", "after"},
      {"/api/v1/events?include_duplicates=maybe", "include_duplicates"},
      {"/api/v1/events?waba_id=", "waba_id"},
      {"/api/v1/events?feild=messages", "feild"},
      {"/api/v1/events/abc", "seq"},
      {"/api/v1/events/0", "seq"},
      {"/api/v1/deliveries/-3", "id"},
      {"/api/v1/messages/wamid.x?include_duplicates=2", "include_duplicates"},
      {"/api/v1/events?since=%zz", "query"},
  };
  for (const auto& [path, name] : cases) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.body["error"]["code"], "bad_parameter") << path << " " << r.raw;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find(name), std::string::npos)
        << path << " " << r.raw;
  }
}

TEST_F(EventRoutesTest, AnswersUnknownApiPathsWithJson404) {
  auto r = Get("/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"]["code"], "not_found");
  auto method = service_.PostWithHeaders("{}", {});  // POST /webhook unsigned: still 401
  EXPECT_EQ(method.status, 401);
}

}  // namespace
}  // namespace wj::server
