// Live forwarding and replays against a real sink on loopback (tests/support/fake_sink.h),
// through the real Service: order, signatures, catch-up, giving up, original bytes,
// replays by WABA / field / seq range, cancel, restarts, and the SSRF refusals.
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/meta/signature.h"
#include "tests/support/api_fixture.h"
#include "tests/support/fake_sink.h"
#include "tests/support/payloads.h"

namespace wj::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kDestinationSecret = "crm-secret";
constexpr const char* kWabaA = "102290129340398";
constexpr const char* kWabaB = "5467539754836534";

server::ServeConfig ForwardingConfig(const TempDir& dir, const FakeSink& sink,
                                     server::ForwardMode mode = server::ForwardMode::kResign) {
  server::ServeConfig c = TestConfig(dir);
  server::Destination d;
  d.name = "crm";
  d.url = sink.Url();
  d.secret = kDestinationSecret;
  d.mode = mode;
  c.destinations = {d};
  c.allow_private_destinations = true;
  c.forward_timeout = milliseconds(2000);
  c.forward_retry_initial = milliseconds(20);
  c.forward_retry_max = milliseconds(100);
  return c;
}

// Polls an API answer until `done` holds or ~10 s pass: the state it waits for is written
// by background threads, which have no event a test could wait on.
template <typename Done>
Json PollApi(TestService& service, const std::string& token, const std::string& path, Done done) {
  Json body;
  for (int i = 0; i < 1000; ++i) {
    auto r = service.Get(path, {"Authorization: Bearer " + token});
    body = Json::parse(r.body, nullptr, false);
    if (done(body)) return body;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return body;
}

std::vector<std::int64_t> Range(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (std::int64_t s = from; s <= to; ++s) out.push_back(s);
  return out;
}

// Seqs in arrival order, each once (at least once may repeat one).
std::vector<std::int64_t> Distinct(const std::vector<std::int64_t>& seqs) {
  std::vector<std::int64_t> out;
  std::set<std::int64_t> seen;
  for (std::int64_t s : seqs) {
    if (seen.insert(s).second) out.push_back(s);
  }
  return out;
}

class ForwardingTest : public ::testing::Test {
 protected:
  ForwardingTest() : sink_({kDestinationSecret}) {}

  std::unique_ptr<TestService> Start(server::ServeConfig config) {
    auto s = std::make_unique<TestService>(std::move(config));
    if (read_.empty()) {
      read_ = CreateToken(s->config().db_path, storage::TokenScope::kRead);
      replay_ = CreateToken(s->config().db_path, storage::TokenScope::kReplay);
    }
    return s;
  }
  static void PostOk(TestService& s, const std::string& body) {
    auto r = s.PostSigned(body);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  static server::HttpResponse Send(TestService& s, const std::string& method,
                                   const std::string& path, const std::string& token,
                                   const std::string& body = "") {
    server::HttpClient client;
    std::vector<std::string> headers = {"Authorization: Bearer " + token,
                                        "Content-Type: application/json"};
    Result<server::HttpResponse> r = method == "POST" ? client.Post(s.ApiUrl(path), body, headers)
                                                      : client.Delete(s.ApiUrl(path), headers);
    if (!r.ok()) throw std::runtime_error(r.status().message());
    return r.value();
  }

  TempDir dir_;
  FakeSink sink_;
  std::string read_, replay_;
};

TEST_F(ForwardingTest, ForwardsNewEventsInSeqOrderInMetasEnvelopeSignedForTheDestination) {
  auto service = Start(ForwardingConfig(dir_, sink_));
  for (int i = 0; i < 20; ++i) PostOk(*service, InboundText("wamid.order" + std::to_string(i)));
  ASSERT_TRUE(sink_.WaitForAccepted(20));
  EXPECT_EQ(sink_.AcceptedSeqs(), Range(1, 20));
  const auto received = sink_.Received();
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto& r = received[i];
    EXPECT_TRUE(r.signature_ok) << "seq " << *r.seq;
    EXPECT_FALSE(r.replay_id.has_value());
    Json body = Json::parse(r.body);
    EXPECT_EQ(body["object"], "whatsapp_business_account");
    EXPECT_EQ(body["entry"][0]["id"], kWabaA);
    EXPECT_EQ(body["entry"][0]["changes"][0]["field"], "messages");
    EXPECT_EQ(body["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
              "wamid.order" + std::to_string(i));
  }
}

TEST_F(ForwardingTest, RedeliveriesAreNotForwardedAgain) {
  auto service = Start(ForwardingConfig(dir_, sink_));
  PostOk(*service, InboundText("wamid.once"));
  PostOk(*service, InboundText("wamid.once"));  // Meta's redelivery
  PostOk(*service, InboundText("wamid.next"));
  ASSERT_TRUE(sink_.WaitForAccepted(2));
  EXPECT_EQ(sink_.AcceptedSeqs(), (std::vector<std::int64_t>{1, 3}));
}

TEST_F(ForwardingTest, CatchesUpInOrderAfterTheDestinationWasDown) {
  sink_.SetMode(FakeSink::Mode::kUnavailable);
  auto service = Start(ForwardingConfig(dir_, sink_));
  for (int i = 0; i < 10; ++i) PostOk(*service, InboundText("wamid.down" + std::to_string(i)));
  ASSERT_TRUE(sink_.WaitForRequests(3));  // retried while down
  Json down = PollApi(*service, read_, "/api/v1/destinations",
                      [](const Json& b) { return b["destinations"][0]["state"] == "retrying"; });
  const Json& d = down["destinations"][0];
  EXPECT_EQ(d["name"], "crm");
  EXPECT_EQ(d["lag_events"], 10);
  EXPECT_TRUE(d["lag_seconds"].is_number());
  EXPECT_EQ(d["last_error"]["http_status"], 503);
  EXPECT_EQ(d["last_error"]["error"], "HTTP 503");

  sink_.SetMode(FakeSink::Mode::kRejectBadSignature);
  ASSERT_TRUE(sink_.WaitForAccepted(10));
  EXPECT_EQ(Distinct(sink_.AcceptedSeqs()), Range(1, 10));
  Json up = PollApi(*service, read_, "/api/v1/destinations",
                    [](const Json& b) { return b["destinations"][0]["lag_events"] == 0; });
  EXPECT_EQ(up["destinations"][0]["cursor"], 10);
  EXPECT_TRUE(up["destinations"][0]["last_success_at"].is_string());

  // The first event's history shows the failed attempts, then delivery.
  Json event =
      Json::parse(service->Get("/api/v1/events/1", {"Authorization: Bearer " + read_}).body);
  ASSERT_EQ(event["forwarding"].size(), 1u);
  EXPECT_EQ(event["forwarding"][0]["destination"], "crm");
  EXPECT_EQ(event["forwarding"][0]["status"], "delivered");
  ASSERT_GE(event["forwarding"][0]["attempts"].size(), 1u);
  EXPECT_EQ(event["forwarding"][0]["attempts"][0]["http_status"], 503);
  EXPECT_EQ(event["forwarding"][0]["attempts"][0]["outcome"], "error");
}

TEST_F(ForwardingTest, GivesUpAnEventAfterTheHorizonRecordsItAndGoesOn) {
  server::ServeConfig config = ForwardingConfig(dir_, sink_);
  config.forward_horizon = milliseconds(300);
  sink_.SetMode(FakeSink::Mode::kFail);
  auto service = Start(config);
  PostOk(*service, InboundText("wamid.lost"));
  Json failed = PollApi(*service, read_, "/api/v1/destinations",
                        [](const Json& b) { return b["destinations"][0]["failed"] == 1; });
  ASSERT_EQ(failed["destinations"][0]["failed"], 1);
  sink_.SetMode(FakeSink::Mode::kRejectBadSignature);
  PostOk(*service, InboundText("wamid.after"));
  ASSERT_TRUE(sink_.WaitForAccepted(1));
  EXPECT_EQ(sink_.AcceptedSeqs(), (std::vector<std::int64_t>{2}));

  Json event =
      Json::parse(service->Get("/api/v1/events/1", {"Authorization: Bearer " + read_}).body);
  ASSERT_EQ(event["forwarding"].size(), 1u);
  EXPECT_EQ(event["forwarding"][0]["status"], "failed");
  const Json& attempts = event["forwarding"][0]["attempts"];
  ASSERT_GE(attempts.size(), 2u);
  EXPECT_EQ(attempts.back()["outcome"], "failed");
  EXPECT_EQ(attempts.back()["http_status"], 500);
}

TEST_F(ForwardingTest, OriginalModeSendsTheDeliveryBytesOnceWithMetasSignature) {
  FakeSink meta_consumer({kTestSecret});  // verifies with the app secret, as against Meta
  auto service = Start(ForwardingConfig(dir_, meta_consumer, server::ForwardMode::kOriginal));
  // One delivery, two changes: forwarded once, as received.
  const std::string two =
      R"({"object":"whatsapp_business_account","entry":[{"id":")" + std::string(kWabaA) +
      R"(","time":1749416383,"changes":[{"field":"account_update","value":{"event":"A"}},{"field":"account_update","value":{"event":"B"}}]}]})";
  PostOk(*service, two);
  PostOk(*service, InboundText("wamid.orig"));
  ASSERT_TRUE(meta_consumer.WaitForAccepted(2));
  const auto received = meta_consumer.Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].body, two);
  EXPECT_TRUE(received[0].signature_ok);
  EXPECT_EQ(received[0].signature, server::SignBody(kTestSecret, two));
  EXPECT_EQ(received[0].seq, 1);
  EXPECT_EQ(received[1].seq, 3);
  EXPECT_EQ(received[1].body, InboundText("wamid.orig"));
}

TEST_F(ForwardingTest, EventsOlderThanTheDestinationAreSkippedLiveAndShownSo) {
  {
    auto before = Start(TestConfig(dir_));  // no destination yet
    PostOk(*before, InboundText("wamid.old1"));
    PostOk(*before, InboundText("wamid.old2"));
  }
  auto service = Start(ForwardingConfig(dir_, sink_));
  PostOk(*service, InboundText("wamid.new"));
  ASSERT_TRUE(sink_.WaitForAccepted(1));
  EXPECT_EQ(sink_.AcceptedSeqs(), (std::vector<std::int64_t>{3}));
  auto status = [&](int seq) {
    Json e = Json::parse(
        service->Get("/api/v1/events/" + std::to_string(seq), {"Authorization: Bearer " + read_})
            .body);
    return e["forwarding"][0]["status"].get<std::string>();
  };
  EXPECT_EQ(status(1), "skipped");
  PollApi(*service, read_, "/api/v1/destinations",
          [](const Json& b) { return b["destinations"][0]["cursor"] == 3; });
  EXPECT_EQ(status(3), "delivered");
  // The same figures as metrics, per destination.
  const std::string metrics = service->Get("/metrics").body;
  EXPECT_NE(metrics.find("waba_journal_forward_sent_total{destination=\"crm\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("waba_journal_forward_cursor{destination=\"crm\"} 3"), std::string::npos);
  EXPECT_NE(metrics.find("waba_journal_forward_lag_events{destination=\"crm\"} 0"),
            std::string::npos);
}

TEST_F(ForwardingTest, StopsPromptlyWhileAConsumerHangs) {
  server::ServeConfig config = ForwardingConfig(dir_, sink_);
  config.forward_timeout = std::chrono::seconds(60);
  sink_.SetMode(FakeSink::Mode::kHang);
  auto service = Start(config);
  PostOk(*service, InboundText("wamid.hang"));
  ASSERT_TRUE(sink_.WaitForRequests(1));
  const auto start = std::chrono::steady_clock::now();
  service.reset();
  // libcurl checks the abort about once a second while it waits for an answer.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  sink_.Release();
}

TEST_F(ForwardingTest, ResumesAfterItsStoredCursorAfterARestart) {
  {
    auto service = Start(ForwardingConfig(dir_, sink_));
    for (int i = 0; i < 5; ++i) PostOk(*service, InboundText("wamid.r" + std::to_string(i)));
    ASSERT_TRUE(sink_.WaitForAccepted(5));
    // Until the forwarder has the answer, a stop may abandon the request: then event 5 is
    // sent again after the restart (at least once), which is not what this test is about.
    PollApi(*service, read_, "/api/v1/destinations",
            [](const Json& b) { return b["destinations"][0]["cursor"] == 5; });
  }  // a clean stop writes the cursor
  sink_.Clear();
  auto service = Start(ForwardingConfig(dir_, sink_));
  for (int i = 5; i < 8; ++i) PostOk(*service, InboundText("wamid.r" + std::to_string(i)));
  ASSERT_TRUE(sink_.WaitForAccepted(3));
  EXPECT_EQ(sink_.AcceptedSeqs(), Range(6, 8));
}

class ReplayTest : public ForwardingTest {
 protected:
  // Journals 12 events: WABA A messages (seq 1-4), A account_update (5-8), B messages (9-12).
  void Seed(TestService& s) {
    for (int i = 0; i < 4; ++i) PostOk(s, InboundText("wamid.a" + std::to_string(i)));
    for (int i = 0; i < 4; ++i) {
      PostOk(s, Change(kWabaA, "account_update", R"({"event":"E)" + std::to_string(i) + R"("})"));
    }
    for (int i = 0; i < 4; ++i) PostOk(s, InboundText("wamid.b" + std::to_string(i), "hi", kWabaB));
    ASSERT_TRUE(sink_.WaitForAccepted(12));
    sink_.Clear();
  }
};

TEST_F(ReplayTest, ReplaysOneWabasMessagesFromASeqRangeAndReportsProgress) {
  auto service = Start(ForwardingConfig(dir_, sink_));
  Seed(*service);
  auto created = Send(*service, "POST", "/api/v1/replays", replay_,
                      R"({"destination":"crm","waba_id":[")" + std::string(kWabaA) +
                          R"("],"field":"messages","after":1,"until_seq":10})");
  ASSERT_EQ(created.status, 202) << created.body;
  Json replay = Json::parse(created.body);
  EXPECT_EQ(replay["status"], "running");
  EXPECT_EQ(replay["total"], 3);  // seqs 2, 3, 4
  const std::string path = "/api/v1/replays/" + std::to_string(replay["id"].get<int>());
  Json done = PollApi(*service, read_, path, [](const Json& b) { return b["status"] == "done"; });
  EXPECT_EQ(done["status"], "done");
  EXPECT_EQ(done["sent"], 3);
  EXPECT_EQ(done["failed"], 0);
  EXPECT_TRUE(done["finished_at"].is_string());
  EXPECT_EQ(sink_.AcceptedSeqs(), (std::vector<std::int64_t>{2, 3, 4}));
  for (const auto& r : sink_.Received()) {
    EXPECT_EQ(r.replay_id, replay["id"].get<std::int64_t>());
    EXPECT_TRUE(r.signature_ok);
  }
  Json list = Json::parse(service->Get("/api/v1/replays", {"Authorization: Bearer " + read_}).body);
  ASSERT_EQ(list["replays"].size(), 1u);
  EXPECT_EQ(list["replays"][0]["id"], replay["id"]);
}

TEST_F(ReplayTest, CancelStopsARunningReplay) {
  auto service = Start(ForwardingConfig(dir_, sink_));
  Seed(*service);
  sink_.SetMode(FakeSink::Mode::kFail);
  auto created = Send(*service, "POST", "/api/v1/replays", replay_, R"({"destination":"crm"})");
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string path =
      "/api/v1/replays/" + std::to_string(Json::parse(created.body)["id"].get<int>());
  ASSERT_TRUE(sink_.WaitForRequests(2));  // stuck retrying the first event
  auto cancelled = Send(*service, "DELETE", path, replay_);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(Json::parse(cancelled.body)["status"], "cancelled");
  Json after = Json::parse(service->Get(path, {"Authorization: Bearer " + read_}).body);
  EXPECT_EQ(after["status"], "cancelled");
  EXPECT_TRUE(after["finished_at"].is_string());
  EXPECT_EQ(Send(*service, "DELETE", path, replay_).status, 409);  // already finished
}

TEST_F(ReplayTest, AReplayResumesAfterARestart) {
  Json created;
  {
    auto service = Start(ForwardingConfig(dir_, sink_));
    Seed(*service);
    sink_.SetMode(FakeSink::Mode::kFail);
    auto r = Send(*service, "POST", "/api/v1/replays", replay_,
                  R"({"destination":"crm","field":["account_update"]})");
    ASSERT_EQ(r.status, 202) << r.body;
    created = Json::parse(r.body);
    ASSERT_TRUE(sink_.WaitForRequests(1));
  }
  sink_.SetMode(FakeSink::Mode::kRejectBadSignature);
  sink_.Clear();
  auto service = Start(ForwardingConfig(dir_, sink_));
  const std::string path = "/api/v1/replays/" + std::to_string(created["id"].get<int>());
  Json done = PollApi(*service, read_, path, [](const Json& b) { return b["status"] == "done"; });
  EXPECT_EQ(done["status"], "done");
  EXPECT_EQ(done["sent"], 4);
  EXPECT_EQ(Distinct(sink_.AcceptedSeqs()), Range(5, 8));
}

TEST_F(ReplayTest, TheApiNamesDestinationsNeverUrlsAndKeepsTokensToTheirWabas) {
  auto service = Start(ForwardingConfig(dir_, sink_));
  Seed(*service);
  const std::string limited =
      CreateToken(service->config().db_path, storage::TokenScope::kReplay, {kWabaB}, "b-only");
  EXPECT_EQ(Send(*service, "POST", "/api/v1/replays", replay_, R"({"destination":"nope"})").status,
            404);
  EXPECT_EQ(Send(*service, "POST", "/api/v1/replays", replay_,
                 R"({"destination":"crm","url":"http://169.254.169.254/"})")
                .status,
            400);
  EXPECT_EQ(Send(*service, "POST", "/api/v1/replays", replay_, "not json").status, 400);
  EXPECT_EQ(
      Send(*service, "POST", "/api/v1/replays", replay_, R"({"destination":"crm","after":-1})")
          .status,
      400);
  EXPECT_EQ(Send(*service, "POST", "/api/v1/replays", read_, R"({"destination":"crm"})").status,
            403);
  EXPECT_EQ(Send(*service, "POST", "/api/v1/replays", limited,
                 R"({"destination":"crm","waba_id":")" + std::string(kWabaA) + "\"}")
                .status,
            403);
  auto mine = Send(*service, "POST", "/api/v1/replays", limited, R"({"destination":"crm"})");
  ASSERT_EQ(mine.status, 202) << mine.body;
  Json replay = Json::parse(mine.body);
  EXPECT_EQ(replay["filter"]["waba_id"], Json::array({kWabaB}));
  EXPECT_EQ(replay["total"], 4);
  ASSERT_TRUE(sink_.WaitForAccepted(4));
  for (const auto& r : sink_.Received()) {
    EXPECT_EQ(Json::parse(r.body)["entry"][0]["id"], kWabaB);
  }
}

TEST(ForwardingSsrfTest, RefusesLoopbackPrivateAndMetadataDestinationsUnlessAllowed) {
  TempDir dir;
  server::ServeConfig c = TestConfig(dir);
  server::Destination d;
  d.name = "inside";
  d.secret = "s";
  for (const char* url : {"http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]:9/hook",
                          "http://169.254.169.254/latest/meta-data"}) {
    d.url = url;
    c.destinations = {d};
    auto started = server::Service::Start(c);
    ASSERT_FALSE(started.ok()) << url;
    EXPECT_NE(started.status().message().find("destination inside"), std::string::npos)
        << started.status().message();
  }
  // Allowed for loopback and private networks, never for metadata addresses.
  c.allow_private_destinations = true;
  d.url = "http://169.254.169.254/latest/meta-data";
  c.destinations = {d};
  EXPECT_FALSE(server::Service::Start(c).ok());
  d.url = "http://127.0.0.1:9/hook";
  c.destinations = {d};
  EXPECT_TRUE(server::Service::Start(c).ok());
}

}  // namespace
}  // namespace wj::testing
