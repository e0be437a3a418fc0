#include "server/http/http_connection_handler.h"

#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/payloads.h"
#include "tests/support/raw_http.h"
#include "tests/support/test_service.h"

namespace wj::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::RawConnection;

std::string SignedPost(const std::string& body, const std::string& extra_headers = "") {
  return "POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
         "X-Hub-Signature-256: " +
         SignBody(testing::kTestSecret, body) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

class HttpConnectionHandlerTest : public ::testing::Test {
 protected:
  static ServeConfig Config(const testing::TempDir& dir) {
    auto c = testing::TestConfig(dir);
    c.max_body_bytes = 64 << 10;
    return c;
  }
  testing::TempDir dir_;
  testing::TestService service_{Config(dir_)};
  const std::uint16_t port_ = service_.service().port();
};

TEST_F(HttpConnectionHandlerTest, KeepsHttp11ConnectionOpenWithoutConnectionHeader) {
  RawConnection conn(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(conn.Send(SignedPost(testing::InboundText("wamid.K" + std::to_string(i)))));
    const std::string response = conn.ReadResponse();
    ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    EXPECT_NE(response.find("Connection: Keep-Alive"), std::string::npos) << response;
  }
}

TEST_F(HttpConnectionHandlerTest, HonoursConnectionClose) {
  RawConnection conn(port_);
  ASSERT_TRUE(conn.Send(SignedPost(testing::InboundText("wamid.C"), "Connection: close\r\n")));
  const std::string response = conn.ReadResponse();
  EXPECT_NE(response.find("Connection: Close"), std::string::npos) << response;
}

TEST_F(HttpConnectionHandlerTest, RefusesAnnouncedOversizedBodyBeforeItIsSent) {
  RawConnection conn(port_);
  // Announce 64 MiB and send none of it: the answer must come from the headers alone.
  const auto start = steady_clock::now();
  ASSERT_TRUE(
      conn.Send("POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: 67108864\r\n\r\n"));
  const std::string response = conn.ReadResponse(milliseconds(5000));
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(testing::QueryInt(service_.config().db_path, "SELECT count(*) FROM deliveries"), 0);
  EXPECT_NE(
      service_.Get("/metrics").body.find("waba_journal_http_rejections_total{code=\"413\"} 1"),
      std::string::npos);
}

TEST_F(HttpConnectionHandlerTest, AcceptsBodyAtTheLimitAndRefusesOneByteMore) {
  // A signed body padded to exactly the limit: JSON with trailing spaces is still JSON.
  std::string body = testing::InboundText("wamid.LIMIT");
  body.append((64 << 10) - body.size(), ' ');
  EXPECT_EQ(service_.PostSigned(body).status, 200);
  body.push_back(' ');
  EXPECT_EQ(service_.PostSigned(body).status, 413);
  EXPECT_EQ(testing::QueryInt(service_.config().db_path, "SELECT count(*) FROM deliveries"), 1);
}

TEST_F(HttpConnectionHandlerTest, RefusesOversizedChunkedBody) {
  RawConnection conn(port_);
  ASSERT_TRUE(
      conn.Send("POST /webhook HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk(16 << 10, 'x');
  std::string response;
  for (int i = 0; i < 8 && response.empty(); ++i) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    if (!conn.Send(size + chunk + "\r\n")) break;
    response = conn.ReadResponse(milliseconds(i < 7 ? 50 : 5000));
  }
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
}

TEST_F(HttpConnectionHandlerTest, RefusesOversizedHeadersWith431) {
  RawConnection conn(port_);
  ASSERT_TRUE(
      conn.Send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(70 << 10, 'a') + "\r\n\r\n"));
  const std::string response = conn.ReadResponse();
  EXPECT_EQ(response.rfind("HTTP/1.1 431", 0), 0u) << response;
}

TEST_F(HttpConnectionHandlerTest, MalformedRequestGets400WithoutExceptionText) {
  RawConnection conn(port_);
  ASSERT_TRUE(conn.Send("BREW /coffee HTCPCP/1.0\r\n\r\n"));
  const std::string response = conn.ReadResponse();
  EXPECT_EQ(response.rfind("HTTP/1.1 4", 0), 0u) << response;
  EXPECT_NE(response.find("\"error\""), std::string::npos) << response;
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(HttpConnectionHandlerTest, UnknownPathIsJson404AndWrongMethodIs405) {
  auto missing = service_.Get("/nope/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "not_found");
  RawConnection conn(port_);
  ASSERT_TRUE(conn.Send("DELETE /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  const std::string response = conn.ReadResponse();
  EXPECT_EQ(response.rfind("HTTP/1.1 405", 0), 0u) << response;
  EXPECT_NE(response.find("Allow:"), std::string::npos) << response;
}

TEST(HttpLargeBodyTest, AcceptsThreeMegabyteDeliveryUnderDefaultLimit) {
  testing::TempDir dir;
  testing::TestService service(testing::TestConfig(dir));  // default limit: 4 MiB
  std::string body = testing::InboundText("wamid.BIG", std::string(3 << 20, 'a'));
  auto r = service.PostSigned(body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      testing::QueryInt(service.config().db_path, "SELECT length(body) FROM delivery_content"),
      static_cast<long long>(body.size()));
}

}  // namespace
}  // namespace wj::server
