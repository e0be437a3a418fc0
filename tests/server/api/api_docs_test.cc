#include "server/api/api_docs.h"

#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_fixture.h"

namespace wj::server {
namespace {

using nlohmann::json;
using Operation = std::pair<std::string, std::string>;  // method, OpenAPI path

// "/api/v1/events/:seq" → "/api/v1/events/{seq}".
std::string OpenApiPath(const std::string& pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ':') {
      const std::size_t end = pattern.find('/', i);
      out += "{" + pattern.substr(i + 1, end - i - 1) + "}";
      i = end == std::string::npos ? pattern.size() : end;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class ApiDocsTest : public testing::ApiTest {};

TEST_F(ApiDocsTest, DocumentsExactlyTheRoutesTheServerRegisters) {
  std::set<Operation> registered;
  for (const Router::RouteInfo& r : service_.service().ApiRoutes()) {
    if (r.pattern.rfind("/api/v1/", 0) != 0 || r.pattern.back() == '*') continue;
    registered.insert({Lower(Pistache::Http::methodString(r.method)), OpenApiPath(r.pattern)});
  }
  const json doc = json::parse(OpenApiDocument());
  std::set<Operation> documented;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      documented.insert({method, path});
    }
  }
  EXPECT_FALSE(registered.empty());
  for (const Operation& op : registered) {
    EXPECT_TRUE(documented.count(op)) << op.first << " " << op.second << " is not documented";
  }
  for (const Operation& op : documented) {
    EXPECT_TRUE(registered.count(op)) << op.first << " " << op.second << " is not served";
  }
}

TEST_F(ApiDocsTest, ServesTheDocumentToTokenHolders) {
  auto r = Get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["openapi"].get<std::string>().rfind("3.", 0), 0u);
  EXPECT_EQ(r.raw, std::string(OpenApiDocument()));
  EXPECT_EQ(GetAs("", "/api/v1/openapi.json").status, 401);
}

}  // namespace
}  // namespace wj::server
