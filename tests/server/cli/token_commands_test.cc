// `waba-journal token`, run as a process, as an operator would.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "server/api/api_auth.h"
#include "storage/journal_store.h"
#include "storage/token_store.h"
#include "tests/support/api_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using testing::ChildProcess;
using testing::TempDir;

using Outcome = testing::CliOutcome;
using testing::RunCli;

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TokenCommandTest, CreatePrintsTheTokenAsTheOnlyLineAndStoresOnlyItsHash) {
  TempDir dir;
  const std::string db = dir.File("j.db");
  Outcome r = RunCli({"token", "create", "--db", db, "--scope", "read", "--waba", "123", "--waba",
                      "456", "--name", "crm"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out.back(), '\n');
  const std::string token = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(token.find('\n'), std::string::npos);
  EXPECT_EQ(token.rfind("wjt_", 0), 0u);

  auto store = storage::OpenJournalStore(db).value()->OpenTokens(storage::Access::kReadOnly);
  ASSERT_TRUE(store.ok());
  auto found = store.value()->FindActive(HashApiToken(token));
  ASSERT_TRUE(found.ok() && found.value());
  EXPECT_EQ(found.value()->name, "crm");
  EXPECT_EQ(found.value()->scope, storage::TokenScope::kRead);
  EXPECT_EQ(found.value()->waba_ids, (std::vector<std::string>{"123", "456"}));
  store.value().reset();
  // Neither the database nor its WAL holds the token itself.
  for (const char* suffix : {"", "-wal"}) {
    EXPECT_EQ(FileBytes(db + suffix).find(token.substr(4)), std::string::npos) << suffix;
  }
}

TEST(TokenCommandTest, CreateRefusesAMissingOrUnknownScope) {
  TempDir dir;
  Outcome none = RunCli({"token", "create", "--db", dir.File("j.db")});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("--scope"), std::string::npos) << none.err;
  Outcome root = RunCli({"token", "create", "--db", dir.File("j.db"), "--scope", "root"});
  EXPECT_EQ(root.code, 2);
  EXPECT_NE(root.err.find("scope"), std::string::npos) << root.err;
  EXPECT_TRUE(root.out.empty());
  EXPECT_EQ(RunCli({"token", "frobnicate"}).code, 2);
  Outcome waba =
      RunCli({"token", "create", "--db", dir.File("j.db"), "--scope", "read", "--waba", "12ab"});
  EXPECT_EQ(waba.code, 2);
  EXPECT_NE(waba.err.find("--waba"), std::string::npos) << waba.err;
}

TEST(TokenCommandTest, ListShowsTokensAndRevokeEndsOne) {
  TempDir dir;
  const std::string db = dir.File("j.db");
  const Outcome created = RunCli({"token", "create", "--db", db, "--scope", "admin"});
  ASSERT_EQ(created.code, 0);
  const std::string token = created.out.substr(0, created.out.size() - 1);
  Outcome list = RunCli({"token", "list", "--db", db});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("1\tadmin\tadmin token\t*\t"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token), std::string::npos);

  Outcome revoke = RunCli({"token", "revoke", "--db", db, "--id", "1"});
  ASSERT_EQ(revoke.code, 0) << revoke.err;
  auto store = storage::OpenJournalStore(db).value()->OpenTokens(storage::Access::kReadOnly);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(store.value()->FindActive(HashApiToken(token)).value());
  EXPECT_EQ(RunCli({"token", "revoke", "--db", db, "--id", "7"}).code, 1);
  EXPECT_EQ(RunCli({"token", "revoke", "--db", db}).code, 2);
}

TEST(TokenCommandTest, ATokenCreatedWhileTheServerRunsWorksAtOnce) {
  TempDir dir;
  testing::TestService service(testing::TestConfig(dir));
  Outcome created =
      RunCli({"token", "create", "--db", service.config().db_path, "--scope", "read"});
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string token = created.out.substr(0, created.out.size() - 1);
  EXPECT_EQ(service.Get("/api/v1/wabas", {"Authorization: Bearer " + token}).status, 200);
}

}  // namespace
}  // namespace wj::server
