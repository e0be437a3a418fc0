#include "server/forwarding/forward_request.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/meta/envelope_parser.h"
#include "server/meta/sample_deliveries.h"
#include "server/meta/signature.h"

namespace wj::server {
namespace {

std::string HeaderValue(const ForwardRequest& r, const std::string& name) {
  for (const std::string& h : r.headers) {
    if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
  }
  return {};
}

storage::StoredEvent FromRecord(const storage::EventRecord& r, std::int64_t seq) {
  storage::StoredEvent e;
  e.seq = seq;
  e.object = r.object;
  e.waba_id = r.waba_id;
  e.field = r.field;
  e.event_time = r.event_time;
  e.received_at_ms = 1'700'000'000'123;
  e.value = r.value;
  return e;
}

const Destination kCrm{"crm", "https://crm.example.com/", "dest-secret", ForwardMode::kResign, {},
                       {}};

// A consumer written for Meta's webhooks verifies the signature with its secret and parses
// the envelope: every sample event, resigned, must pass both and mean the same event.
TEST(ForwardRequestTest, ResignedEventsOfEverySampleVerifyAndParseAsTheSameEvent) {
  int checked = 0;
  for (const EmbeddedFile& sample : SampleFiles()) {
    if (!sample.path.ends_with(".json")) continue;
    const ParsedBody parsed = ParseDeliveryBody(sample.content);
    for (const storage::EventRecord& record : parsed.events) {
      const storage::StoredEvent event = FromRecord(record, 42);
      const ForwardRequest r = ResignedRequest(kCrm, event, *event.value, std::nullopt);
      EXPECT_EQ(
          SignatureVerifier({"dest-secret"}).Verify(HeaderValue(r, "X-Hub-Signature-256"), r.body),
          SignatureCheck::kValid)
          << sample.path;
      const ParsedBody again = ParseDeliveryBody(r.body);
      ASSERT_FALSE(again.error) << sample.path << ": " << *again.error;
      ASSERT_EQ(again.events.size(), 1u) << sample.path;
      EXPECT_EQ(again.events[0].waba_id, record.waba_id);
      EXPECT_EQ(again.events[0].field, record.field);
      EXPECT_EQ(again.events[0].value, record.value) << sample.path;  // the exact bytes
      if (!record.dedup_key.starts_with("sha256:")) {
        EXPECT_EQ(again.events[0].dedup_key, record.dedup_key) << sample.path;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 80);
}

TEST(ForwardRequestTest, ResignedEnvelopeHasMetasShapeAndJournalHeaders) {
  storage::StoredEvent e;
  e.seq = 7;
  e.object = "whatsapp_business_account";
  e.waba_id = "102290129340398";
  e.field = "account_review_update";
  e.received_at_ms = 1'700'000'000'999;
  e.value = R"({"decision":"APPROVED"})";
  ForwardRequest r = ResignedRequest(kCrm, e, *e.value, std::nullopt);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["object"], "whatsapp_business_account");
  EXPECT_EQ(body["entry"][0]["id"], "102290129340398");
  EXPECT_EQ(body["entry"][0]["time"], 1700000000);  // no entry.time: the receipt second
  EXPECT_EQ(body["entry"][0]["changes"][0]["field"], "account_review_update");
  EXPECT_EQ(body["entry"][0]["changes"][0]["value"]["decision"], "APPROVED");
  EXPECT_EQ(HeaderValue(r, "X-Waba-Journal-Seq"), "7");
  EXPECT_EQ(HeaderValue(r, "X-Waba-Journal-Replay"), "");
  EXPECT_EQ(HeaderValue(r, "Content-Type"), "application/json");
  e.event_time = 1650000000;
  EXPECT_EQ(nlohmann::json::parse(ResignedRequest(kCrm, e, *e.value, 3).body)["entry"][0]["time"],
            1650000000);
  EXPECT_EQ(HeaderValue(ResignedRequest(kCrm, e, *e.value, 3), "X-Waba-Journal-Replay"), "3");
}

TEST(ForwardRequestTest, OriginalModeSendsMetasBytesAndSignature) {
  storage::StoredDelivery d;
  d.body = R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]})";
  d.signature = SignBody("meta-app-secret", *d.body);
  const ForwardRequest r = OriginalRequest(d, 12, 5);
  EXPECT_EQ(r.body, d.body);
  EXPECT_EQ(
      SignatureVerifier({"meta-app-secret"}).Verify(HeaderValue(r, "X-Hub-Signature-256"), r.body),
      SignatureCheck::kValid);
  EXPECT_EQ(HeaderValue(r, "X-Waba-Journal-Seq"), "12");
  EXPECT_EQ(HeaderValue(r, "X-Waba-Journal-Replay"), "5");
}

}  // namespace
}  // namespace wj::server
