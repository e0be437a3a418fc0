#include "server/api/ops_routes.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/payloads.h"
#include "tests/support/test_service.h"

namespace wj::server {
namespace {

class OpsRoutesTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::TestService service_{testing::TestConfig(dir_)};
};

TEST_F(OpsRoutesTest, HealthReportsReachableDatabaseAndCounts) {
  ASSERT_EQ(service_.PostSigned(testing::InboundText("wamid.H1")).status, 200);
  ASSERT_EQ(service_.PostSigned("not json").status, 200);
  auto r = service_.Get("/healthz");
  ASSERT_EQ(r.status, 200);
  auto health = nlohmann::json::parse(r.body);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["database"], "reachable");
  EXPECT_EQ(health["deliveries"], 2);
  EXPECT_EQ(health["events"], 1);
}

TEST_F(OpsRoutesTest, MetricsCountOutcomesFieldsDuplicatesAndCommits) {
  ASSERT_EQ(service_.PostSigned(testing::InboundText("wamid.M1")).status, 200);
  ASSERT_EQ(service_.PostSigned(testing::InboundText("wamid.M1")).status, 200);
  ASSERT_EQ(service_.PostSigned("[]").status, 200);
  auto r = service_.Get("/metrics");
  ASSERT_EQ(r.status, 200);
  for (const char* line : {
           "waba_journal_deliveries_total{outcome=\"journaled\"} 2",
           "waba_journal_deliveries_total{outcome=\"journaled_unparsed\"} 1",
           "waba_journal_events_total{field=\"messages\"} 2",
           "waba_journal_duplicate_events_total 1",
           "waba_journal_deliveries 3",
           "waba_journal_events 2",
           "waba_journal_commit_batch_size_sum 3",
       }) {
    EXPECT_NE(r.body.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << r.body;
  }
  EXPECT_NE(r.body.find("# TYPE waba_journal_commit_seconds histogram"), std::string::npos);
}

TEST_F(OpsRoutesTest, ServesPlaceholderPageWithContentSecurityPolicy) {
  auto r = service_.Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("WABA Journal"), std::string::npos);
  EXPECT_NE(r.headers.find("Content-Security-Policy: default-src 'self'"), std::string::npos)
      << r.headers;
  EXPECT_EQ(service_.Get("/style.css").status, 200);
  EXPECT_EQ(service_.Get("/../CMakeLists.txt").status, 404);
}

}  // namespace
}  // namespace wj::server
