#include "server/api/integrity_routes.h"

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_client.h"
#include "server/http/http_server.h"
#include "storage/journal_store.h"
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
    db.exec("UPDATE events SET status = 'read' WHERE seq = 2");
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

// The routes on their own, with a walk that waits until the test lets it finish.
TEST(IntegrityRoutesAloneTest, RunsOneWalkAtATime) {
  testing::TempDir dir;
  const std::string db = dir.File("tokens.db");
  const std::string admin = CreateToken(db, TokenScope::kAdmin);
  auto store = std::move(
      storage::OpenJournalStore(db).value()->OpenTokens(storage::Access::kReadOnly).value());
  ApiGuard guard(*store);
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  IntegrityRoutes routes([] { return std::int64_t{0}; },
                         [&]() -> Result<storage::VerifyReport> {
                           entered.set_value();
                           released.wait();
                           return storage::VerifyReport{};
                         });
  auto router = std::make_shared<Router>();
  routes.Register(*router, guard);
  HttpServer::Options options;
  // Pistache hands a connection to worker (fd % threads); the client's sockets live in this
  // process too, so the two connections' fds differ by a small even number: 5 workers put
  // them on different ones, and the first one's blocked walk cannot hold up the second.
  options.threads = 5;
  HttpServer server(ListenAddress{"127.0.0.1", 0}, options, router);
  ASSERT_TRUE(server.Start().ok());
  const std::string url =
      "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/journal/verify";
  const std::vector<std::string> auth = {"Authorization: Bearer " + admin};

  auto first = std::async(std::launch::async, [&] {
    HttpClient client;
    return client.Get(url, auth);
  });
  // Whatever happens below, the walk ends before `first` is waited for (destroyed after
  // this), so the test cannot hang on it.
  struct Release {
    std::promise<void>& release;
    ~Release() {
      try {
        release.set_value();
      } catch (const std::future_error&) {
        // already released
      }
    }
  } always{release};
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  HttpClient client;
  auto second = client.Get(url, auth);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 409);
  EXPECT_EQ(nlohmann::json::parse(second->body)["error"]["code"], "busy");
  release.set_value();
  auto answered = first.get();
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(answered->status, 200);
}

}  // namespace
}  // namespace wj::server
