#include "server/integrity_routes.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using storage::TokenScope;
using testing::CreateToken;
using testing::InboundText;

class IntegrityRoutesTest : public testing::ApiTest {
 protected:
  IntegrityRoutesTest() { admin_ = CreateToken(service_.config().db_path, TokenScope::kAdmin); }

  std::string admin_;
};

TEST_F(IntegrityRoutesTest, ReportsAnIntactJournalWithItsCounts) {
  Post(InboundText("wamid.V1"));
  Post(InboundText("wamid.V2"));
  Post(InboundText("wamid.V2"));  // a redelivery is a row of its own
  auto r = GetAs(admin_, "/api/v1/journal/verify");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["ok"], true);
  EXPECT_EQ(r.body["deliveries"], 3);
  EXPECT_EQ(r.body["events"], 3);
  EXPECT_TRUE(r.body["first_bad_delivery"].is_null());
  EXPECT_TRUE(r.body["first_bad_seq"].is_null());
  EXPECT_TRUE(r.body["problem"].is_null());
  EXPECT_EQ(r.body["checked_at"].get<std::string>().back(), 'Z');
  EXPECT_GE(r.body["duration_ms"].get<long long>(), 0);
}

TEST_F(IntegrityRoutesTest, NamesTheFirstTamperedEvent) {
  Post(InboundText("wamid.T1"));
  Post(InboundText("wamid.T2"));
  {
    // Someone editing the file behind the service's back.
    SQLite::Database db(service_.config().db_path, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_refuse_update");
    db.exec(R"(UPDATE events SET value = '{"forged":true}' WHERE seq = 2)");
  }
  auto r = GetAs(admin_, "/api/v1/journal/verify");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["ok"], false);
  EXPECT_EQ(r.body["first_bad_seq"], 2);
  EXPECT_NE(r.body["problem"].get<std::string>().find("chain hash"), std::string::npos) << r.raw;
}

TEST_F(IntegrityRoutesTest, NeedsAnAdminToken) {
  EXPECT_EQ(GetAs("", "/api/v1/journal/verify").status, 401);
  EXPECT_EQ(Get("/api/v1/journal/verify").status, 403);
  const std::string replay = CreateToken(service_.config().db_path, TokenScope::kReplay);
  EXPECT_EQ(GetAs(replay, "/api/v1/journal/verify").status, 403);
}

}  // namespace
}  // namespace wj::server
