#include "server/api/api_auth.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_client.h"
#include "server/http/http_server.h"
#include "server/http/json_response.h"
#include "storage/journal_store.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"

namespace wj::server {
namespace {

using nlohmann::json;
using storage::TokenScope;
using testing::ApiAnswer;
using testing::ApiTest;
using testing::Change;
using testing::CreateToken;
using testing::InboundText;
using testing::StatusUpdate;

constexpr const char* kWabaA = "111111111111111";
constexpr const char* kWabaB = "222222222222222";

TEST(ApiTokenTest, GeneratesDistinctTokensAndHashesThemStably) {
  const std::string a = GenerateApiToken();
  const std::string b = GenerateApiToken();
  EXPECT_EQ(a.size(), 68u);
  EXPECT_EQ(a.rfind("wjt_", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(HashApiToken(a), HashApiToken(a));
  EXPECT_NE(HashApiToken(a), HashApiToken(b));
  EXPECT_EQ(HashApiToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PrincipalTest, ScopesNest) {
  Principal admin{1, "a", TokenScope::kAdmin, {}};
  Principal replay{2, "r", TokenScope::kReplay, {}};
  Principal read{3, "x", TokenScope::kRead, {}};
  EXPECT_TRUE(admin.Has(TokenScope::kRead) && admin.Has(TokenScope::kReplay) &&
              admin.Has(TokenScope::kAdmin));
  EXPECT_TRUE(replay.Has(TokenScope::kRead) && replay.Has(TokenScope::kReplay));
  EXPECT_FALSE(replay.Has(TokenScope::kAdmin));
  EXPECT_TRUE(read.Has(TokenScope::kRead));
  EXPECT_FALSE(read.Has(TokenScope::kReplay));
}

// ApiGuard on its own: three routes, one per scope, over real HTTP.
class ApiGuardTest : public ::testing::Test {
 protected:
  ApiGuardTest() {
    db_ = dir_.File("tokens.db");
    for (TokenScope s : {TokenScope::kRead, TokenScope::kReplay, TokenScope::kAdmin}) {
      tokens_.push_back(CreateToken(db_, s));
    }
    store_ = std::move(
        storage::OpenJournalStore(db_).value()->OpenTokens(storage::Access::kReadOnly).value());
    guard_ = std::make_unique<ApiGuard>(*store_);
    auto router = std::make_shared<Router>();
    const char* paths[] = {"/read", "/replay", "/admin"};
    for (int i = 0; i < 3; ++i) {
      router->Add(
          Pistache::Http::Method::Get, paths[i],
          guard_->Require(static_cast<TokenScope>(i), [](const HttpRequest&, const Principal& who,
                                                         Pistache::Http::ResponseWriter& rs) {
            SendJson(rs, Pistache::Http::Code::Ok, {{"name", who.name}});
          }));
    }
    server_ =
        std::make_unique<HttpServer>(ListenAddress{"127.0.0.1", 0}, HttpServer::Options{}, router);
    EXPECT_TRUE(server_->Start().ok());
  }

  long Status(const std::string& path, const std::vector<std::string>& headers) {
    auto r = client_.Get("http://127.0.0.1:" + std::to_string(server_->port()) + path, headers);
    EXPECT_TRUE(r.ok());
    last_ = r.ok() ? r.value() : HttpResponse{};
    return last_.status;
  }

  testing::TempDir dir_;
  std::string db_;
  std::vector<std::string> tokens_;  // read, replay, admin
  std::unique_ptr<storage::TokenStore> store_;
  std::unique_ptr<ApiGuard> guard_;
  std::unique_ptr<HttpServer> server_;
  HttpClient client_;
  HttpResponse last_;
};

TEST_F(ApiGuardTest, AnswersEachScopeOnlyWhatItIncludes) {
  const char* paths[] = {"/read", "/replay", "/admin"};
  for (int token = 0; token < 3; ++token) {
    for (int route = 0; route < 3; ++route) {
      const long status = Status(paths[route], {"Authorization: Bearer " + tokens_[token]});
      EXPECT_EQ(status, route <= token ? 200 : 403) << "token " << token << " route " << route;
      if (status == 403) {
        EXPECT_EQ(json::parse(last_.body)["error"]["code"], "forbidden");
      }
    }
  }
}

TEST_F(ApiGuardTest, AnswersMissingMalformedUnknownAndRevokedTokensWith401) {
  EXPECT_EQ(Status("/read", {}), 401);
  EXPECT_NE(last_.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << last_.headers;
  EXPECT_EQ(json::parse(last_.body)["error"]["code"], "unauthorized");
  EXPECT_EQ(Status("/read", {"Authorization: Basic dXNlcjpwYXNz"}), 401);
  EXPECT_EQ(Status("/read", {"Authorization: Bearer "}), 401);
  EXPECT_EQ(Status("/read", {"Authorization: Bearer wjt_not_a_token"}), 401);
  EXPECT_EQ(Status("/read", {"Authorization: bearer " + tokens_[0]}), 200);  // case-insensitive

  auto writable = storage::OpenJournalStore(db_).value()->OpenTokens(storage::Access::kWritable);
  ASSERT_TRUE(writable.ok());
  ASSERT_TRUE(writable.value()->Revoke(1, 2).ok());
  EXPECT_EQ(Status("/read", {"Authorization: Bearer " + tokens_[0]}), 401);
  EXPECT_EQ(Status("/read", {"Authorization: Bearer " + tokens_[1]}), 200);
}

// Every read route × tokens limited to A, to B, to both, and unlimited: a limited token
// never sees a row of another WABA.
class WabaLimitTest : public ApiTest {
 protected:
  void SetUp() override {
    Post(InboundText("wamid.a", "for A", kWabaA));                                   // delivery 1
    Post(InboundText("wamid.b", "for B", kWabaB));                                   // delivery 2
    Post(Change(kWabaA, "account_review_update", R"({"decision":"APPROVED"})", 1));  // 3
    Post(Change(kWabaB, "account_review_update", R"({"decision":"REJECTED"})", 2));  // 4
    Post(StatusUpdate("wamid.shared", "sent", 10, kWabaA));                          // 5
    Post(StatusUpdate("wamid.shared", "read", 20, kWabaB));                          // 6
    // One delivery carrying both WABAs: only unlimited tokens and A+B tokens may see it.
    Post(
        R"({"object":"whatsapp_business_account","entry":[{"id":"111111111111111","time":3,"changes":[{"field":"security","value":{"event":"PIN_CHANGED"}}]},{"id":"222222222222222","time":3,"changes":[{"field":"security","value":{"event":"PIN_CHANGED"}}]}]})");
    Post("not json at all");  // delivery 8: no events, no WABA
  }

  std::set<std::string> WabasIn(const json& events) {
    std::set<std::string> out;
    for (const json& e : events) out.insert(e["waba_id"].get<std::string>());
    return out;
  }
};

TEST_F(WabaLimitTest, LimitedTokensSeeOnlyTheirWabasInEveryRoute) {
  const std::vector<std::vector<std::string>> limits = {{kWabaA}, {kWabaB}, {kWabaA, kWabaB}, {}};
  for (const auto& allowed : limits) {
    const std::string token = CreateToken(service_.config().db_path, TokenScope::kRead, allowed);
    const std::set<std::string> allowed_set(allowed.begin(), allowed.end());
    auto may = [&](const std::string& w) { return allowed.empty() || allowed_set.count(w) > 0; };
    SCOPED_TRACE("limited to " + std::to_string(allowed.size()) + " WABAs");

    // Lists: only allowed WABAs, and all of their rows.
    auto events = GetAs(token, "/api/v1/events?include_duplicates=true&limit=1000");
    ASSERT_EQ(events.status, 200);
    for (const std::string& w : WabasIn(events.body["events"])) EXPECT_TRUE(may(w)) << w;
    const ApiAnswer everything = Get("/api/v1/events?include_duplicates=true&limit=1000");
    std::size_t expected = 0;
    for (const json& e : everything.body["events"]) {
      expected += may(e["waba_id"].get<std::string>()) ? 1 : 0;
    }
    EXPECT_EQ(events.body["events"].size(), expected);
    for (const char* w : {kWabaA, kWabaB}) {
      auto filtered = GetAs(token, std::string("/api/v1/events?waba_id=") + w);
      EXPECT_EQ(filtered.status, may(w) ? 200 : 403) << w;
    }

    // Lookups by seq: 404 for another WABA's event, as if it did not exist.
    for (const json& e : everything.body["events"]) {
      const auto seq = std::to_string(e["seq"].get<long long>());
      EXPECT_EQ(GetAs(token, "/api/v1/events/" + seq).status,
                may(e["waba_id"].get<std::string>()) ? 200 : 404)
          << seq;
    }

    // Deliveries: visible only when every WABA in them is allowed; no-WABA ones only
    // to unlimited tokens.
    const std::vector<std::vector<std::string>> delivery_wabas = {
        {kWabaA}, {kWabaB}, {kWabaA}, {kWabaB}, {kWabaA}, {kWabaB}, {kWabaA, kWabaB}, {}};
    for (std::size_t i = 0; i < delivery_wabas.size(); ++i) {
      bool visible = allowed.empty() || !delivery_wabas[i].empty();
      for (const std::string& w : delivery_wabas[i]) visible = visible && may(w);
      const std::string id = std::to_string(i + 1);
      EXPECT_EQ(GetAs(token, "/api/v1/deliveries/" + id).status, visible ? 200 : 404) << id;
      EXPECT_EQ(GetAs(token, "/api/v1/deliveries/" + id + "/raw").status, visible ? 200 : 404)
          << id;
    }

    // Messages: the events of other WABAs are left out.
    auto shared = GetAs(token, "/api/v1/messages/wamid.shared");
    ASSERT_EQ(shared.status, 200);
    for (const std::string& w : WabasIn(shared.body["events"])) EXPECT_TRUE(may(w)) << w;
    EXPECT_EQ(shared.body["events"].size(), (may(kWabaA) ? 1u : 0u) + (may(kWabaB) ? 1u : 0u));
    EXPECT_EQ(GetAs(token, "/api/v1/messages/wamid.b").status, may(kWabaB) ? 200 : 404);

    // WABAs and audits.
    auto wabas = GetAs(token, "/api/v1/wabas");
    ASSERT_EQ(wabas.status, 200);
    std::set<std::string> listed;
    for (const json& w : wabas.body["wabas"]) listed.insert(w["waba_id"].get<std::string>());
    EXPECT_EQ(listed.count(kWabaA), may(kWabaA) ? 1u : 0u);
    EXPECT_EQ(listed.count(kWabaB), may(kWabaB) ? 1u : 0u);
    for (const char* w : {kWabaA, kWabaB}) {
      EXPECT_EQ(GetAs(token, std::string("/api/v1/wabas/") + w + "/audit").status,
                may(w) ? 200 : 403)
          << w;
    }
  }
}

}  // namespace
}  // namespace wj::server
