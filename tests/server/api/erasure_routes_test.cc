// POST /api/v1/erasures and the erasure lists, over real HTTP against the real Service: who
// may erase, how requests are checked, what a customer erasure removes and what it keeps
// (other customers' values, account-level fields, lifecycles), the tombstone, redeliveries
// of erased content, and erasure by age.
#include "server/api/erasure_routes.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_client.h"
#include "server/util/time_format.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using nlohmann::json;
using testing::ApiAnswer;
using testing::ApiTest;
using testing::Change;
using testing::CreateToken;
using testing::InboundText;
using testing::StatusUpdate;

constexpr const char* kWabaA = "111111111111111";
constexpr const char* kWabaB = "222222222222222";
constexpr const char* kX = "16505551234";  // the customer erased (InboundText's and
                                           // StatusUpdate's customer)
constexpr const char* kY = "16505559876";  // another customer of the same WABA
constexpr const char* kReason = "GDPR request 2026-118";

std::string MessageItem(const std::string& wamid, const std::string& from,
                        const std::string& text) {
  return R"({"from":")" + from + R"(","id":")" + wamid +
         R"(","timestamp":"1749416383","type":"text","text":{"body":")" + text + R"("}})";
}

std::string Contact(const std::string& wa_id, const std::string& name) {
  return R"({"profile":{"name":")" + name + R"("},"wa_id":")" + wa_id + R"("})";
}

// A `messages` change value; `contacts` and `items` are comma-separated JSON objects.
std::string MessagesChange(const std::string& contacts, const std::string& items) {
  std::string value =
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"})";
  if (!contacts.empty()) value += R"(,"contacts":[)" + contacts + "]";
  value += R"(,"messages":[)" + items + "]}";
  return R"({"value":)" + value + R"(,"field":"messages"})";
}

// A delivery of one entry of `waba_id` holding `changes` (comma-separated change objects).
std::string Envelope(const std::string& waba_id, const std::string& changes) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":")" + waba_id +
         R"(","changes":[)" + changes + "]}]}";
}

std::vector<long long> Seqs(const json& page) {
  std::vector<long long> out;
  for (const json& e : page["events"]) out.push_back(e["seq"].get<long long>());
  return out;
}

// Now as RFC 3339 with milliseconds, a little after everything posted so far was received
// (received_before is exclusive, to the millisecond).
std::string JustNow() {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return FormatTimeMillis(UnixMillisNow());
}

const json& EventOf(const json& page, long long seq) {
  for (const json& e : page["events"]) {
    if (e["seq"] == seq) return e;
  }
  static const json kNone;
  ADD_FAILURE() << "no event " << seq << " in " << page.dump();
  return kNone;
}

// Wraps the real journal so that a test can make erasures fail on demand.
class FailingErasures final : public storage::JournalWriter {
 public:
  FailingErasures(std::unique_ptr<storage::JournalWriter> inner, std::atomic<bool>& fail)
      : inner_(std::move(inner)), fail_(fail) {}
  Status AppendBatch(const std::vector<const storage::DeliveryRecord*>& batch,
                     std::vector<storage::AppendedDelivery>* out) override {
    return inner_->AppendBatch(batch, out);
  }
  Status Prepare(storage::DeliveryRecord& delivery) const override {
    return inner_->Prepare(delivery);
  }
  storage::JournalStats Committed() const override { return inner_->Committed(); }
  Result<std::vector<storage::ErasureRecord>> Erase(
      const storage::ErasureRequest& request) override {
    if (fail_) return Status::Unavailable("injected erasure failure");
    return inner_->Erase(request);
  }
  void Maintain() override { inner_->Maintain(); }
  Status Checkpoint() override { return inner_->Checkpoint(); }

 private:
  std::unique_ptr<storage::JournalWriter> inner_;
  std::atomic<bool>& fail_;
};

class ErasureRoutesTest : public ApiTest {
 protected:
  ErasureRoutesTest() {
    admin_token_ = CreateToken(service_.config().db_path, storage::TokenScope::kAdmin, {}, "dpo");
  }

  ApiAnswer PostAs(const std::string& token, const std::string& path, const std::string& body) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    HttpClient client;
    auto r = client.Post(service_.ApiUrl(path), body, headers);
    if (!r.ok()) throw std::runtime_error(r.status().message());
    return {r->status, r->headers, r->body, json::parse(r->body, nullptr, false)};
  }
  ApiAnswer Erase(const json& body) {
    return PostAs(admin_token_, "/api/v1/erasures", body.dump());
  }

  // WABA A: customer X (to be erased) and customer Y, mixed in deliveries; WABA B: X again.
  //   seq 1  d1  A  Y's message y1
  //   seq 2  d2  A  X's message x2    (one delivery, two changes: values inside the body)
  //   seq 3  d2  A  Y's message y2
  //   seq 4  d3  A  X's message x3    (one change holding two messages, from X and Y)
  //   seq 5  d3  A  Y's message y3
  //   seq 6  d4  A  status "read" of our message wamid.out1 to X
  //   seq 7  d5  A  account_review_update
  //   seq 8  d6  B  X's message xb
  void Seed() {
    Post(Envelope(kWabaA,
                  MessagesChange(Contact(kY, "Yolanda"), MessageItem("wamid.y1", kY, "y one"))));
    Post(kMixedDelivery);
    Post(Envelope(kWabaA, MessagesChange("", MessageItem("wamid.x3", kX, "x secret three") + "," +
                                                 MessageItem("wamid.y3", kY, "y three"))));
    Post(StatusUpdate("wamid.out1", "read", 1749416500, kWabaA));
    Post(Change(kWabaA, "account_review_update", R"({"decision":"APPROVED"})", 1700000000));
    Post(InboundText("wamid.xb", "x in b", kWabaB));
  }

  // Erases X from WABA A (the number as people write it); fails the test unless it is 200.
  json EraseX() {
    auto r = Erase({{"waba_id", kWabaA}, {"wa_id", "+1 650-555-1234"}, {"reason", kReason}});
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }

  std::string admin_token_;
  const std::string kMixedDelivery = Envelope(
      kWabaA,
      MessagesChange(Contact(kX, "Xavier Secret"), MessageItem("wamid.x2", kX, "x secret two")) +
          "," + MessagesChange(Contact(kY, "Yolanda"), MessageItem("wamid.y2", kY, "y two")));
};

TEST_F(ErasureRoutesTest, OnlyAnAdminTokenMayErase) {
  Seed();
  const std::string body = json{{"waba_id", kWabaA}, {"wa_id", kX}, {"reason", kReason}}.dump();
  auto read = PostAs(read_token_, "/api/v1/erasures", body);
  EXPECT_EQ(read.status, 403);
  EXPECT_EQ(read.body["error"]["code"], "forbidden");
  const std::string replay = CreateToken(service_.config().db_path, storage::TokenScope::kReplay);
  EXPECT_EQ(PostAs(replay, "/api/v1/erasures", body).status, 403);
  EXPECT_EQ(PostAs("", "/api/v1/erasures", body).status, 401);
  // Nothing was erased; a read token may list erasures.
  auto list = Get("/api/v1/erasures");
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(list.body["erasures"], json::array());
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505551234").body),
            (std::vector<long long>{2, 4, 6, 8}));
}

TEST_F(ErasureRoutesTest, RejectsMalformedRequestsNamingTheProblem) {
  Seed();
  const std::string future_seconds = std::to_string(UnixMillisNow() / 1000 + 86400);
  const std::string long_reason(501, 'r');
  std::string long_utf8_reason;
  for (int i = 0; i < 501; ++i) long_utf8_reason += "\xc3\xa9";  // é
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "JSON object"},
      {"[]", "JSON object"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234"})", "'reason' is required"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":""})",
       "'reason' is required"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":"  "})",
       "'reason' is required"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":")" + long_reason + "\"}",
       "at most 500"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":")" + long_utf8_reason +
           "\"}",
       "at most 500"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":5})",
       "'reason' must be a string"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","reason":"r","dry_run":true})",
       "unknown member 'dry_run'"},
      {R"({"waba_id":111111111111111,"wa_id":"16505551234","reason":"r"})",
       "'waba_id' must be a string"},
      {R"({"waba_id":null,"wa_id":"16505551234","reason":"r"})", "'waba_id' must be a string"},
      {R"({"waba_id":"waba-1","wa_id":"16505551234","reason":"r"})", "numeric WABA id"},
      {R"({"wa_id":"16505551234","reason":"r"})", "'waba_id' is required"},
      {R"({"waba_id":"111111111111111","wa_id":16505551234,"reason":"r"})",
       "'wa_id' must be a string"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234x","reason":"r"})",
       "'wa_id' must be a phone number"},
      {R"({"waba_id":"111111111111111","wa_id":"1650+5551234","reason":"r"})",
       "'wa_id' must be a phone number"},
      {R"({"waba_id":"111111111111111","wa_id":"+ -","reason":"r"})", "'wa_id' holds no digit"},
      {R"({"waba_id":"111111111111111","wa_id":"","reason":"r"})", "'wa_id' holds no digit"},
      {R"({"waba_id":"111111111111111","wa_id":"16505551234","received_before":0,"reason":"r"})",
       "not both"},
      {R"({"waba_id":"111111111111111","reason":"r"})", "is required"},
      {R"({"received_before":"yesterday","reason":"r"})", "RFC 3339"},
      {R"({"received_before":true,"reason":"r"})", "'received_before' must be"},
      {R"({"received_before":1.5,"reason":"r"})", "'received_before' must be"},
      {R"({"received_before":-1,"reason":"r"})", "RFC 3339"},
      {R"({"received_before":)" + future_seconds + R"(,"reason":"r"})", "in the future"},
      {R"({"received_before":"2999-01-01T00:00:00Z","reason":"r"})", "in the future"},
  };
  for (const auto& [body, message] : cases) {
    auto r = PostAs(admin_token_, "/api/v1/erasures", body);
    EXPECT_EQ(r.status, 400) << body << " → " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "bad_parameter") << body;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find(message), std::string::npos)
        << body << " → " << r.raw;
  }
  auto query = PostAs(admin_token_, "/api/v1/erasures?dry_run=1",
                      json{{"waba_id", kWabaA}, {"wa_id", kX}, {"reason", kReason}}.dump());
  EXPECT_EQ(query.status, 400) << query.raw;
  // None of them erased anything.
  EXPECT_EQ(Get("/api/v1/erasures").body["erasures"], json::array());
  EXPECT_EQ(Get("/api/v1/events?field=erasure").body["events"], json::array());
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505551234").body),
            (std::vector<long long>{2, 4, 6, 8}));
}

TEST_F(ErasureRoutesTest, AnUnknownWabaIsNotFound) {
  Seed();
  auto customer = Erase({{"waba_id", "333333333333333"}, {"wa_id", kX}, {"reason", kReason}});
  EXPECT_EQ(customer.status, 404) << customer.raw;
  EXPECT_EQ(customer.body["error"]["code"], "not_found");
  EXPECT_EQ(customer.body["error"]["message"], "no event of WABA 333333333333333 is journaled");
  auto before =
      Erase({{"waba_id", "333333333333333"}, {"received_before", 946684800}, {"reason", kReason}});
  EXPECT_EQ(before.status, 404) << before.raw;
  EXPECT_EQ(before.body["error"]["message"], "no event of WABA 333333333333333 is journaled");
  EXPECT_EQ(Get("/api/v1/erasures").body["erasures"], json::array());
  EXPECT_EQ(Get("/api/v1/events?field=erasure").body["events"], json::array());
}

TEST_F(ErasureRoutesTest, AWabaLimitedAdminErasesOnlyInItsWabas) {
  Seed();
  const std::string limited =
      CreateToken(service_.config().db_path, storage::TokenScope::kAdmin, {kWabaA}, "dpo-a");
  // Another WABA is answered as an unknown one: the token learns nothing of it.
  auto other = PostAs(limited, "/api/v1/erasures",
                      json{{"waba_id", kWabaB}, {"wa_id", kX}, {"reason", kReason}}.dump());
  EXPECT_EQ(other.status, 404) << other.raw;
  EXPECT_EQ(other.body["error"]["message"],
            std::string("no event of WABA ") + kWabaB + " is journaled");
  auto other_before =
      PostAs(limited, "/api/v1/erasures",
             json{{"waba_id", kWabaB}, {"received_before", 946684800}, {"reason", kReason}}.dump());
  EXPECT_EQ(other_before.status, 404) << other_before.raw;
  EXPECT_EQ(Get("/api/v1/erasures").body["erasures"], json::array());

  // By age without a WABA: its WABAs only.
  auto all = PostAs(limited, "/api/v1/erasures",
                    json{{"received_before", JustNow()}, {"reason", "retention"}}.dump());
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["erasures"].size(), 1u) << all.raw;
  EXPECT_EQ(all.body["erasures"][0]["waba_id"], kWabaA);
  EXPECT_EQ(all.body["erasures"][0]["requested_by"], "dpo-a");
  auto b = Get(std::string("/api/v1/events?waba_id=") + kWabaB);
  ASSERT_EQ(b.body["events"].size(), 1u);
  EXPECT_EQ(b.body["events"][0]["value"]["messages"][0]["text"]["body"], "x in b");

  // A read token of WABA B sees no erasure of A, by list or by id.
  const std::string reader_b =
      CreateToken(service_.config().db_path, storage::TokenScope::kRead, {kWabaB});
  EXPECT_EQ(GetAs(reader_b, "/api/v1/erasures").body["erasures"], json::array());
  const long long id = all.body["erasures"][0]["id"];
  EXPECT_EQ(GetAs(reader_b, "/api/v1/erasures/" + std::to_string(id)).status, 404);
  EXPECT_EQ(GetAs(limited, "/api/v1/erasures/" + std::to_string(id)).status, 200);
}

TEST_F(ErasureRoutesTest, ErasesACustomerWithinOneWabaAndAnswersWhatWent) {
  Seed();
  const json erasure = EraseX();
  EXPECT_EQ(erasure["id"], 1);
  EXPECT_EQ(erasure["waba_id"], kWabaA);
  EXPECT_EQ(erasure["scope"], "customer");
  EXPECT_EQ(erasure["reason"], kReason);
  EXPECT_EQ(erasure["requested_by"], "dpo");
  EXPECT_EQ(erasure["requested_at"].get<std::string>().back(), 'Z');
  EXPECT_EQ(erasure["erased_at"].get<std::string>().size(), 24u);  // 2026-11-24T10:15:30.123Z
  EXPECT_TRUE(erasure["received_before"].is_null());
  EXPECT_EQ(erasure["events"], 3);      // x2, x3 and the status
  EXPECT_EQ(erasure["deliveries"], 3);  // d2, d3, d4
  EXPECT_EQ(erasure["first_seq"], 2);
  EXPECT_EQ(erasure["last_seq"], 6);
  EXPECT_EQ(erasure["root"].get<std::string>().size(), 64u);
  EXPECT_EQ(erasure["tombstone_seq"], 9);  // the tip: appended after the 8 events
  EXPECT_EQ(erasure.size(), 14u) << erasure.dump();

  // The customer no longer matches in that WABA; in WABA B, untouched, still.
  EXPECT_EQ(Seqs(Get(std::string("/api/v1/events?wa_id=16505551234&waba_id=") + kWabaA).body),
            std::vector<long long>{});
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505551234").body), std::vector<long long>{8});
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505559876").body), (std::vector<long long>{1, 3, 5}));

  auto a = Get(std::string("/api/v1/events?waba_id=") + kWabaA);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(Seqs(a.body), (std::vector<long long>{1, 2, 3, 4, 5, 6, 7, 9}));
  for (long long seq : {2, 4, 6}) {
    const json& e = EventOf(a.body, seq);
    EXPECT_TRUE(e["value"].is_null()) << e.dump();
    EXPECT_EQ(e["erased"], json({{"erasure_id", 1}})) << e.dump();
    EXPECT_TRUE(e["wamid"].is_null());
    EXPECT_TRUE(e["wa_id"].is_null());
  }
  // Metadata stays.
  EXPECT_EQ(EventOf(a.body, 2)["kind"], "message");
  EXPECT_EQ(EventOf(a.body, 6)["kind"], "status");
  EXPECT_EQ(EventOf(a.body, 6)["status"], "read");
  // Y's values stay, also those that shared a delivery (and its erased body) with X's.
  EXPECT_EQ(EventOf(a.body, 1)["value"]["messages"][0]["text"]["body"], "y one");
  EXPECT_EQ(EventOf(a.body, 3)["value"]["messages"][0]["text"]["body"], "y two");
  EXPECT_EQ(EventOf(a.body, 3)["value"]["contacts"][0]["wa_id"], kY);
  EXPECT_EQ(EventOf(a.body, 5)["value"]["messages"][0]["text"]["body"], "y three");
  EXPECT_EQ(EventOf(a.body, 5)["wa_id"], kY);
  for (long long seq : {1, 3, 5, 7}) EXPECT_TRUE(EventOf(a.body, seq)["erased"].is_null());
  EXPECT_EQ(EventOf(a.body, 7)["value"]["decision"], "APPROVED");
  // Nothing of X is left in what the API shows of WABA A.
  for (const char* gone : {"x secret", "Xavier", "16505551234", "wamid.x2", "wamid.x3"}) {
    EXPECT_EQ(a.raw.find(gone), std::string::npos) << gone;
  }

  auto one = Get("/api/v1/events/4");
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(one.body["value"].is_null());
  EXPECT_EQ(one.body["erased"]["erasure_id"], 1);
}

TEST_F(ErasureRoutesTest, LeavesATombstoneInTheEventsAndTheAudit) {
  Seed();
  const json erasure = EraseX();
  auto tombstones = Get("/api/v1/events?field=erasure");
  ASSERT_EQ(tombstones.status, 200);
  ASSERT_EQ(Seqs(tombstones.body), std::vector<long long>{9});
  const json& t = tombstones.body["events"][0];
  EXPECT_EQ(t["waba_id"], kWabaA);
  EXPECT_TRUE(t["delivery_id"].is_null());
  EXPECT_TRUE(t["erased"].is_null());
  const json& v = t["value"];
  EXPECT_EQ(v["erasure_id"], 1);
  EXPECT_EQ(v["scope"], "customer");
  EXPECT_EQ(v["reason"], kReason);
  EXPECT_EQ(v["requested_by"], "dpo");
  EXPECT_EQ(v["events"], 3);
  EXPECT_EQ(v["deliveries"], 3);
  EXPECT_EQ(v["first_seq"], 2);
  EXPECT_EQ(v["last_seq"], 6);
  EXPECT_EQ(v["root"], erasure["root"]);
  EXPECT_EQ(v["erased_at"], erasure["erased_at"]);
  for (const char* never : {"16505551234", "Xavier", "x secret", "wamid."}) {
    EXPECT_EQ(tombstones.raw.find(never), std::string::npos) << never;
  }

  auto audit = Get(std::string("/api/v1/wabas/") + kWabaA + "/audit");
  ASSERT_EQ(audit.status, 200) << audit.raw;
  bool found = false;
  for (const json& item : audit.body["items"]) {
    if (item["field"] != "erasure") continue;
    found = true;
    EXPECT_EQ(item["seq"], 9);
    EXPECT_EQ(item["value"]["erasure_id"], 1);
    EXPECT_EQ(item["summary"].get<std::string>().rfind("Customer's content erased: 3 events", 0),
              0u)
        << item["summary"];
  }
  EXPECT_TRUE(found) << audit.raw;
  auto b = Get(std::string("/api/v1/wabas/") + kWabaB + "/audit?field=erasure");
  EXPECT_EQ(b.body["items"], json::array());
}

TEST_F(ErasureRoutesTest, AnErasedOutboundMessageKeepsItsStatus) {
  Seed();
  EraseX();
  auto m = Get("/api/v1/messages/wamid.out1");
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_EQ(m.body["status"], "read");
  EXPECT_EQ(m.body["direction"], "outbound");
  EXPECT_EQ(m.body["waba_id"], kWabaA);
  ASSERT_EQ(m.body["events"].size(), 1u);
  EXPECT_TRUE(m.body["events"][0]["value"].is_null());
  EXPECT_EQ(m.body["events"][0]["erased"]["erasure_id"], 1);
}

TEST_F(ErasureRoutesTest, AnErasedDeliveryShowsNoBodyAndItsRawBytesAreGone) {
  Seed();
  EraseX();
  auto d = Get("/api/v1/deliveries/2");
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_TRUE(d.body["body"].is_null());
  EXPECT_TRUE(d.body["signature"].is_null());
  EXPECT_TRUE(d.body["signature_verifies"].is_null());
  EXPECT_EQ(d.body["erased"]["erasure_id"], 1);
  EXPECT_EQ(d.body["event_seqs"], json({2, 3}));
  auto raw = Get("/api/v1/deliveries/2/raw");
  EXPECT_EQ(raw.status, 410) << raw.raw;
  EXPECT_EQ(raw.body["error"]["code"], "erased");
  // A delivery of Y alone keeps its bytes, still verifiable.
  auto kept = Get("/api/v1/deliveries/1");
  ASSERT_EQ(kept.status, 200);
  EXPECT_NE(kept.body["body"].get<std::string>().find("y one"), std::string::npos);
  EXPECT_EQ(kept.body["signature_verifies"], true);
  EXPECT_TRUE(kept.body["erased"].is_null());
  EXPECT_EQ(Get("/api/v1/deliveries/1/raw").status, 200);
}

TEST_F(ErasureRoutesTest, ARedeliveryOfErasedContentIsAcknowledgedAndKeptWithoutIt) {
  Seed();
  EraseX();
  auto again = service_.PostSigned(kMixedDelivery);  // Meta retries the very same bytes
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["duplicates"], 2);
  auto all = Get("/api/v1/events?include_duplicates=true&after=9");
  ASSERT_EQ(Seqs(all.body), (std::vector<long long>{10, 11}));
  const json& x = EventOf(all.body, 10);
  EXPECT_EQ(x["duplicate_of"], 2);
  EXPECT_TRUE(x["value"].is_null());
  EXPECT_EQ(x["erased"]["erasure_id"], 1);
  const json& y = EventOf(all.body, 11);
  EXPECT_EQ(y["duplicate_of"], 3);
  EXPECT_EQ(y["value"]["messages"][0]["text"]["body"], "y two");
  // The redelivered body holds X's message: it is not kept either.
  auto d = Get("/api/v1/deliveries/7");
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_TRUE(d.body["body"].is_null());
  EXPECT_EQ(d.body["erased"]["erasure_id"], 1);
  EXPECT_EQ(Get("/api/v1/deliveries/7/raw").status, 410);
  EXPECT_EQ(Seqs(Get(std::string("/api/v1/events?include_duplicates=true&wa_id=16505551234"
                                 "&waba_id=") +
                     kWabaA)
                     .body),
            std::vector<long long>{});
}

TEST_F(ErasureRoutesTest, ListsErasuresNewestFirstAndOneById) {
  Seed();
  const json first = EraseX();
  auto second = Erase({{"waba_id", kWabaB}, {"wa_id", kX}, {"reason", "second request"}});
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["id"], 2);
  EXPECT_EQ(second.body["events"], 1);
  EXPECT_EQ(second.body["tombstone_seq"], 10);

  auto list = Get("/api/v1/erasures");
  ASSERT_EQ(list.status, 200) << list.raw;
  ASSERT_EQ(list.body["erasures"].size(), 2u);
  EXPECT_EQ(list.body["erasures"][0], second.body);
  EXPECT_EQ(list.body["erasures"][1], first);
  auto limited = Get("/api/v1/erasures?limit=1");
  ASSERT_EQ(limited.body["erasures"].size(), 1u);
  EXPECT_EQ(limited.body["erasures"][0]["id"], 2);

  auto one = Get("/api/v1/erasures/1");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body, first);
  EXPECT_EQ(Get("/api/v1/erasures/3").status, 404);
  EXPECT_EQ(Get("/api/v1/erasures/3").body["error"]["code"], "not_found");
  EXPECT_EQ(Get("/api/v1/erasures/abc").status, 400);
  EXPECT_EQ(Get("/api/v1/erasures?limit=0").status, 400);
  EXPECT_EQ(Get("/api/v1/erasures?limit=1001").status, 400);
  EXPECT_EQ(Get("/api/v1/erasures?waba_id=1").status, 400);
  EXPECT_EQ(GetAs("", "/api/v1/erasures").status, 401);
}

TEST_F(ErasureRoutesTest, ACustomerUnknownInTheWabaIsStillRecorded) {
  Seed();
  auto r = Erase({{"waba_id", kWabaA}, {"wa_id", "4915112345678"}, {"reason", kReason}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["events"], 0);
  EXPECT_EQ(r.body["deliveries"], 0);
  EXPECT_TRUE(r.body["first_seq"].is_null());
  EXPECT_TRUE(r.body["last_seq"].is_null());
  EXPECT_EQ(r.body["tombstone_seq"], 9);
  EXPECT_EQ(Seqs(Get("/api/v1/events?wa_id=16505551234").body),
            (std::vector<long long>{2, 4, 6, 8}));
}

TEST_F(ErasureRoutesTest, ErasingByAgeInEveryWabaLeavesAccountLevelFieldsAlone) {
  Seed();
  auto r = Erase({{"received_before", JustNow()}, {"reason", "retention"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body.size(), 1u) << r.raw;
  const json& list = r.body["erasures"];
  ASSERT_EQ(list.size(), 2u) << r.raw;
  EXPECT_EQ(list[0]["waba_id"], kWabaA);
  EXPECT_EQ(list[0]["scope"], "before");
  EXPECT_EQ(list[0]["events"], 6);      // every messages event of A
  EXPECT_EQ(list[0]["deliveries"], 4);  // d1..d4
  EXPECT_EQ(list[0]["first_seq"], 1);
  EXPECT_EQ(list[0]["last_seq"], 6);
  EXPECT_EQ(list[0]["received_before"].get<std::string>().size(), 24u);
  EXPECT_EQ(list[1]["waba_id"], kWabaB);
  EXPECT_EQ(list[1]["events"], 1);
  EXPECT_EQ(list[1]["first_seq"], 8);
  EXPECT_EQ(list[0]["tombstone_seq"], 9);
  EXPECT_EQ(list[1]["tombstone_seq"], 10);

  auto all = Get("/api/v1/events");
  ASSERT_EQ(Seqs(all.body), (std::vector<long long>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  for (long long seq : {1, 2, 3, 4, 5, 6, 8}) {
    EXPECT_TRUE(EventOf(all.body, seq)["value"].is_null()) << seq;
  }
  const json& review = EventOf(all.body, 7);
  EXPECT_TRUE(review["erased"].is_null());
  EXPECT_EQ(review["value"]["decision"], "APPROVED");
  EXPECT_EQ(Get("/api/v1/deliveries/5").body["signature_verifies"], true);  // the review's

  // Again: nothing is left to erase, and no WABA records an empty erasure.
  auto again = Erase({{"received_before", JustNow()}, {"reason", "retention"}});
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["erasures"], json::array());
}

TEST_F(ErasureRoutesTest, ErasingByAgeInOneWabaAnswersOneErasureEvenOfNothing) {
  Seed();
  auto r = Erase({{"waba_id", kWabaA}, {"received_before", 946684800}, {"reason", "old"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["scope"], "before");
  EXPECT_EQ(r.body["waba_id"], kWabaA);
  EXPECT_EQ(r.body["received_before"], "2000-01-01T00:00:00.000Z");
  EXPECT_EQ(r.body["events"], 0);
  EXPECT_TRUE(r.body["first_seq"].is_null());
  EXPECT_EQ(r.body["tombstone_seq"], 9);
  EXPECT_EQ(Get("/api/v1/events?field=erasure").body["events"].size(), 1u);
}

TEST(ErasureRoutesFailureTest, AnErasureTheJournalCannotCarryOutAnswers503WithRetryAfter) {
  testing::TempDir dir;
  std::atomic<bool> fail = true;
  testing::TestService service(testing::TestConfig(dir), [&](auto inner) {
    return std::make_unique<FailingErasures>(std::move(inner), fail);
  });
  ASSERT_EQ(service.PostSigned(InboundText("wamid.F", "hi", kWabaA)).status, 200);
  const std::string admin =
      CreateToken(service.config().db_path, storage::TokenScope::kAdmin, {}, "dpo");
  const std::string body = json{{"waba_id", kWabaA}, {"wa_id", kX}, {"reason", kReason}}.dump();
  const std::vector<std::string> headers = {"Content-Type: application/json",
                                            "Authorization: Bearer " + admin};
  HttpClient client;
  auto failed = client.Post(service.ApiUrl("/api/v1/erasures"), body, headers);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, 503) << failed->body;
  EXPECT_NE(failed->headers.find("Retry-After: 5"), std::string::npos) << failed->headers;
  EXPECT_EQ(json::parse(failed->body)["error"]["code"], "unavailable");
  fail = false;
  auto done = client.Post(service.ApiUrl("/api/v1/erasures"), body, headers);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, 200) << done->body;
  EXPECT_EQ(json::parse(done->body)["events"], 1);
}

}  // namespace
}  // namespace wj::server
