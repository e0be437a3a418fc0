#include "server/service/service.h"

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using testing::CreateToken;
using testing::TempDir;
using testing::TestConfig;
using testing::TestService;

TEST(ServiceTest, ApiListenerLeavesOnlyTheWebhookOnTheMainPort) {
  TempDir dir;
  ServeConfig config = TestConfig(dir);
  config.api_listen = ListenAddress{"127.0.0.1", 0};
  TestService service(config);
  ASSERT_NE(service.service().port(), service.service().api_port());
  const std::string token = CreateToken(config.db_path, storage::TokenScope::kRead);
  ASSERT_EQ(service.PostSigned(testing::InboundText("wamid.split")).status, 200);

  HttpClient client;
  const std::vector<std::string> auth = {"Authorization: Bearer " + token};
  for (const char* path : {"/api/v1/events", "/healthz", "/metrics", "/", "/index.html"}) {
    auto r = client.Get(service.Url(path), auth);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 404) << path << " on the webhook port";
    auto api = client.Get(service.ApiUrl(path), auth);
    ASSERT_TRUE(api.ok());
    EXPECT_EQ(api->status, 200) << path << " on the API port";
  }
  auto webhook_on_api = client.Get(service.ApiUrl("/webhook?hub.mode=subscribe"));
  ASSERT_TRUE(webhook_on_api.ok());
  EXPECT_EQ(webhook_on_api->status, 404);
}

}  // namespace
}  // namespace wj::server
