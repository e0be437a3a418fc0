#include "server/cli/serve_flags.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/environment.h"

namespace wj::server {
namespace {

const std::map<std::string, std::string> kRequired = {{"WABA_APP_SECRET", "s3cret"},
                                                      {"WABA_VERIFY_TOKEN", "tok"}};

Result<ServeConfig> Config(const std::vector<std::string>& args,
                           std::map<std::string, std::string> env = kRequired) {
  FlagSet flags = ServeFlags();
  Status parsed = flags.Parse(args, Env(std::move(env)));
  if (!parsed.ok()) return parsed;
  return ServeConfigFromFlags(flags);
}

TEST(ServeConfigTest, HasDocumentedDefaults) {
  auto config = Config({});

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->listen.host, "127.0.0.1");
  EXPECT_EQ(config->listen.port, 8080);
  EXPECT_EQ(config->db_path, "./waba-journal.db");
  EXPECT_EQ(config->max_body_bytes, 4194304u);
  EXPECT_EQ(config->threads, 2);
  EXPECT_EQ(config->sync, storage::SyncMode::kFull);
  EXPECT_FALSE(config->demo);
  EXPECT_EQ(config->app_secrets, (std::vector<std::string>{"s3cret"}));
  EXPECT_EQ(config->verify_token, "tok");
}

TEST(ServeConfigTest, ContentIsKeptUnlessARetentionIsGiven) {
  auto config = Config({});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->retention.empty());

  auto with = Config({"--content-retention", "30d", "--content-retention-waba",
                      "102290129340398=90d", "--content-retention-waba", "200000000000001=12h"});
  ASSERT_TRUE(with.ok()) << with.status().message();
  EXPECT_EQ(with->retention.all, std::chrono::seconds(30 * 86400));
  EXPECT_EQ(with->retention.per_waba.at("102290129340398"), std::chrono::seconds(90 * 86400));
  EXPECT_EQ(with->retention.per_waba.at("200000000000001"), std::chrono::seconds(12 * 3600));

  auto env = kRequired;
  env["WABA_JOURNAL_CONTENT_RETENTION"] = "7d";
  env["WABA_JOURNAL_CONTENT_RETENTION_WABAS"] = "1=1d,2=2d";
  auto from_env = Config({}, env);
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->retention.all, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(from_env->retention.per_waba.size(), 2u);
}

TEST(ServeConfigTest, RejectsBadRetention) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--content-retention", "30x"},
        {"--content-retention", "0d"},
        {"--content-retention-waba", "30d"},
        {"--content-retention-waba", "abc=30d"},
        {"--content-retention-waba", "1=forever"},
        {"--content-retention-waba", "1=1d", "--content-retention-waba", "1=2d"}}) {
    auto config = Config(args);
    ASSERT_FALSE(config.ok()) << args.back();
    EXPECT_NE(config.status().message().find("--content-retention"), std::string::npos)
        << config.status().message();
  }
}

TEST(ServeConfigTest, WebRootMustBeAnExistingDirectory) {
  EXPECT_TRUE(Config({})->web_root.empty());
  auto env = kRequired;
  env["WABA_JOURNAL_WEB_ROOT"] = "/";
  auto from_env = Config({}, env);
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->web_root, "/");
  auto missing = Config({"--web-root", "/no/such/dir"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--web-root"), std::string::npos);
}

TEST(ServeConfigTest, ReadsEveryFlag) {
  auto config = Config(
      {"--listen", "[::1]:9000", "--db=/tmp/j.db", "--app-secret", "a", "--app-secret", "b",
       "--verify-token", "vt", "--max-body", "1024", "--threads", "64", "--synchronous", "normal"},
      {});

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->listen.host, "::1");
  EXPECT_EQ(config->listen.port, 9000);
  EXPECT_EQ(config->db_path, "/tmp/j.db");
  EXPECT_EQ(config->app_secrets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config->verify_token, "vt");
  EXPECT_EQ(config->max_body_bytes, 1024u);
  EXPECT_EQ(config->threads, 64);
  EXPECT_EQ(config->sync, storage::SyncMode::kNormal);
}

TEST(ServeConfigTest, ReadsEveryVariable) {
  auto config = Config({}, {{"WABA_JOURNAL_LISTEN", "0.0.0.0:0"},
                            {"WABA_JOURNAL_DB", "/var/lib/j.db"},
                            {"WABA_APP_SECRET", "a,b"},
                            {"WABA_VERIFY_TOKEN", "vt"},
                            {"WABA_JOURNAL_MAX_BODY", "268435456"},
                            {"WABA_JOURNAL_THREADS", "1"},
                            {"WABA_JOURNAL_SYNCHRONOUS", "extra"}});

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->listen.host, "0.0.0.0");
  EXPECT_EQ(config->listen.port, 0);
  EXPECT_EQ(config->db_path, "/var/lib/j.db");
  EXPECT_EQ(config->app_secrets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config->max_body_bytes, 268435456u);
  EXPECT_EQ(config->threads, 1);
  EXPECT_EQ(config->sync, storage::SyncMode::kExtra);
}

TEST(ServeConfigTest, RequiresAppSecret) {
  auto config = Config({"--verify-token", "tok"}, {});
  ASSERT_FALSE(config.ok());
  ExpectInvalidNaming(config.status(), "--app-secret");
}

TEST(ServeConfigTest, RequiresVerifyToken) {
  auto config = Config({"--app-secret", "s"}, {});
  ASSERT_FALSE(config.ok());
  ExpectInvalidNaming(config.status(), "--verify-token");
}

TEST(ServeConfigTest, TreatsEmptyVerifyTokenAsMissing) {
  auto config = Config({"--app-secret", "s", "--verify-token="}, {});
  ASSERT_FALSE(config.ok());
  ExpectInvalidNaming(config.status(), "--verify-token");
}

// An empty HMAC key is public knowledge: anyone could sign deliveries with it.
TEST(ServeConfigTest, RejectsEmptyAppSecret) {
  auto config = Config({"--app-secret=", "--verify-token", "tok"}, {});
  ASSERT_FALSE(config.ok()) << "accepted an empty app secret";
  ExpectInvalidNaming(config.status(), "--app-secret");
}

TEST(ServeConfigTest, DemoModeAllowsMissingSecretAndToken) {
  auto flag = Config({"--demo"}, {});
  ASSERT_TRUE(flag.ok()) << flag.status().message();
  EXPECT_TRUE(flag->demo);
  EXPECT_TRUE(flag->app_secrets.empty());
  EXPECT_TRUE(flag->verify_token.empty());

  auto env = Config({}, {{"WABA_JOURNAL_DEMO", "1"}});
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_TRUE(env->demo);
}

TEST(ServeConfigTest, RejectsBadListenAddress) {
  for (const char* bad : {"localhost", "localhost:", ":8080", "host:http", "host:65536", "host:-1",
                          "[::1]8080", "[::1", "[::1]:", "host:80x", ""}) {
    auto config = Config({"--listen", bad});
    ASSERT_FALSE(config.ok()) << "accepted '" << bad << "'";
    ExpectInvalidNaming(config.status(), "--listen");
  }
}

TEST(ServeConfigTest, RejectsBadMaxBody) {
  for (const char* bad : {"abc", "-1", "1023", "268435457", "4MB", "", "1e6"}) {
    auto config = Config({"--max-body", bad});
    ASSERT_FALSE(config.ok()) << "accepted '" << bad << "'";
    ExpectInvalidNaming(config.status(), "--max-body");
  }
}

TEST(ServeConfigTest, RejectsBadThreads) {
  for (const char* bad : {"0", "65", "two", "-2"}) {
    auto config = Config({"--threads", bad});
    ASSERT_FALSE(config.ok()) << "accepted '" << bad << "'";
    ExpectInvalidNaming(config.status(), "--threads");
  }
}

TEST(ServeConfigTest, RejectsBadSynchronousMode) {
  for (const char* bad : {"fast", "off", "0", ""}) {
    auto config = Config({"--synchronous", bad});
    ASSERT_FALSE(config.ok()) << "accepted '" << bad << "'";
    ExpectInvalidNaming(config.status(), "--synchronous");
  }
}

TEST(ServeConfigTest, SplitsAppSecretVariableIntoSeveralSecrets) {
  auto config = Config({}, {{"WABA_APP_SECRET", "a,b"}, {"WABA_VERIFY_TOKEN", "t"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->app_secrets, (std::vector<std::string>{"a", "b"}));
}

TEST(ServeConfigTest, AppSecretFlagReplacesVariable) {
  auto config = Config({"--app-secret", "flag"}, kRequired);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->app_secrets, (std::vector<std::string>{"flag"}));
}

TEST(ServeConfigTest, HelpListsEveryFlagAndVariable) {
  const std::string help = ServeFlags().Help();
  for (const char* text :
       {"--listen", "WABA_JOURNAL_LISTEN", "--db", "WABA_JOURNAL_DB", "--app-secret",
        "WABA_APP_SECRET", "--verify-token", "WABA_VERIFY_TOKEN", "--max-body",
        "WABA_JOURNAL_MAX_BODY", "--threads", "WABA_JOURNAL_THREADS", "--synchronous",
        "WABA_JOURNAL_SYNCHRONOUS", "--demo", "WABA_JOURNAL_DEMO", "--help"}) {
    EXPECT_NE(help.find(text), std::string::npos) << text << " missing from\n" << help;
  }
}

TEST(ServeConfigTest, HelpRequestIsReportedBeforeValidation) {
  FlagSet flags = ServeFlags();
  ASSERT_TRUE(flags.Parse({"--help"}, Env()).ok());
  EXPECT_TRUE(flags.help_requested());
}

}  // namespace
}  // namespace wj::server
