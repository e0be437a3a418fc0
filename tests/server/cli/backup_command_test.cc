// `waba-journal backup` against a journal that a running service keeps writing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "storage/journal_store.h"
#include "tests/support/api_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/payloads.h"
#include "tests/support/test_service.h"
#include <sys/stat.h>

namespace wj::server {
namespace {

using testing::ChildProcess;
using testing::TempDir;

using Outcome = testing::CliOutcome;
using testing::RunCli;

TEST(BackupCommandTest, CopiesAJournalUnderIngestWithoutStoppingItAndTheCopyVerifies) {
  TempDir dir;
  testing::TestService service(testing::TestConfig(dir));
  const std::string db = service.config().db_path;
  const std::string token = testing::CreateToken(db, storage::TokenScope::kRead);

  // Steady ingest from two clients for the whole test; each answer's latency is recorded.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed{0};
  std::vector<std::vector<std::pair<std::chrono::steady_clock::time_point, double>>> answers(2);
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client;  // one per thread: a client is not shared
      for (int i = 0; !stop.load(); ++i) {
        const std::string body =
            testing::InboundText("wamid.c" + std::to_string(c) + "." + std::to_string(i));
        const auto t0 = std::chrono::steady_clock::now();
        auto r = client.Post(service.Url("/webhook"), body,
                             {"Content-Type: application/json",
                              "X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body)});
        const auto t1 = std::chrono::steady_clock::now();
        (r.ok() && r->status == 200 ? acknowledged : failed).fetch_add(1);
        answers[c].push_back({t1, std::chrono::duration<double, std::milli>(t1 - t0).count()});
      }
    });
  }
  while (acknowledged.load() < 200) std::this_thread::yield();
  const int before = acknowledged.load();
  const auto backup_started = std::chrono::steady_clock::now();

  const std::string copy = dir.File("copy.db");
  Outcome r = RunCli({"backup", "--db", db, "--to", copy});

  const auto backup_ended = std::chrono::steady_clock::now();
  const int during_end = acknowledged.load();
  while (acknowledged.load() < during_end + 50) std::this_thread::yield();
  stop = true;
  for (auto& t : clients) t.join();

  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verify: OK"), std::string::npos) << r.out;
  EXPECT_EQ(failed.load(), 0);
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(copy + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
  // The journal key goes with the copy: without it the copy's digests find nothing.
  ASSERT_EQ(::stat((copy + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream original_key(db + ".key");
  std::ifstream copied_key(copy + ".key");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(original_key), {}),
            std::string(std::istreambuf_iterator<char>(copied_key), {}));
  EXPECT_NE(r.out.find("journal key copied to " + copy + ".key"), std::string::npos) << r.out;
  auto copy_reader = storage::OpenJournalStore(copy).value()->OpenReader(1);
  EXPECT_TRUE(copy_reader.ok()) << copy_reader.status().message();

  // The copy is a consistent journal holding at least what was acknowledged before it began.
  auto store = storage::OpenJournalStore(copy).value();
  auto verified = store->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_GE(verified->deliveries, before);
  EXPECT_LE(verified->deliveries, during_end);
  // It carries the tokens too: a restored journal serves the same API clients.
  auto tokens = store->OpenTokens(storage::Access::kReadOnly).value()->List();
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 1u);

  // Ingest went on while the copy was made: no answer in that window waited for the backup.
  double slowest = 0;
  int answered_during = 0;
  for (const auto& list : answers) {
    for (const auto& [at, ms] : list) {
      if (at < backup_started || at > backup_ended) continue;
      ++answered_during;
      slowest = std::max(slowest, ms);
    }
  }
  EXPECT_GT(answered_during, 0);
  EXPECT_LT(slowest, 5000.0);  // a writer held up for the whole copy would show here
  RecordProperty("slowest_answer_during_backup_ms", std::to_string(slowest));
}

TEST(BackupCommandTest, RefusesToOverwriteAndNeedsAnExistingJournalAndATarget) {
  TempDir dir;
  { testing::TestService service(testing::TestConfig(dir)); }
  const std::string db = dir.File("journal.db");
  const std::string existing = dir.File("existing.db");
  { std::ofstream(existing) << "keep me"; }

  Outcome overwrite = RunCli({"backup", "--db", db, "--to", existing});
  Outcome missing = RunCli({"backup", "--db", dir.File("none.db"), "--to", dir.File("c.db")});
  Outcome no_target = RunCli({"backup", "--db", db});

  EXPECT_EQ(overwrite.code, 1);
  EXPECT_NE(overwrite.err.find("exists"), std::string::npos) << overwrite.err;
  std::ifstream in(existing);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "keep me");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no database"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("c.db")));
  EXPECT_EQ(no_target.code, 2);
  EXPECT_NE(no_target.err.find("--to"), std::string::npos) << no_target.err;
}

}  // namespace
}  // namespace wj::server
