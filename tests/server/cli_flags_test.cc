#include "server/cli_flags.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/config.h"

namespace wj::server {
namespace {

// An Environment backed by a map, so tests never touch the process environment.
Environment Env(std::map<std::string, std::string> vars = {}) {
  return [table = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
  };
}

FlagSet TestFlags() {
  return FlagSet("Usage: test [options]", {
                                              {"name", "TEST_NAME", "TEXT", "A name.", ""},
                                              {"size", "TEST_SIZE", "N", "A size.", "10"},
                                              {"tag", "TEST_TAGS", "TAG", "A tag.", "", true},
                                              {"verbose", "TEST_VERBOSE", "", "Talk more.", ""},
                                              {"local", "", "X", "No variable.", ""},
                                          });
}

void ExpectInvalidNaming(const Status& status, const std::string& text) {
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.message();
  EXPECT_NE(status.message().find(text), std::string::npos) << status.message();
}

TEST(FlagSetTest, ParsesSeparateValue) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({"--name", "alice", "--size", "3"}, Env()).ok());
  EXPECT_EQ(flags.Get("name"), "alice");
  EXPECT_EQ(flags.Get("size"), "3");
}

TEST(FlagSetTest, ParsesInlineValue) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({"--name=alice", "--local=a=b"}, Env()).ok());
  EXPECT_EQ(flags.Get("name"), "alice");
  EXPECT_EQ(flags.Get("local"), "a=b");
}

TEST(FlagSetTest, AcceptsEmptyInlineValue) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({"--name="}, Env({{"TEST_NAME", "from-env"}})).ok());
  EXPECT_EQ(flags.Get("name"), "");
}

TEST(FlagSetTest, UsesDefaultWhenNeitherFlagNorVariable) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({}, Env()).ok());
  EXPECT_EQ(flags.Get("size"), "10");
  EXPECT_EQ(flags.Get("name"), std::nullopt);
  EXPECT_TRUE(flags.GetAll("tag").empty());
  EXPECT_EQ(flags.Get("no-such-flag"), std::nullopt);
}

TEST(FlagSetTest, ParsesSwitch) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({"--verbose", "--name", "x"}, Env()).ok());
  EXPECT_TRUE(flags.IsSet("verbose"));
  EXPECT_EQ(flags.Get("name"), "x") << "a switch must not consume the next argument";

  FlagSet unset = TestFlags();
  ASSERT_TRUE(unset.Parse({}, Env()).ok());
  EXPECT_FALSE(unset.IsSet("verbose"));
}

TEST(FlagSetTest, RejectsValueForSwitch) {
  FlagSet flags = TestFlags();
  ExpectInvalidNaming(flags.Parse({"--verbose=yes"}, Env()), "--verbose");
}

TEST(FlagSetTest, ReadsSwitchFromEnvironment) {
  FlagSet on = TestFlags();
  ASSERT_TRUE(on.Parse({}, Env({{"TEST_VERBOSE", "1"}})).ok());
  EXPECT_TRUE(on.IsSet("verbose"));

  FlagSet off = TestFlags();
  ASSERT_TRUE(off.Parse({}, Env({{"TEST_VERBOSE", "0"}})).ok());
  EXPECT_FALSE(off.IsSet("verbose"));

  FlagSet off_word = TestFlags();
  ASSERT_TRUE(off_word.Parse({}, Env({{"TEST_VERBOSE", "false"}})).ok());
  EXPECT_FALSE(off_word.IsSet("verbose"));
}

TEST(FlagSetTest, CollectsRepeatableFlagInOrder) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({"--tag", "a", "--tag=b", "--name", "n", "--tag", "c"}, Env()).ok());
  EXPECT_EQ(flags.GetAll("tag"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(flags.Get("tag"), "a");
}

TEST(FlagSetTest, FallsBackToEnvironment) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({}, Env({{"TEST_NAME", "bob"}, {"TEST_SIZE", "7"}})).ok());
  EXPECT_EQ(flags.Get("name"), "bob");
  EXPECT_EQ(flags.Get("size"), "7");
}

TEST(FlagSetTest, IgnoresEmptyEnvironmentVariable) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({}, Env({{"TEST_SIZE", ""}})).ok());
  EXPECT_EQ(flags.Get("size"), "10");
}

TEST(FlagSetTest, SplitsRepeatableEnvironmentVariableOnCommas) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({}, Env({{"TEST_TAGS", "a,b,,c,"}})).ok());
  EXPECT_EQ(flags.GetAll("tag"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(FlagSetTest, DoesNotSplitNonRepeatableEnvironmentVariable) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags.Parse({}, Env({{"TEST_NAME", "a,b"}})).ok());
  EXPECT_EQ(flags.Get("name"), "a,b");
}

TEST(FlagSetTest, FlagBeatsEnvironment) {
  FlagSet flags = TestFlags();
  ASSERT_TRUE(flags
                  .Parse({"--name", "flag", "--tag", "t"},
                         Env({{"TEST_NAME", "env"}, {"TEST_TAGS", "e1,e2"}}))
                  .ok());
  EXPECT_EQ(flags.Get("name"), "flag");
  EXPECT_EQ(flags.GetAll("tag"), (std::vector<std::string>{"t"}));
}

TEST(FlagSetTest, RejectsUnknownFlag) {
  FlagSet flags = TestFlags();
  ExpectInvalidNaming(flags.Parse({"--nmae", "x"}, Env()), "--nmae");
  FlagSet inline_value = TestFlags();
  ExpectInvalidNaming(inline_value.Parse({"--bogus=1"}, Env()), "--bogus");
}

TEST(FlagSetTest, RejectsMissingValue) {
  FlagSet flags = TestFlags();
  ExpectInvalidNaming(flags.Parse({"--verbose", "--name"}, Env()), "--name");
}

TEST(FlagSetTest, RejectsRepeatedNonRepeatableFlag) {
  FlagSet flags = TestFlags();
  ExpectInvalidNaming(flags.Parse({"--name", "a", "--name=b"}, Env()), "--name");
  FlagSet switches = TestFlags();
  ExpectInvalidNaming(switches.Parse({"--verbose", "--verbose"}, Env()), "--verbose");
}

TEST(FlagSetTest, RejectsPositionalArgument) {
  FlagSet flags = TestFlags();
  ExpectInvalidNaming(flags.Parse({"--name", "a", "stray"}, Env()), "stray");
  FlagSet single_dash = TestFlags();
  ExpectInvalidNaming(single_dash.Parse({"-name"}, Env()), "-name");
}

TEST(FlagSetTest, HelpFlagSetsHelpRequested) {
  FlagSet flags = TestFlags();
  EXPECT_FALSE(flags.help_requested());
  ASSERT_TRUE(flags.Parse({"--name", "x", "--help"}, Env()).ok());
  EXPECT_TRUE(flags.help_requested());

  FlagSet short_form = TestFlags();
  ASSERT_TRUE(short_form.Parse({"-h"}, Env()).ok());
  EXPECT_TRUE(short_form.help_requested());
}

TEST(FlagSetTest, HelpListsEveryFlagWithItsVariable) {
  const std::string help = TestFlags().Help();
  EXPECT_EQ(help.rfind("Usage: test [options]", 0), 0u) << help;
  for (const char* text : {"--name TEXT", "TEST_NAME", "--size N", "Default: 10", "TEST_SIZE",
                           "--tag TAG", "Repeatable", "TEST_TAGS (comma-separated)", "--verbose",
                           "TEST_VERBOSE", "--local X", "--help"}) {
    EXPECT_NE(help.find(text), std::string::npos) << text << " missing from\n" << help;
  }
}

TEST(ParseCountTest, ParsesNonNegativeIntegers) {
  auto zero = ParseCount("n", "0");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero.value(), 0u);
  auto big = ParseCount("n", "18446744073709551615");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big.value(), 18446744073709551615u);
  for (const char* bad : {"", "-1", "+1", "1.5", "1k", " 1", "0x10", "18446744073709551616"}) {
    auto r = ParseCount("n", bad);
    ASSERT_FALSE(r.ok()) << bad;
    ExpectInvalidNaming(r.status(), "--n");
  }
}

// ServeConfig

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
