// Where a delivery came from: the client address and Meta's client certificate as a trusted
// TLS front attests them, ignored from anyone else; --require-client-cert.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/ingest/webhook_routes.h"
#include "server/meta/signature.h"
#include "storage/journal_store.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"
#include "tests/support/test_certificate.h"
#include "tests/support/test_service.h"

namespace wj::server {
namespace {

using testing::CreateToken;
using testing::InboundText;
using testing::TempDir;
using testing::TestService;

constexpr const char* kMetaSubject =
    "CN=client.webhooks.fbclientcerts.com,O=Meta Platforms\\, Inc.";
constexpr const char* kIssuer = "CN=Meta Outbound API CA,O=Meta Platforms\\, Inc.";

// The headers a TLS front (deploy/nginx) sets for a delivery with a verified certificate.
std::vector<std::string> FrontHeaders(const testing::TestCertificate& cert,
                                      const std::string& verify = "SUCCESS") {
  return {"X-Forwarded-For: 203.0.113.9",
          "X-Client-Cert-Verify: " + verify,
          std::string("X-Client-Cert-Subject: ") + kMetaSubject,
          std::string("X-Client-Cert-Issuer: ") + kIssuer,
          "X-Client-Cert-Serial: 1092",
          "X-Client-Cert: " + testing::UrlEscape(cert.pem)};
}

class WebhookClientOriginTest : public ::testing::Test {
 protected:
  // A service whose trusted fronts are `cidrs`.
  std::unique_ptr<TestService> Start(const std::vector<std::string>& cidrs, bool require = false) {
    ServeConfig config = testing::TestConfig(dir_);
    config.trusted_proxies = TrustedProxies::Parse(cidrs).value();
    config.require_client_cert = require;
    auto service = std::make_unique<TestService>(config);
    token_ = CreateToken(config.db_path, storage::TokenScope::kRead);
    return service;
  }

  // POSTs a signed delivery with `extra` headers.
  HttpResponse Post(TestService& service, const std::string& body, std::vector<std::string> extra) {
    extra.push_back("Content-Type: application/json");
    extra.push_back("X-Hub-Signature-256: " + SignBody(testing::kTestSecret, body));
    return service.PostWithHeaders(body, extra);
  }

  nlohmann::json Delivery(TestService& service, int id) {
    HttpResponse r = service.Get("/api/v1/deliveries/" + std::to_string(id),
                                 {"Authorization: Bearer " + token_});
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  std::string Metrics(TestService& service) { return service.Get("/metrics").body; }

  TempDir dir_;
  std::string token_;
  const testing::TestCertificate cert_ =
      testing::MakeCertificate("client.webhooks.fbclientcerts.com");
};

TEST_F(WebhookClientOriginTest, TrustedFrontAttestsClientAddressAndCertificate) {
  auto service = Start({"127.0.0.1/32"});

  HttpResponse r = Post(*service, InboundText("wamid.A"), FrontHeaders(cert_));

  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json d = Delivery(*service, 1);
  EXPECT_EQ(d["peer"], "203.0.113.9");
  ASSERT_TRUE(d["client_certificate"].is_object()) << d.dump();
  EXPECT_EQ(d["client_certificate"]["subject"], kMetaSubject);
  EXPECT_EQ(d["client_certificate"]["issuer"], kIssuer);
  EXPECT_EQ(d["client_certificate"]["serial"], "1092");
  EXPECT_EQ(d["client_certificate"]["sha256"], cert_.sha256);
  EXPECT_NE(Metrics(*service).find("waba_journal_client_certificates_total{verified=\"true\"} 1"),
            std::string::npos);
  auto verified = storage::OpenJournalStore(service->config().db_path).value()->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
}

TEST_F(WebhookClientOriginTest, HeadersFromAnUntrustedPeerAreIgnored) {
  auto service = Start({"10.0.0.0/8"});

  HttpResponse r = Post(*service, InboundText("wamid.A"), FrontHeaders(cert_));

  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json d = Delivery(*service, 1);
  EXPECT_EQ(d["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << d["peer"];
  EXPECT_TRUE(d["client_certificate"].is_null()) << d.dump();
  EXPECT_NE(Metrics(*service).find("waba_journal_client_certificates_total{verified=\"false\"} 1"),
            std::string::npos);
}

TEST_F(WebhookClientOriginTest, NoTrustedProxyMeansForgedHeadersAreIgnored) {
  auto service = Start({});

  ASSERT_EQ(Post(*service, InboundText("wamid.A"), FrontHeaders(cert_)).status, 200);

  nlohmann::json d = Delivery(*service, 1);
  EXPECT_NE(d["peer"], "203.0.113.9");
  EXPECT_TRUE(d["client_certificate"].is_null());
}

TEST_F(WebhookClientOriginTest, FrontThatDidNotVerifyOrSentNoCertificateAttestsNone) {
  auto service = Start({"127.0.0.1/32"});
  std::vector<std::string> no_pem = FrontHeaders(cert_);
  no_pem.pop_back();

  ASSERT_EQ(Post(*service, InboundText("wamid.A"), FrontHeaders(cert_, "FAILED:unknown ca")).status,
            200);
  ASSERT_EQ(Post(*service, InboundText("wamid.B"), FrontHeaders(cert_, "NONE")).status, 200);
  ASSERT_EQ(Post(*service, InboundText("wamid.C"), no_pem).status, 200);

  for (int id = 1; id <= 3; ++id) {
    nlohmann::json d = Delivery(*service, id);
    EXPECT_EQ(d["peer"], "203.0.113.9") << id;
    EXPECT_TRUE(d["client_certificate"].is_null()) << id << d.dump();
  }
}

TEST_F(WebhookClientOriginTest, RequiredCertificateWithoutAFrontIs401AndNothingIsStored) {
  auto service = Start({}, /*require=*/true);

  HttpResponse r = Post(*service, InboundText("wamid.A"), FrontHeaders(cert_));

  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("client_certificate_required"), std::string::npos) << r.body;
  EXPECT_EQ(service->service().Committed().deliveries, 0);
  EXPECT_NE(Metrics(*service).find(
                "waba_journal_deliveries_total{outcome=\"rejected_client_certificate\"} 1"),
            std::string::npos);
}

TEST_F(WebhookClientOriginTest, RequiredCertificateIsAcceptedOnlyWhenTheFrontAttestsOne) {
  auto service = Start({"127.0.0.1/32"}, /*require=*/true);

  EXPECT_EQ(Post(*service, InboundText("wamid.A"), {"X-Forwarded-For: 203.0.113.9"}).status, 401);
  EXPECT_EQ(Post(*service, InboundText("wamid.B"), FrontHeaders(cert_, "NONE")).status, 401);
  EXPECT_EQ(Post(*service, InboundText("wamid.C"), FrontHeaders(cert_)).status, 200);

  EXPECT_EQ(service->service().Committed().deliveries, 1);
}

}  // namespace
}  // namespace wj::server
