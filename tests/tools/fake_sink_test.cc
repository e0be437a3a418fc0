// The fake consumer the forwarder's tests rely on: what it records, how each mode answers,
// and that nothing it holds can wedge a test or its teardown.
#include "tests/support/fake_sink.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"

namespace wj::testing {
namespace {

using std::chrono::milliseconds;
using Mode = FakeSink::Mode;

constexpr const char* kSecret = "sink-secret";
constexpr const char* kBody =
    R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1749416383,"changes":[{"field":"account_update","value":{"event":"PARTNER_ADDED"}}]}]})";

// Forwarded-request headers for `body` signed with `secret` (none when empty).
std::vector<std::string> Headers(const std::string& body, const std::string& secret,
                                 std::int64_t seq, std::optional<std::int64_t> replay = {}) {
  std::vector<std::string> h{"Content-Type: application/json",
                             "X-Waba-Journal-Seq: " + std::to_string(seq)};
  if (!secret.empty()) h.push_back("X-Hub-Signature-256: " + server::SignBody(secret, body));
  if (replay) h.push_back("X-Waba-Journal-Replay: " + std::to_string(*replay));
  return h;
}

// The status of one POST, or 0 when no answer came (timeout, connection closed).
long Post(const std::string& url, std::int64_t seq, const std::string& secret = kSecret,
          long timeout_ms = 10000) {
  server::HttpClient client(timeout_ms);
  auto r = client.Post(url, kBody, Headers(kBody, secret, seq));
  return r.ok() ? r->status : 0;
}

TEST(FakeSinkTest, RecordsASignedRequestWithItsJournalHeaders) {
  FakeSink sink({kSecret});
  server::HttpClient client;
  auto r = client.Post(sink.Url("/any/path"), kBody, Headers(kBody, kSecret, 42, 7));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);

  const std::vector<FakeSink::Request> got = sink.Received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/any/path");
  EXPECT_EQ(got[0].body, kBody);
  EXPECT_EQ(got[0].signature, server::SignBody(kSecret, kBody));
  EXPECT_EQ(got[0].seq, 42);
  EXPECT_EQ(got[0].replay_id, 7);
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_TRUE(got[0].signature_ok);
  EXPECT_EQ(got[0].status, 200);
  EXPECT_LE(got[0].arrived, FakeSink::Clock::now());
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{42});
  EXPECT_EQ(sink.Count(), 1);
}

TEST(FakeSinkTest, RejectsWrongOrMissingSignatureWith401ByDefaultAndRecordsIt) {
  FakeSink sink({kSecret});
  EXPECT_EQ(Post(sink.Url(), 1, "another-secret"), 401);
  EXPECT_EQ(Post(sink.Url(), 2, ""), 401);
  const auto got = sink.Received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].signature_ok);
  EXPECT_EQ(got[0].status, 401);
  EXPECT_FALSE(got[1].signature);
  EXPECT_FALSE(got[1].replay_id);
  EXPECT_TRUE(sink.AcceptedSeqs().empty());
  EXPECT_EQ(sink.AcceptedCount(), 0);
}

TEST(FakeSinkTest, AnyConfiguredSecretVerifies) {
  FakeSink sink({"old-secret", "new-secret"});
  EXPECT_EQ(Post(sink.Url(), 1, "old-secret"), 200);
  EXPECT_EQ(Post(sink.Url(), 2, "new-secret"), 200);
  EXPECT_EQ(Post(sink.Url(), 3, kSecret), 401);
}

TEST(FakeSinkTest, EachModeAnswersItsStatusAndStillRecordsTheSignature) {
  FakeSink sink({kSecret});
  EXPECT_EQ(sink.mode(), Mode::kRejectBadSignature);
  sink.SetMode(Mode::kOk);
  EXPECT_EQ(Post(sink.Url(), 1, "wrong"), 200);
  sink.SetMode(Mode::kFail);
  EXPECT_EQ(Post(sink.Url(), 2), 500);
  sink.SetMode(Mode::kUnavailable);
  EXPECT_EQ(Post(sink.Url(), 3), 503);
  const auto got = sink.Received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].signature_ok);
  EXPECT_TRUE(got[1].signature_ok);
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{1});
}

TEST(FakeSinkTest, FailNextFailsThatManyRequestsThenTheModeAnswers) {
  FakeSink sink({kSecret});
  sink.FailNext(2);
  EXPECT_EQ(Post(sink.Url(), 1), 500);
  EXPECT_EQ(Post(sink.Url(), 2), 500);
  EXPECT_EQ(Post(sink.Url(), 3), 200);
  sink.FailNext(1, 429);
  EXPECT_EQ(Post(sink.Url(), 4), 429);
  EXPECT_EQ(Post(sink.Url(), 5, "wrong"), 401);
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{3});
}

TEST(FakeSinkTest, AcceptedSeqsKeepArrivalOrderOfTheRequestsAnswered2xx) {
  FakeSink sink({kSecret});
  for (std::int64_t seq : {5, 3, 9}) EXPECT_EQ(Post(sink.Url(), seq), 200);
  EXPECT_EQ(Post(sink.Url(), 4, "wrong"), 401);
  EXPECT_EQ(Post(sink.Url(), 3), 200);  // a redelivery is recorded again
  EXPECT_EQ(sink.AcceptedSeqs(), (std::vector<std::int64_t>{5, 3, 9, 3}));
  EXPECT_TRUE(sink.WaitForAccepted(4, milliseconds(0)));
  EXPECT_TRUE(sink.WaitForRequests(5, milliseconds(0)));
  EXPECT_TRUE(sink.WaitForDistinctAccepted(3, milliseconds(0)));
  EXPECT_FALSE(sink.WaitForDistinctAccepted(4, milliseconds(20)));
}

TEST(FakeSinkTest, HangHoldsTheAnswerUntilTheModeChanges) {
  FakeSink sink({kSecret});
  sink.SetMode(Mode::kHang);
  long status = -1;
  std::thread client([&] { status = Post(sink.Url(), 1); });
  ASSERT_TRUE(sink.WaitForRequests(1));
  EXPECT_EQ(sink.HeldCount(), 1);
  EXPECT_EQ(sink.Received()[0].status, 0);
  EXPECT_FALSE(sink.WaitForAccepted(1, milliseconds(50)));
  sink.SetMode(Mode::kUnavailable);
  client.join();
  EXPECT_EQ(status, 503);
  EXPECT_EQ(sink.HeldCount(), 0);
  EXPECT_EQ(sink.Received()[0].status, 503);
}

TEST(FakeSinkTest, ReleaseAnswersHeldRequestsAsAVerifyingConsumer) {
  FakeSink sink({kSecret});
  sink.SetMode(Mode::kHang);
  long good = -1;
  long bad = -1;
  std::thread a([&] { good = Post(sink.Url(), 1); });
  std::thread b([&] { bad = Post(sink.Url(), 2, "wrong"); });
  ASSERT_TRUE(sink.WaitForRequests(2));
  sink.Release();
  a.join();
  b.join();
  EXPECT_EQ(good, 200);
  EXPECT_EQ(bad, 401);
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{1});
  EXPECT_EQ(sink.mode(), Mode::kHang);  // later requests are held again
}

TEST(FakeSinkTest, DestructionAnswersHeldRequestsPromptly) {
  auto sink = std::make_unique<FakeSink>(std::vector<std::string>{kSecret});
  sink->SetMode(Mode::kHang);
  const std::string url = sink->Url();
  long status = -1;
  std::thread client([&] { status = Post(url, 1, kSecret, 30000); });
  ASSERT_TRUE(sink->WaitForRequests(1));
  const auto start = FakeSink::Clock::now();
  sink.reset();
  client.join();
  // Far below the client's 30 s timeout: the held answer did not wait for it.
  EXPECT_LT(FakeSink::Clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(status == 503 || status == 0) << status;
}

TEST(FakeSinkTest, SlowAnswers200AfterTheDelay) {
  FakeSink sink({kSecret});
  sink.SetSlowDelay(milliseconds(300));
  sink.SetMode(Mode::kSlow);
  const auto start = FakeSink::Clock::now();
  EXPECT_EQ(Post(sink.Url(), 1), 200);
  EXPECT_GE(FakeSink::Clock::now() - start, milliseconds(300));
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{1});
}

TEST(FakeSinkTest, SlowAnswerOccupiesNoServerThreadAndOnlyDestructionCutsItShort) {
  FakeSink::Options one_thread;
  one_thread.threads = 1;
  auto sink = std::make_unique<FakeSink>(std::vector<std::string>{kSecret}, one_thread);
  sink->SetSlowDelay(std::chrono::seconds(60));
  sink->SetMode(Mode::kSlow);
  const std::string url = sink->Url();
  long slow = -1;
  std::thread client([&] { slow = Post(url, 1); });
  ASSERT_TRUE(sink->WaitForRequests(1));
  // The only server thread is free: another request is answered well within its timeout.
  sink->FailNext(1, 500);
  EXPECT_EQ(Post(url, 2, kSecret, 3000), 500);
  sink->SetMode(Mode::kOk);  // neither a mode change nor Release() hurries a delayed answer
  sink->Release();
  EXPECT_FALSE(sink->WaitForAccepted(1, milliseconds(50)));
  EXPECT_EQ(sink->HeldCount(), 0);
  sink.reset();
  client.join();
  EXPECT_TRUE(slow == 503 || slow == 0) << slow;
}

TEST(FakeSinkTest, WaitForRequestsWakesWhenTheRequestArrivesAndTimesOutOtherwise) {
  FakeSink sink({kSecret});
  EXPECT_FALSE(sink.WaitForRequests(1, milliseconds(20)));
  std::thread client([&] { Post(sink.Url(), 1); });
  EXPECT_TRUE(sink.WaitForRequests(1));
  EXPECT_TRUE(sink.WaitForAccepted(1));
  client.join();
}

TEST(FakeSinkTest, ClearForgetsWhatWasReceived) {
  FakeSink sink({kSecret});
  EXPECT_EQ(Post(sink.Url(), 1), 200);
  sink.Clear();
  EXPECT_EQ(sink.Count(), 0);
  EXPECT_TRUE(sink.AcceptedSeqs().empty());
  EXPECT_EQ(Post(sink.Url(), 2), 200);
  EXPECT_EQ(sink.AcceptedSeqs(), std::vector<std::int64_t>{2});
  EXPECT_EQ(sink.AcceptedCount(), 1);
}

}  // namespace
}  // namespace wj::testing
