// The waba-journal binary as a user runs it: flags, exit codes, signals, crash recovery.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/cli/simulate_story.h"
#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "tests/support/child_process.h"
#include "tests/support/fake_graph_api.h"
#include "tests/support/journal_queries.h"
#include "tests/support/payloads.h"
#include "tests/support/temp_dir.h"

namespace wj::server {
namespace {

using std::chrono::seconds;
using testing::ChildProcess;

constexpr const char* kSecret = "process-secret";

std::vector<std::string> ServeArgs(const std::string& db) {
  return {"serve",        "--listen", "127.0.0.1:0",    "--db",         db,
          "--app-secret", kSecret,    "--verify-token", "process-token"};
}

// Waits for "listening on http://127.0.0.1:PORT" and returns the base URL.
std::string WaitUntilListening(ChildProcess& server) {
  auto line = server.WaitForLine("listening on ", seconds(20));
  if (!line) return {};
  return line->substr(std::string("listening on ").size());
}

TEST(ServeProcessTest, RefusesToStartWithoutSecretNamingTheOption) {
  testing::TempDir dir;
  ChildProcess p(WJ_BINARY, {"serve", "--db", dir.File("j.db"), "--verify-token", "t"});
  EXPECT_EQ(p.Wait(), 2);
  const std::string err = p.ReadAllStderr();
  EXPECT_NE(err.find("--app-secret"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(ServeProcessTest, RefusesToStartWithoutVerifyTokenNamingTheOption) {
  testing::TempDir dir;
  ChildProcess p(WJ_BINARY, {"serve", "--db", dir.File("j.db")}, {"WABA_APP_SECRET=s"});
  EXPECT_EQ(p.Wait(), 2);
  EXPECT_NE(p.ReadAllStderr().find("--verify-token"), std::string::npos);
}

TEST(ServeProcessTest, HelpDocumentsEveryOptionAndItsVariable) {
  ChildProcess p(WJ_BINARY, {"serve", "--help"});
  EXPECT_EQ(p.Wait(), 0);
  const std::string out = p.ReadAllStdout();
  for (const char* s :
       {"--listen", "WABA_JOURNAL_LISTEN", "--db", "WABA_JOURNAL_DB", "--app-secret",
        "WABA_APP_SECRET", "--verify-token", "WABA_VERIFY_TOKEN", "--max-body", "--demo"}) {
    EXPECT_NE(out.find(s), std::string::npos) << s;
  }
}

TEST(ServeProcessTest, UnknownCommandAndOptionAreUsageErrors) {
  ChildProcess a(WJ_BINARY, {"frobnicate"});
  EXPECT_EQ(a.Wait(), 2);
  ChildProcess b(WJ_BINARY, {"serve", "--no-such-flag"});
  EXPECT_EQ(b.Wait(), 2);
  EXPECT_NE(b.ReadAllStderr().find("--no-such-flag"), std::string::npos);
}

TEST(ServeProcessTest, ReadsConfigurationFromEnvironment) {
  testing::TempDir dir;
  ChildProcess server(WJ_BINARY, {"serve"},
                      {"WABA_JOURNAL_LISTEN=127.0.0.1:0", "WABA_JOURNAL_DB=" + dir.File("env.db"),
                       "WABA_APP_SECRET=one,two", "WABA_VERIFY_TOKEN=tok"});
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  HttpClient client;
  const std::string body = testing::InboundText("wamid.ENV");
  auto r = client.Post(url + "/webhook", body, {"X-Hub-Signature-256: " + SignBody("two", body)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  EXPECT_EQ(testing::QueryInt(dir.File("env.db"), "SELECT count(*) FROM deliveries"), 1);
}

TEST(ServeProcessTest, DemoModeGeneratesWorkingSecretAndToken) {
  testing::TempDir dir;
  ChildProcess server(WJ_BINARY,
                      {"serve", "--demo", "--listen", "127.0.0.1:0", "--db", dir.File("d.db")});
  auto secret_line = server.WaitForLine("  app secret:", seconds(20));
  auto token_line = server.WaitForLine("  verify token:", seconds(5));
  ASSERT_TRUE(secret_line && token_line);
  const std::string secret = secret_line->substr(secret_line->rfind(' ') + 1);
  const std::string token = token_line->substr(token_line->rfind(' ') + 1);
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  HttpClient client;
  auto hs = client.Get(url + "/webhook?hub.mode=subscribe&hub.verify_token=" + token +
                       "&hub.challenge=42");
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->body, "42");
  const std::string body = testing::InboundText("wamid.DEMO");
  auto r = client.Post(url + "/webhook", body, {"X-Hub-Signature-256: " + SignBody(secret, body)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  server.Signal(SIGINT);
  EXPECT_EQ(server.Wait(), 0);
  // The secret went to stdout for the user, never into the log (stderr).
  EXPECT_EQ(server.ReadAllStderr().find(secret), std::string::npos);
}

TEST(ServeProcessTest, SimulateJournalsEverySampleFieldAndVerifyPasses) {
  testing::TempDir dir;
  const std::string db = dir.File("sim.db");
  ChildProcess server(WJ_BINARY, ServeArgs(db));
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  ChildProcess simulate(WJ_BINARY,
                        {"simulate", "--url", url + "/webhook", "--app-secret", kSecret});
  EXPECT_EQ(simulate.Wait(), 0) << simulate.ReadAllStdout() << simulate.ReadAllStderr();
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  // The 86 samples and the 7 deliveries of the story.
  EXPECT_EQ(testing::QueryInt(db, "SELECT count(*) FROM deliveries WHERE parse_error IS NULL"), 93);
  EXPECT_EQ(testing::QueryInt(db, "SELECT count(DISTINCT field) FROM events"), 21);
  // The log names no secret and no message text.
  const std::string log = server.ReadAllStderr();
  EXPECT_EQ(log.find(kSecret), std::string::npos);
  EXPECT_EQ(log.find("Does it come in another color"), std::string::npos);

  ChildProcess verify(WJ_BINARY, {"verify", "--db", db});
  EXPECT_EQ(verify.Wait(), 0);
  EXPECT_EQ(verify.ReadAllStdout().rfind("OK 94 events", 0), 0u);
}

// The README's walk-through: simulate, create a read token, then the three questions.
TEST(ServeProcessTest, ANewUserAnswersTheReadmeQuestionsAfterSimulate) {
  testing::TempDir dir;
  const std::string db = dir.File("sim.db");
  ChildProcess server(WJ_BINARY, ServeArgs(db));
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  ChildProcess simulate(WJ_BINARY,
                        {"simulate", "--url", url + "/webhook", "--app-secret", kSecret});
  ASSERT_EQ(simulate.Wait(), 0) << simulate.ReadAllStdout();
  ChildProcess create(WJ_BINARY, {"token", "create", "--db", db, "--scope", "read"});
  std::string token = create.ReadAllStdout();
  ASSERT_EQ(create.Wait(), 0);
  token.pop_back();  // the newline
  HttpClient client;
  auto get = [&](const std::string& path) {
    auto r = client.Get(url + path, {"Authorization: Bearer " + token});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << path << " " << r->body;
    return nlohmann::json::parse(r->body);
  };
  const auto week_ago = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        7 * 86400;
  const auto templates =
      get("/api/v1/events?waba_id=102290129340398&field=message_template_status_update&since=" +
          std::to_string(week_ago));
  EXPECT_EQ(templates["events"].size(), 2u);
  const auto lifecycle = get(std::string("/api/v1/messages/") + kStoryWamid);
  EXPECT_EQ(lifecycle["status"], "read");
  EXPECT_EQ(lifecycle["events"].size(), 3u);
  const auto audit = get("/api/v1/wabas/102290129340398/audit?field=account_review_update");
  ASSERT_EQ(audit["items"].size(), 3u);  // the sample's APPROVED, then the story's two
  EXPECT_EQ(audit["items"][1]["value"]["decision"], "REJECTED");
  EXPECT_EQ(audit["items"][2]["value"]["decision"], "APPROVED");
  EXPECT_EQ(audit["current"]["review"]["decision"], "APPROVED");
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  EXPECT_EQ(server.ReadAllStderr().find(token), std::string::npos);
}

TEST(ServeProcessTest, MigrateThenVerifyDetectsTampering) {
  testing::TempDir dir;
  const std::string db = dir.File("m.db");
  ChildProcess migrate(WJ_BINARY, {"migrate", "--db", db});
  EXPECT_EQ(migrate.Wait(), 0);
  EXPECT_NE(migrate.ReadAllStdout().find("applied 0001_journal"), std::string::npos);
  {
    ChildProcess server(WJ_BINARY, ServeArgs(db));
    const std::string url = WaitUntilListening(server);
    ASSERT_FALSE(url.empty());
    HttpClient client;
    for (int i = 0; i < 3; ++i) {
      const std::string body = testing::InboundText("wamid.V" + std::to_string(i));
      auto r =
          client.Post(url + "/webhook", body, {"X-Hub-Signature-256: " + SignBody(kSecret, body)});
      ASSERT_TRUE(r.ok() && r->status == 200);
    }
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(), 0);
  }
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("DROP TRIGGER delivery_content_refuse_update");
    raw.exec(
        "UPDATE delivery_content SET body = CAST(replace(CAST(body AS TEXT), 'hello', 'HELLO')"
        " AS BLOB) WHERE delivery_id = 2");
  }
  ChildProcess verify(WJ_BINARY, {"verify", "--db", db});
  EXPECT_EQ(verify.Wait(), 1);
  const std::string out = verify.ReadAllStdout();
  EXPECT_NE(out.find("delivery 2"), std::string::npos) << out;
  EXPECT_NE(out.find("chain hash"), std::string::npos) << out;
}

TEST(ServeProcessTest, RefusesDatabaseWrittenByNewerSchema) {
  testing::TempDir dir;
  const std::string db = dir.File("new.db");
  ChildProcess migrate(WJ_BINARY, {"migrate", "--db", db});
  ASSERT_EQ(migrate.Wait(), 0);
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO schema_migrations VALUES (9999, '9999_future', 'x', 0)");
  }
  ChildProcess server(WJ_BINARY, ServeArgs(db));
  EXPECT_EQ(server.Wait(), 1);
  EXPECT_NE(server.ReadAllStderr().find("newer than this binary"), std::string::npos);
}

// A write that the file system refuses (here: RLIMIT_FSIZE, as on a full disk) fails the
// commit: every answer is then 503, never 200, and everything answered 200 before survives.
TEST(ServeProcessTest, WriteFailureAnswers503AndKeepsAcknowledgedDeliveries) {
  testing::TempDir dir;
  const std::string db = dir.File("full.db");
  ChildProcess migrate(WJ_BINARY, {"migrate", "--db", db});
  ASSERT_EQ(migrate.Wait(), 0);
  std::vector<std::string> args = {"--fsize=" + std::to_string(1 << 20), WJ_BINARY};
  for (const auto& a : ServeArgs(db)) args.push_back(a);
  ChildProcess server("/usr/bin/prlimit", args);
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  HttpClient client;
  std::vector<std::string> acked;
  int refused = 0;
  // 64 KiB bodies: the 1 MiB limit is reached within a few dozen deliveries.
  for (int i = 0; i < 60; ++i) {
    const std::string wamid = "wamid.full-" + std::to_string(i);
    const std::string body = testing::InboundText(wamid, std::string(64 << 10, 'x'));
    auto r =
        client.Post(url + "/webhook", body, {"X-Hub-Signature-256: " + SignBody(kSecret, body)});
    ASSERT_TRUE(r.ok()) << r.status().message();
    if (r->status == 200) {
      EXPECT_EQ(refused, 0) << "a 200 after a failed commit";
      acked.push_back(wamid);
    } else {
      EXPECT_EQ(r->status, 503);
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_FALSE(acked.empty());
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  EXPECT_NE(server.ReadAllStderr().find("journal commit"), std::string::npos);

  ChildProcess verify(WJ_BINARY, {"verify", "--db", db});
  EXPECT_EQ(verify.Wait(), 0) << verify.ReadAllStdout();
  for (const auto& wamid : acked) {
    EXPECT_EQ(testing::CountEventsOfWamid(db, wamid), 1) << wamid;
  }
}

// kill -9 in the middle of a stream of deliveries: every delivery that was answered 200
// must be in the journal after restart, and the chain must verify.
TEST(ServeProcessTest, KillNineLosesNoAcknowledgedDelivery) {
  testing::TempDir dir;
  const std::string db = dir.File("crash.db");
  std::mutex mu;
  std::condition_variable progress;
  std::set<std::string> acked;
  for (int round = 0; round < 3; ++round) {
    ChildProcess server(WJ_BINARY, ServeArgs(db));
    const std::string url = WaitUntilListening(server);
    ASSERT_FALSE(url.empty());
    int answered = 0;  // guarded by mu
    std::atomic<bool> stop = false;
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(3000);
        for (int i = 0; !stop; ++i) {
          const std::string wamid = "wamid.crash-" + std::to_string(round) + "-" +
                                    std::to_string(c) + "-" + std::to_string(i);
          const std::string body = testing::InboundText(wamid);
          auto r = client.Post(url + "/webhook", body,
                               {"X-Hub-Signature-256: " + SignBody(kSecret, body)});
          if (!r.ok()) return;  // the server is gone
          if (r->status == 200) {
            std::lock_guard lock(mu);
            acked.insert(wamid);
            ++answered;
            progress.notify_one();
          }
        }
      });
    }
    // Kill once a few hundred deliveries have been acknowledged: mid-stream, not at rest.
    {
      std::unique_lock lock(mu);
      // No ASSERT here: the client threads must be joined whatever happens.
      EXPECT_TRUE(
          progress.wait_for(lock, seconds(60), [&] { return answered >= 100 + 50 * round; }));
    }
    server.Signal(SIGKILL);
    EXPECT_EQ(server.Wait(), 128 + SIGKILL);
    stop = true;
    for (auto& t : clients) t.join();
  }
  ChildProcess verify(WJ_BINARY, {"verify", "--db", db});
  EXPECT_EQ(verify.Wait(), 0) << verify.ReadAllStdout();
  const std::set<std::string> stored = testing::StoredWamids(db);
  std::size_t missing = 0;
  for (const auto& w : acked) missing += stored.count(w) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged";
  EXPECT_GE(acked.size(), 300u);
}

// The reconciler as a user tries it: two watched WABAs against the fake Graph API, one
// subscribed and one missing; --auto-resubscribe heals the missing one; a throttled answer
// pauses calls to that WABA for the time Meta asked.
TEST(ServeProcessTest, TheReconcilerShowsBothStatesHealsAndHonoursAThrottle) {
  constexpr const char* kAccessToken = "EAAG-process-test-token-4242";
  const std::string a = "111111111111111";
  const std::string b = "222222222222222";
  testing::FakeGraphApi fake;
  fake.Set(a, testing::FakeGraphApi::Mode::kSubscribed);
  fake.Set(b, testing::FakeGraphApi::Mode::kMissing);
  testing::TempDir dir;
  const std::string db = dir.File("rec.db");
  std::vector<std::string> args = ServeArgs(db);
  for (const std::string& extra :
       {std::string("--graph-url"), fake.BaseUrl(), std::string("--access-token"),
        std::string(kAccessToken), std::string("--app-id"),
        std::string(testing::FakeGraphApi::kDefaultAppId), std::string("--waba"), a,
        std::string("--waba"), b, std::string("--reconcile-interval"), std::string("2s"),
        std::string("--auto-resubscribe")}) {
    args.push_back(extra);
  }
  ChildProcess server(WJ_BINARY, args);
  const std::string url = WaitUntilListening(server);
  ASSERT_FALSE(url.empty());
  // A second GET of each WABA means its first check (and b's healing) was recorded.
  ASSERT_TRUE(fake.WaitForCalls(a, 2, seconds(20), "GET"));
  ASSERT_TRUE(fake.WaitForCalls(b, 3, seconds(20), "GET"));
  EXPECT_EQ(fake.Calls(b, "POST"), 1);

  ChildProcess create(WJ_BINARY, {"token", "create", "--db", db, "--scope", "read"});
  std::string token = create.ReadAllStdout();
  ASSERT_EQ(create.Wait(), 0);
  token.pop_back();
  HttpClient client;
  auto list = client.Get(url + "/api/v1/subscriptions", {"Authorization: Bearer " + token});
  ASSERT_TRUE(list.ok());
  const auto body = nlohmann::json::parse(list->body);
  ASSERT_EQ(body["subscriptions"].size(), 2u) << list->body;
  EXPECT_EQ(body["subscriptions"][0]["state"], "subscribed");
  EXPECT_EQ(body["subscriptions"][1]["state"], "subscribed");  // healed
  auto history = client.Get(url + "/api/v1/subscriptions/" + b + "/history",
                            {"Authorization: Bearer " + token});
  ASSERT_TRUE(history.ok());
  const auto checks = nlohmann::json::parse(history->body)["checks"];
  ASSERT_GE(checks.size(), 3u);
  EXPECT_EQ(checks[checks.size() - 1]["state"], "missing");
  EXPECT_EQ(checks[checks.size() - 2]["action"], "resubscribe");

  // Throttled for an hour: after the throttled answer, a keeps quiet while b goes on.
  fake.SetThrottle(a, 60);
  fake.Set(a, testing::FakeGraphApi::Mode::kThrottled);
  const int before = fake.Calls(a, "GET");
  ASSERT_TRUE(fake.WaitForCalls(a, before + 1, seconds(20), "GET"));
  const int b_calls = fake.Calls(b, "GET");
  ASSERT_TRUE(fake.WaitForCalls(b, b_calls + 3, seconds(30), "GET"));
  EXPECT_EQ(fake.Calls(a, "GET"), before + 1);

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  const std::string log = server.ReadAllStderr();
  EXPECT_NE(log.find("222222222222222 subscription"), std::string::npos) << log;
  EXPECT_EQ(log.find(kAccessToken), std::string::npos);
}

}  // namespace
}  // namespace wj::server
