// wj-sink as the README runs it: a consumer that verifies Meta-style signatures, prints a
// line per request and a summary when stopped.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "tests/support/child_process.h"

namespace wj::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kSecret = "sink-secret";
constexpr const char* kResigned =
    R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1749416383,"changes":[{"field":"account_update","value":{"event":"PARTNER_ADDED"}}]}]})";
// An original delivery of two entries: the sink names the first.
constexpr const char* kTwoEntries =
    R"({"object":"whatsapp_business_account","entry":[{"id":"111111111111111","changes":[{"field":"messages","value":{}}]},{"id":"222222222222222","changes":[{"field":"security","value":{}}]}]})";

// Starts wj-sink on a free port; `url` is what it printed ("" if it never said).
struct Sink {
  explicit Sink(std::vector<std::string> args, std::vector<std::string> env = {})
      : process(WJ_SINK_BINARY, WithListen(std::move(args)), env) {
    const std::string prefix = "listening on ";
    if (auto line = process.WaitForLine(prefix, seconds(20))) url = line->substr(prefix.size());
  }
  static std::vector<std::string> WithListen(std::vector<std::string> args) {
    args.insert(args.begin(), {"--listen", "127.0.0.1:0"});
    return args;
  }
  ChildProcess process;
  std::string url;
};

// The status of a POST of `body` signed with `secret`, with a journal seq unless < 0.
long Post(const std::string& url, const std::string& body, const std::string& secret,
          std::int64_t seq, std::optional<std::int64_t> replay = {}) {
  std::vector<std::string> headers{"Content-Type: application/json",
                                   "X-Hub-Signature-256: " + server::SignBody(secret, body)};
  if (seq >= 0) headers.push_back("X-Waba-Journal-Seq: " + std::to_string(seq));
  if (replay) headers.push_back("X-Waba-Journal-Replay: " + std::to_string(*replay));
  server::HttpClient client;
  auto r = client.Post(url, body, headers);
  return r.ok() ? r->status : 0;
}

TEST(SinkMainTest, AnswersSigned200AndWronglySigned401WithALineEachAndASummary) {
  Sink sink({"--secret", kSecret});
  ASSERT_EQ(sink.url.rfind("http://127.0.0.1:", 0), 0u) << sink.url;
  ASSERT_EQ(sink.url.back(), '/');

  EXPECT_EQ(Post(sink.url + "hook", kResigned, kSecret, 12, 3), 200);
  EXPECT_EQ(sink.process.WaitForLine("seq=", seconds(10)),
            "seq=12 replay=3 waba=102290129340398 field=account_update signature=ok");
  EXPECT_EQ(Post(sink.url, kResigned, "not-the-secret", 13), 401);
  EXPECT_EQ(sink.process.WaitForLine("BAD ", seconds(10)), "BAD seq=13 signature=mismatch");

  sink.process.Signal(SIGTERM);
  EXPECT_EQ(sink.process.Wait(), 0);
  EXPECT_EQ(sink.process.WaitForLine("received", seconds(10)), "received 2, signature failures 1");
}

TEST(SinkMainTest, ReadsSecretsFromEnvironmentAndNamesTheFirstEntryOfADelivery) {
  Sink sink({}, {"WJ_SINK_SECRET=old-secret,new-secret"});
  ASSERT_FALSE(sink.url.empty());
  EXPECT_EQ(Post(sink.url, kTwoEntries, "new-secret", -1), 200);
  EXPECT_EQ(sink.process.WaitForLine("seq=", seconds(10)),
            "seq=- waba=111111111111111 field=messages signature=ok");
}

TEST(SinkMainTest, QuietPrintsOnlyTheSummaryOnSigint) {
  Sink sink({"--secret", kSecret, "--quiet"});
  ASSERT_FALSE(sink.url.empty());
  EXPECT_EQ(Post(sink.url, kResigned, kSecret, 1), 200);
  EXPECT_EQ(Post(sink.url, kResigned, "wrong", 2), 401);
  sink.process.Signal(SIGINT);
  EXPECT_EQ(sink.process.Wait(), 0);
  const std::string out = sink.process.ReadAllStdout();
  EXPECT_EQ(out, "listening on " + sink.url + "\nreceived 2, signature failures 1\n");
}

TEST(SinkMainTest, FailAnswers500ToSignedRequests) {
  Sink sink({"--secret", kSecret, "--fail"});
  ASSERT_FALSE(sink.url.empty());
  EXPECT_EQ(Post(sink.url, kResigned, kSecret, 5), 500);
  EXPECT_EQ(sink.process.WaitForLine("seq=", seconds(10)),
            "seq=5 waba=102290129340398 field=account_update signature=ok answered=500");
}

TEST(SinkMainTest, RefusesToStartWithoutASecret) {
  ChildProcess p(WJ_SINK_BINARY, {"--listen", "127.0.0.1:0"});
  EXPECT_EQ(p.Wait(), 2);
  EXPECT_NE(p.ReadAllStderr().find("--secret"), std::string::npos);
}

}  // namespace
}  // namespace wj::testing
