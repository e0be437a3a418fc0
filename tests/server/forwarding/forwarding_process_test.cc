// Live forwarding as a user runs it: `waba-journal serve --destination ...` killed with
// SIGKILL while it forwards, then restarted: every event reaches the consumer at least
// once, none is lost.
#include <chrono>
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "tests/support/child_process.h"
#include "tests/support/fake_sink.h"
#include "tests/support/payloads.h"
#include "tests/support/temp_dir.h"

namespace wj::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using testing::FakeSink;

constexpr const char* kAppSecret = "forward-process-secret";
constexpr const char* kSinkSecret = "consumer-secret";

std::string StartServe(ChildProcess& server) {
  auto line = server.WaitForLine("listening on ", seconds(20));
  return line ? line->substr(std::string("listening on ").size()) : std::string();
}

std::vector<std::string> Args(const std::string& db, const FakeSink& sink) {
  return {"serve",
          "--listen",
          "127.0.0.1:0",
          "--db",
          db,
          "--app-secret",
          kAppSecret,
          "--verify-token",
          "t",
          "--destination",
          "crm=" + sink.Url(),
          "--destination-secret",
          std::string("crm=") + kSinkSecret,
          "--allow-private-destinations"};
}

TEST(ForwardingProcessTest, KillNineMidForwardingThenRestartDeliversEveryEventAtLeastOnce) {
  constexpr int kEvents = 300;
  testing::TempDir dir;
  const std::string db = dir.File("forward.db");
  FakeSink sink({kSinkSecret});
  sink.SetSlowDelay(milliseconds(20));  // forwarding lags ingest: the kill lands mid-way
  sink.SetMode(FakeSink::Mode::kSlow);
  {
    ChildProcess server(WJ_BINARY, Args(db, sink));
    const std::string url = StartServe(server);
    ASSERT_FALSE(url.empty()) << server.ReadAllStderr();
    HttpClient client(5000);
    for (int i = 0; i < kEvents; ++i) {
      const std::string body = testing::InboundText("wamid.kill" + std::to_string(i));
      auto r = client.Post(url + "/webhook", body,
                           {"X-Hub-Signature-256: " + SignBody(kAppSecret, body)});
      ASSERT_TRUE(r.ok() && r->status == 200);
    }
    ASSERT_TRUE(sink.WaitForAccepted(50, seconds(20)));
    server.Signal(SIGKILL);
    EXPECT_EQ(server.Wait(), 128 + SIGKILL);
  }
  const int before_restart = sink.AcceptedCount();
  EXPECT_LT(before_restart, kEvents) << "the kill should land mid-forwarding";
  sink.SetMode(FakeSink::Mode::kRejectBadSignature);
  ChildProcess server(WJ_BINARY, Args(db, sink));
  ASSERT_FALSE(StartServe(server).empty());
  EXPECT_TRUE(sink.WaitForDistinctAccepted(kEvents, seconds(30)));
  const auto accepted = sink.AcceptedSeqs();
  const std::set<std::int64_t> seqs(accepted.begin(), accepted.end());
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), kEvents);
  for (const auto& r : sink.Received()) EXPECT_TRUE(r.signature_ok);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

}  // namespace
}  // namespace wj::server
