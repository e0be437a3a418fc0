#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "storage/journal_store.h"
#include "storage/token_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_service.h"

namespace wj::testing {

// An API answer: status, header block, raw body and the body parsed (null if not JSON).
struct ApiAnswer {
  long status = 0;
  std::string headers;
  std::string raw;
  nlohmann::json body;
};

// Creates an API token directly in the journal database, as `waba-journal token create`.
inline std::string CreateToken(const std::string& db_path, storage::TokenScope scope,
                               const std::vector<std::string>& wabas = {},
                               const std::string& name = "test") {
  auto store = storage::OpenJournalStore(db_path).value()->OpenTokens(storage::Access::kWritable);
  if (!store.ok()) throw std::runtime_error(store.status().message());
  const std::string token = server::GenerateApiToken();
  auto created = store.value()->Create(name, scope, wabas, server::HashApiToken(token), 1);
  if (!created.ok()) throw std::runtime_error(created.status().message());
  return token;
}

// A running Service on loopback with a read token, for API tests.
class ApiTest : public ::testing::Test {
 protected:
  ApiTest() : service_(TestConfig(dir_)) {
    read_token_ = CreateToken(service_.config().db_path, storage::TokenScope::kRead);
  }

  ApiAnswer GetAs(const std::string& token, const std::string& path) {
    std::vector<std::string> headers;
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    server::HttpResponse r = service_.Get(path, headers);
    return {r.status, r.headers, r.body,
            nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false)};
  }
  ApiAnswer Get(const std::string& path) { return GetAs(read_token_, path); }

  // Posts `body` signed; fails the test unless it is acknowledged.
  void Post(const std::string& body) {
    auto r = service_.PostSigned(body);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  TempDir dir_;
  TestService service_;
  std::string read_token_;
};

}  // namespace wj::testing
