#include "server/http/client_origin.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_certificate.h"

namespace wj::server {
namespace {

TrustedProxies Proxies(const std::vector<std::string>& cidrs) {
  auto parsed = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? parsed.value() : TrustedProxies();
}

TEST(TrustedProxiesTest, MatchesAddressesInsideEachNetworkOnly) {
  TrustedProxies p = Proxies({"127.0.0.1/32", "10.1.0.0/16", "fd00::/8", "192.168.7.9"});

  EXPECT_TRUE(p.Trusts("127.0.0.1:5000"));
  EXPECT_FALSE(p.Trusts("127.0.0.2:5000"));
  EXPECT_TRUE(p.Trusts("10.1.255.3:80"));
  EXPECT_FALSE(p.Trusts("10.2.0.1:80"));
  EXPECT_TRUE(p.Trusts("[fd12::1]:443"));
  EXPECT_TRUE(p.Trusts("fd12::1"));
  EXPECT_FALSE(p.Trusts("[fe80::1]:443"));
  EXPECT_TRUE(p.Trusts("192.168.7.9"));
  EXPECT_FALSE(p.Trusts("192.168.7.10"));
  EXPECT_FALSE(p.Trusts("not-an-address:80"));
}

TEST(TrustedProxiesTest, PrefixesThatAreNotWholeBytesCompareTheirBits) {
  TrustedProxies p = Proxies({"172.16.0.0/12"});

  EXPECT_TRUE(p.Trusts("172.31.255.255:1"));
  EXPECT_FALSE(p.Trusts("172.32.0.0:1"));
  EXPECT_FALSE(p.Trusts("172.15.255.255:1"));
}

TEST(TrustedProxiesTest, EmptyListTrustsNobody) {
  TrustedProxies p = Proxies({});

  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(p.Trusts("127.0.0.1:80"));
}

TEST(TrustedProxiesTest, MalformedEntriesAreRefusedByName) {
  for (const char* bad : {"", "localhost", "127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
                          "10.0.0.0/8/8", "300.1.1.1/32"}) {
    auto parsed = TrustedProxies::Parse({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("--trusted-proxy"), std::string::npos);
    EXPECT_NE(parsed.status().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
}

TEST(CertificateSha256Test, HashesTheDerBytesOfPlainOrUrlEncodedPem) {
  const testing::TestCertificate cert =
      testing::MakeCertificate("client.webhooks.fbclientcerts.com");

  EXPECT_EQ(CertificateSha256(cert.pem), cert.sha256);
  EXPECT_EQ(CertificateSha256(testing::UrlEscape(cert.pem)), cert.sha256);
}

TEST(CertificateSha256Test, AnythingButOneCertificateIsNullopt) {
  const testing::TestCertificate cert = testing::MakeCertificate("x");

  EXPECT_FALSE(CertificateSha256(""));
  EXPECT_FALSE(CertificateSha256("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  EXPECT_FALSE(CertificateSha256(cert.pem.substr(0, cert.pem.size() / 2)));
  EXPECT_FALSE(CertificateSha256("%ZZ" + testing::UrlEscape(cert.pem)));
}

}  // namespace
}  // namespace wj::server
