#include "server/forwarding/destinations.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/environment.h"

namespace wj::server {
namespace {

Environment NoEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

TEST(DestinationsTest, ParsesEveryOption) {
  DestinationOptions o;
  o.destinations = {"crm=https://crm.example.com/hooks/meta", "bot=http://bot.internal:8081/"};
  o.secrets = {"crm=s3cret"};
  o.modes = {"bot=original"};
  o.wabas = {"crm=111", "crm=222"};
  o.fields = {"crm=messages"};
  auto parsed = ParseDestinations(o, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 2u);
  const Destination& crm = parsed.value()[0];
  EXPECT_EQ(crm.name, "crm");
  EXPECT_EQ(crm.url, "https://crm.example.com/hooks/meta");
  EXPECT_EQ(crm.secret, "s3cret");
  EXPECT_EQ(crm.mode, ForwardMode::kResign);
  EXPECT_EQ(crm.waba_ids, (std::vector<std::string>{"111", "222"}));
  EXPECT_EQ(crm.fields, (std::vector<std::string>{"messages"}));
  const Destination& bot = parsed.value()[1];
  EXPECT_EQ(bot.mode, ForwardMode::kOriginal);
  EXPECT_TRUE(bot.secret.empty());  // original mode forwards Meta's own signature
}

TEST(DestinationsTest, ReadsASecretFromTheEnvironment) {
  DestinationOptions o;
  o.destinations = {"my-crm=https://crm.example.com/"};
  auto parsed = ParseDestinations(o, Env({{"WABA_DESTINATION_SECRET_MY_CRM", "from-env"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed.value()[0].secret, "from-env");
  o.secrets = {"my-crm=from-flag"};
  EXPECT_EQ(
      ParseDestinations(o, Env({{"WABA_DESTINATION_SECRET_MY_CRM", "from-env"}})).value()[0].secret,
      "from-flag");
}

TEST(DestinationsTest, RefusesBadOptionsNamingThem) {
  struct Case {
    DestinationOptions options;
    std::string expected;  // a part of the message
  };
  auto with = [](std::vector<std::string> d, std::vector<std::string> secrets = {"a=s"}) {
    DestinationOptions o;
    o.destinations = std::move(d);
    o.secrets = std::move(secrets);
    return o;
  };
  std::vector<Case> cases = {
      {with({"a"}), "--destination must be NAME=VALUE"},
      {with({"=http://x/"}), "--destination must be NAME=VALUE"},
      {with({"a b=http://x/"}), "name"},
      {with({"a=http://x/", "a=http://y/"}), "twice"},
      {with({"a=ftp://x/"}), "--destination a"},
      {with({"a=http://user:pw@x/"}), "--destination a"},
      {with({"a=http://x/"}, {}), "needs a signing secret"},
      {with({"a=http://x/"}, {"b=s"}), "--destination-secret names 'b'"},
  };
  DestinationOptions mode = with({"a=http://x/"});
  mode.modes = {"a=forward"};
  cases.push_back({mode, "resign or original"});
  DestinationOptions waba = with({"a=http://x/"});
  waba.wabas = {"a=../etc"};
  cases.push_back({waba, "not a WABA id"});
  for (const Case& c : cases) {
    auto parsed = ParseDestinations(c.options, NoEnv());
    ASSERT_FALSE(parsed.ok()) << c.expected;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << parsed.status().message();
  }
}

TEST(DestinationsTest, MatchesByWabaAndField) {
  Destination d{"a", "http://x/", "s", ForwardMode::kResign, {"111"}, {"messages", "security"}};
  storage::StoredEvent e;
  e.waba_id = "111";
  e.field = "messages";
  EXPECT_TRUE(d.Matches(e));
  e.field = "flows";
  EXPECT_FALSE(d.Matches(e));
  e.field = "security";
  e.waba_id = "222";
  EXPECT_FALSE(d.Matches(e));
  Destination all{"b", "http://x/", "s", ForwardMode::kResign, {}, {}};
  EXPECT_TRUE(all.Matches(e));
}

}  // namespace
}  // namespace wj::server
