// `waba-journal events`, run as a process beside a running service.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using nlohmann::json;
using testing::ChildProcess;

struct Outcome {
  int code;
  std::vector<std::string> lines;
  std::string err;
};

class EventsCommandTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    Post(testing::InboundText("wamid.1", "one", "111"));
    Post(testing::InboundText("wamid.1", "one", "111"));  // redelivery
    Post(testing::Change("222", "security", R"({"event":"PIN_CHANGED"})", 1700000000));
    Post(testing::InboundText("wamid.2", "two", "222"));
  }

  Outcome RunCli(std::vector<std::string> args) {
    args.insert(args.begin(), {"events", "--db", service_.config().db_path});
    ChildProcess p(WJ_BINARY, args);
    std::istringstream out(p.ReadAllStdout());
    Outcome o{p.Wait(), {}, p.ReadAllStderr()};
    for (std::string line; std::getline(out, line);) o.lines.push_back(line);
    return o;
  }
};

TEST_F(EventsCommandTest, PrintsTheApisEventsAsNdjsonWhileTheServerRuns) {
  Outcome r = RunCli({});
  ASSERT_EQ(r.code, 0) << r.err;
  const json api = Get("/api/v1/events").body["events"];
  ASSERT_EQ(r.lines.size(), api.size());
  for (std::size_t i = 0; i < r.lines.size(); ++i) EXPECT_EQ(json::parse(r.lines[i]), api[i]);
}

TEST_F(EventsCommandTest, AppliesTheApisFilters) {
  EXPECT_EQ(RunCli({"--include-duplicates"}).lines.size(), 4u);
  EXPECT_EQ(RunCli({"--waba-id", "222"}).lines.size(), 2u);
  EXPECT_EQ(RunCli({"--field", "security", "--field", "messages", "--waba-id", "111"}).lines.size(),
            1u);
  EXPECT_EQ(RunCli({"--wamid", "wamid.2"}).lines.size(), 1u);
  Outcome desc = RunCli({"--order", "desc", "--limit", "2"});
  ASSERT_EQ(desc.lines.size(), 2u);
  EXPECT_EQ(json::parse(desc.lines[0])["seq"], 4);
  EXPECT_EQ(json::parse(desc.lines[1])["seq"], 3);
  EXPECT_EQ(RunCli({"--since", "2999-01-01T00:00:00Z"}).lines.size(), 0u);
}

TEST_F(EventsCommandTest, PrintsATable) {
  Outcome r = RunCli({"--format", "table"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0].rfind("1 ", 0), 0u) << r.lines[0];
  EXPECT_NE(r.lines[1].find("security"), std::string::npos);
  EXPECT_NE(r.lines[2].find("wamid.2"), std::string::npos);
}

TEST_F(EventsCommandTest, RejectsBadFlagsNamingThem) {
  Outcome since = RunCli({"--since", "yesterday"});
  EXPECT_EQ(since.code, 2);
  EXPECT_NE(since.err.find("since"), std::string::npos) << since.err;
  Outcome format = RunCli({"--format", "xml"});
  EXPECT_EQ(format.code, 2);
  EXPECT_NE(format.err.find("format"), std::string::npos);
  ChildProcess missing(WJ_BINARY, {"events", "--db", dir_.File("absent.db")});
  EXPECT_EQ(missing.Wait(), 1);
}

}  // namespace
}  // namespace wj::server
