#include "server/util/cli_flags.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/environment.h"

namespace wj::server {
namespace {

FlagSet TestFlags() {
  return FlagSet("Usage: test [options]", {
                                              {"name", "TEST_NAME", "TEXT", "A name.", ""},
                                              {"size", "TEST_SIZE", "N", "A size.", "10"},
                                              {"tag", "TEST_TAGS", "TAG", "A tag.", "", true},
                                              {"verbose", "TEST_VERBOSE", "", "Talk more.", ""},
                                              {"local", "", "X", "No variable.", ""},
                                          });
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

}  // namespace
}  // namespace wj::server
