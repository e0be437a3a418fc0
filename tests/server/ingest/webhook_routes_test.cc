#include "server/ingest/webhook_routes.h"

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_client.h"
#include "storage/journal_store.h"
#include "storage/journal_verifier.h"
#include "tests/support/journal_queries.h"
#include "tests/support/payloads.h"
#include "tests/support/raw_http.h"
#include "tests/support/test_service.h"

namespace wj::server {
namespace {

using testing::CountEventsOfWamid;
using testing::InboundText;
using testing::QueryInt;
using testing::QueryText;

class WebhookRoutesTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::TestService service_{testing::TestConfig(dir_)};
  const std::string db_ = service_.config().db_path;

  long long Deliveries() { return QueryInt(db_, "SELECT count(*) FROM deliveries"); }
};

TEST_F(WebhookRoutesTest, HandshakeEchoesChallengeWhenTokenMatches) {
  auto r = service_.Get("/webhook?hub.mode=subscribe&hub.verify_token=" +
                        std::string(testing::kTestToken) + "&hub.challenge=1158201444");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "1158201444");
}

TEST_F(WebhookRoutesTest, HandshakeRefusesWrongOrMissingToken) {
  EXPECT_EQ(
      service_.Get("/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1").status,
      403);
  EXPECT_EQ(service_.Get("/webhook?hub.mode=subscribe&hub.challenge=1").status, 403);
  EXPECT_EQ(service_.Get("/webhook").status, 403);
}

TEST_F(WebhookRoutesTest, HandshakeRefusesModeOtherThanSubscribe) {
  auto r = service_.Get("/webhook?hub.mode=unsubscribe&hub.verify_token=" +
                        std::string(testing::kTestToken) + "&hub.challenge=1");
  EXPECT_EQ(r.status, 403);
}

TEST(WebhookHandshakeTest, DecodesPercentEncodedTokenFromRawQuery) {
  testing::TempDir dir;
  auto config = testing::TestConfig(dir);
  config.verify_token = "a b&c=d.é";
  testing::TestService service(config);
  auto r = service.Get(
      "/webhook?hub.mode=subscribe&hub.verify_token=a+b%26c%3Dd.%C3%A9&hub.challenge=x%20y");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "x y");
}

TEST_F(WebhookRoutesTest, SignedDeliveryIsCommittedBeforeTheAnswer) {
  const std::string body = InboundText("wamid.ONE");
  auto r = service_.PostSigned(body);
  ASSERT_EQ(r.status, 200) << r.body;
  // The 200 means committed: a fresh connection sees the row with no waiting.
  EXPECT_EQ(Deliveries(), 1);
  EXPECT_EQ(QueryText(db_, "SELECT CAST(body AS TEXT) FROM delivery_content"), body);
  // Meta's canonical header is kept as its 32 bytes.
  EXPECT_EQ(QueryText(db_, "SELECT 'sha256=' || lower(hex(signature)) FROM delivery_content"),
            SignBody(testing::kTestSecret, body));
  EXPECT_EQ(QueryText(db_, "SELECT peer FROM deliveries").rfind("127.0.0.1:", 0), 0u);
  // Identifiers only as keyed digests; the value inside the kept body.
  EXPECT_EQ(QueryInt(db_, "SELECT length(dedup_digest) FROM events"), 24);  // wamid's + 8
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM event_subjects"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT value_at IS NOT NULL FROM events"), 1);
  EXPECT_EQ(QueryText(db_, "SELECT kind FROM events"), "message");
  EXPECT_EQ(CountEventsOfWamid(db_, "wamid.ONE"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT event_time IS NULL FROM events"), 1);
  EXPECT_EQ(nlohmann::json::parse(r.body)["delivery_id"], 1);
}

TEST_F(WebhookRoutesTest, UnsignedTamperedAndMalformedDeliveriesAre401AndNotStored) {
  const std::string body = InboundText("wamid.X");
  EXPECT_EQ(service_.PostWithHeaders(body, {"Content-Type: application/json"}).status, 401);
  std::string tampered = body;
  tampered[tampered.find("hello")] = 'j';
  EXPECT_EQ(service_
                .PostWithHeaders(tampered,
                                 {"X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)})
                .status,
            401);
  EXPECT_EQ(service_.PostWithHeaders(body, {"X-Hub-Signature-256: sha256="}).status, 401);
  EXPECT_EQ(service_.PostWithHeaders(body, {"X-Hub-Signature-256: md5=abc"}).status, 401);
  EXPECT_EQ(service_.PostSigned(body, "another-secret").status, 401);
  EXPECT_EQ(Deliveries(), 0);

  const std::string metrics = service_.Get("/metrics").body;
  EXPECT_NE(metrics.find("waba_journal_signature_rejections_total{reason=\"missing\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("waba_journal_signature_rejections_total{reason=\"malformed\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics.find("waba_journal_signature_rejections_total{reason=\"mismatch\"} 2"),
            std::string::npos);
}

TEST(WebhookSecretsTest, AnyConfiguredSecretVerifies) {
  testing::TempDir dir;
  auto config = testing::TestConfig(dir);
  config.app_secrets = {"old-secret", "new-secret"};
  testing::TestService service(config);
  EXPECT_EQ(service.PostSigned(InboundText("wamid.A"), "old-secret").status, 200);
  EXPECT_EQ(service.PostSigned(InboundText("wamid.B"), "new-secret").status, 200);
  EXPECT_EQ(service.PostSigned(InboundText("wamid.C"), "other-secret").status, 401);
}

TEST_F(WebhookRoutesTest, EscapedUnicodeBodyIsVerifiedAndStoredByteForByte) {
  const std::string body = InboundText("wamid.U", R"(J'ai mang\u00e9 des p\u00e2tes \u00e4 @ \/)");
  ASSERT_EQ(service_.PostSigned(body).status, 200);
  EXPECT_EQ(QueryText(db_, "SELECT CAST(body AS TEXT) FROM delivery_content"), body);
}

TEST_F(WebhookRoutesTest, VerifiedBodyThatIsNotAnEnvelopeIsJournaledRawWithItsError) {
  auto not_json = service_.PostSigned("this is not json");
  EXPECT_EQ(not_json.status, 200);
  auto not_envelope = service_.PostSigned(R"({"hello":"world"})");
  EXPECT_EQ(not_envelope.status, 200);
  EXPECT_EQ(Deliveries(), 2);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM events"), 0);
  EXPECT_EQ(QueryText(db_, "SELECT parse_error FROM deliveries WHERE id = 1").rfind("not JSON", 0),
            0u);
  EXPECT_FALSE(QueryText(db_, "SELECT parse_error FROM deliveries WHERE id = 2").empty());
  EXPECT_EQ(nlohmann::json::parse(not_json.body)["parsed"], false);
}

TEST_F(WebhookRoutesTest, RedeliveryIsJournaledAndMarkedDuplicate) {
  const std::string body = InboundText("wamid.DUP");
  ASSERT_EQ(service_.PostSigned(body).status, 200);
  auto again = service_.PostSigned(body);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(nlohmann::json::parse(again.body)["duplicates"], 1);
  EXPECT_EQ(Deliveries(), 2);
  EXPECT_EQ(QueryInt(db_, "SELECT duplicate_of FROM events WHERE seq = 2"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM events WHERE duplicate_of IS NULL"), 1);
}

TEST_F(WebhookRoutesTest, ConcurrentIdenticalDeliveriesYieldExactlyOneFirst) {
  const std::string body = InboundText("wamid.RACE");
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      HttpClient client;
      auto r = client.Post(service_.Url("/webhook"), body,
                           {"X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)});
      if (r.ok() && r->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 12);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM events"), 12);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM events WHERE duplicate_of IS NULL"), 1);
}

TEST_F(WebhookRoutesTest, ConcurrentDistinctDeliveriesAreAllJournaledWithGaplessSeqs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string body =
            InboundText("wamid.T" + std::to_string(t) + "-" + std::to_string(i));
        auto r = client.Post(service_.Url("/webhook"), body,
                             {"X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)});
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_EQ(Deliveries(), kThreads * kPerThread);
  EXPECT_EQ(QueryInt(db_, "SELECT max(seq) FROM events"), kThreads * kPerThread);
  EXPECT_EQ(QueryInt(db_, "SELECT count(DISTINCT dedup_digest) FROM events"),
            kThreads * kPerThread);
  auto report = storage::OpenJournalStore(db_).value()->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(WebhookRoutesTest, BatchedMessagesChangeBecomesOneEventPerItem) {
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"9"},"statuses":[{"id":"wamid.S","status":"sent","timestamp":"1","recipient_id":"77"},{"id":"wamid.S","status":"delivered","timestamp":"2","recipient_id":"77"}],"messages":[{"from":"77","id":"wamid.M","timestamp":"3","type":"text","text":{"body":"hi"}}]}}]}]})";
  auto r = service_.PostSigned(body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["events"], 3);
  EXPECT_EQ(QueryText(db_, "SELECT group_concat(coalesce(status, kind)) FROM events"),
            "message,sent,delivered");
  EXPECT_EQ(CountEventsOfWamid(db_, "wamid.M"), 1);
  EXPECT_EQ(CountEventsOfWamid(db_, "wamid.S"), 2);
}

// Wraps the real journal so a test can make commits fail on demand.
class FailingJournal final : public storage::JournalWriter {
 public:
  FailingJournal(std::unique_ptr<storage::JournalWriter> inner, std::atomic<bool>& fail)
      : inner_(std::move(inner)), fail_(fail) {}
  Status AppendBatch(const std::vector<const storage::DeliveryRecord*>& batch,
                     std::vector<storage::AppendedDelivery>* out) override {
    if (fail_) return Status::Unavailable("injected commit failure");
    return inner_->AppendBatch(batch, out);
  }
  storage::JournalStats Committed() const override { return inner_->Committed(); }

 private:
  std::unique_ptr<storage::JournalWriter> inner_;
  std::atomic<bool>& fail_;
};

TEST(WebhookCommitFailureTest, FailedCommitAnswers503AndStoresNothing) {
  testing::TempDir dir;
  std::atomic<bool> fail = true;
  testing::TestService service(testing::TestConfig(dir), [&](auto inner) {
    return std::make_unique<FailingJournal>(std::move(inner), fail);
  });
  const std::string body = InboundText("wamid.F");
  auto failed = service.PostSigned(body);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(QueryInt(service.config().db_path, "SELECT count(*) FROM deliveries"), 0);
  fail = false;  // Meta retries; now it lands
  EXPECT_EQ(service.PostSigned(body).status, 200);
  EXPECT_EQ(QueryInt(service.config().db_path, "SELECT count(*) FROM deliveries"), 1);
  EXPECT_NE(
      service.Get("/metrics").body.find("waba_journal_deliveries_total{outcome=\"unavailable\"} 1"),
      std::string::npos);
}

TEST(WebhookRestartTest, RestartKeepsEverythingAndContinuesTheChain) {
  testing::TempDir dir;
  const auto config = testing::TestConfig(dir);
  {
    testing::TestService first(config);
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(first.PostSigned(InboundText("wamid.R" + std::to_string(i))).status, 200);
    }
  }
  testing::TestService second(config);
  auto health = nlohmann::json::parse(second.Get("/healthz").body);
  EXPECT_EQ(health["deliveries"], 5);
  EXPECT_EQ(health["events"], 5);
  // A redelivery after restart is still recognised.
  auto again = second.PostSigned(InboundText("wamid.R0"));
  EXPECT_EQ(nlohmann::json::parse(again.body)["duplicates"], 1);
  EXPECT_EQ(second.PostSigned(InboundText("wamid.R5")).status, 200);
  auto report = storage::OpenJournalStore(config.db_path).value()->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events, 7);
}

TEST(WebhookStopTest, StopKeepsCommittedDeliveriesAndClosesTheListener) {
  testing::TempDir dir;
  testing::TestService service(testing::TestConfig(dir));
  ASSERT_EQ(service.PostSigned(InboundText("wamid.before")).status, 200);
  service.service().Stop();
  HttpClient client(2000);
  auto r = client.Post(service.Url("/webhook"), "{}", {});
  // The listener is gone: no answer at all, which Meta also retries.
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(QueryInt(service.config().db_path, "SELECT count(*) FROM deliveries"), 1);
}

// Meta (or a proxy) may give up on a delivery before its answer: the answer is then
// written, from the journal's writer thread, to a connection that is gone. That must cost
// nothing but the answer: the delivery is kept and the service goes on.
TEST_F(WebhookRoutesTest, ClientsThatHangUpBeforeTheAnswerLoseOnlyTheAnswer) {
  constexpr int kClients = 150;
  for (int i = 0; i < kClients; ++i) {
    const std::string body = testing::InboundText("wamid.HANGUP" + std::to_string(i));
    testing::RawConnection c(service_.service().port());
    ASSERT_TRUE(
        c.Send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "X-Hub-Signature-256: " +
               SignBody(testing::kTestSecret, body) +
               "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  }  // each connection closes here, most before their answer
  // Every one of them is journaled, and the service still answers.
  const std::string last = testing::InboundText("wamid.AFTER");
  EXPECT_EQ(service_.PostSigned(last).status, 200);
  for (int i = 0; i < 200 && service_.service().Committed().events < kClients + 1; ++i) {
    EXPECT_EQ(service_.Get("/healthz").status, 200);
  }
  EXPECT_EQ(service_.service().Committed().events, kClients + 1);
}

}  // namespace
}  // namespace wj::server
