#include "server/api/session_routes.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_fixture.h"

namespace wj::server {
namespace {

using nlohmann::json;
using storage::TokenScope;
using testing::CreateToken;

class SessionRoutesTest : public testing::ApiTest {};

TEST_F(SessionRoutesTest, DescribesAnUnlimitedReadToken) {
  auto r = Get("/api/v1/token");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body, json({{"name", "test"}, {"scope", "read"}, {"waba_ids", json::array()}}));
}

TEST_F(SessionRoutesTest, DescribesALimitedAdminTokenWithoutEchoingIt) {
  const std::string admin = CreateToken(service_.config().db_path, TokenScope::kAdmin,
                                        {"222222222222222", "111111111111111"}, "ops");
  auto r = GetAs(admin, "/api/v1/token");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["name"], "ops");
  EXPECT_EQ(r.body["scope"], "admin");
  EXPECT_EQ(r.body["waba_ids"], json({"111111111111111", "222222222222222"}));
  EXPECT_EQ(r.raw.find(admin), std::string::npos);
}

TEST_F(SessionRoutesTest, AnswersUnauthorizedWithoutAValidToken) {
  EXPECT_EQ(GetAs("", "/api/v1/token").status, 401);
  EXPECT_EQ(GetAs("wjt_" + std::string(64, '0'), "/api/v1/token").status, 401);
}

TEST_F(SessionRoutesTest, RefusesUnknownParameters) {
  auto r = Get("/api/v1/token?token=x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "bad_parameter");
}

}  // namespace
}  // namespace wj::server
