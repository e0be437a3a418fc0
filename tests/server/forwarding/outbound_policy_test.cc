#include "server/forwarding/outbound_policy.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace wj::server {
namespace {

struct ClassCase {
  const char* address;
  AddressClass expected;
};

void ExpectClasses(const std::vector<ClassCase>& cases) {
  for (const ClassCase& c : cases) {
    auto got = ClassifyAddress(c.address);
    ASSERT_TRUE(got.ok()) << c.address << ": " << got.status().message();
    EXPECT_EQ(ToString(got.value()), std::string(ToString(c.expected))) << c.address;
  }
}

// A resolver that answers from a table and counts its calls.
struct FakeResolver {
  std::map<std::string, std::vector<std::string>> answers;
  std::vector<std::string> asked;

  Resolver AsResolver() {
    return [this](const std::string& host) -> Result<std::vector<std::string>> {
      asked.push_back(host);
      auto it = answers.find(host);
      if (it == answers.end()) return Status::Unavailable("no such host " + host);
      return it->second;
    };
  }
};

TEST(OutboundPolicyTest, NamesEveryAddressClass) {
  EXPECT_STREQ(ToString(AddressClass::kPublic), "public");
  EXPECT_STREQ(ToString(AddressClass::kLoopback), "loopback");
  EXPECT_STREQ(ToString(AddressClass::kPrivate), "private");
  EXPECT_STREQ(ToString(AddressClass::kLinkLocal), "link-local");
  EXPECT_STREQ(ToString(AddressClass::kMetadata), "metadata");
  EXPECT_STREQ(ToString(AddressClass::kUnspecified), "unspecified");
  EXPECT_STREQ(ToString(AddressClass::kMulticast), "multicast");
  EXPECT_STREQ(ToString(AddressClass::kReserved), "reserved");
}

TEST(OutboundPolicyTest, ClassifiesIpv4RangesAtTheirEdges) {
  using C = AddressClass;
  ExpectClasses({
      {"0.0.0.0", C::kUnspecified},
      {"0.255.255.255", C::kUnspecified},
      {"1.0.0.0", C::kPublic},
      {"8.8.8.8", C::kPublic},
      {"9.255.255.255", C::kPublic},
      {"10.0.0.0", C::kPrivate},
      {"10.255.255.255", C::kPrivate},
      {"11.0.0.0", C::kPublic},
      {"100.63.255.255", C::kPublic},
      {"100.64.0.0", C::kPrivate},
      {"100.127.255.255", C::kPrivate},
      {"100.128.0.0", C::kPublic},
      {"100.100.100.200", C::kMetadata},
      {"126.255.255.255", C::kPublic},
      {"127.0.0.0", C::kLoopback},
      {"127.0.0.1", C::kLoopback},
      {"127.255.255.255", C::kLoopback},
      {"128.0.0.0", C::kPublic},
      {"168.63.129.16", C::kMetadata},
      {"169.253.255.255", C::kPublic},
      {"169.254.0.0", C::kLinkLocal},
      {"169.254.169.253", C::kLinkLocal},
      {"169.254.169.254", C::kMetadata},
      {"169.254.169.255", C::kLinkLocal},
      {"169.254.170.2", C::kMetadata},
      {"169.254.170.3", C::kLinkLocal},
      {"169.254.255.255", C::kLinkLocal},
      {"169.255.0.0", C::kPublic},
      {"172.15.255.255", C::kPublic},
      {"172.16.0.0", C::kPrivate},
      {"172.31.255.255", C::kPrivate},
      {"172.32.0.0", C::kPublic},
      {"191.255.255.255", C::kPublic},
      {"192.0.0.0", C::kReserved},
      {"192.0.0.255", C::kReserved},
      {"192.0.1.0", C::kPublic},
      {"192.0.2.0", C::kReserved},
      {"192.0.2.255", C::kReserved},
      {"192.0.3.0", C::kPublic},
      {"192.167.255.255", C::kPublic},
      {"192.168.0.0", C::kPrivate},
      {"192.168.255.255", C::kPrivate},
      {"192.169.0.0", C::kPublic},
      {"198.17.255.255", C::kPublic},
      {"198.18.0.0", C::kReserved},
      {"198.19.255.255", C::kReserved},
      {"198.20.0.0", C::kPublic},
      {"198.51.99.255", C::kPublic},
      {"198.51.100.0", C::kReserved},
      {"198.51.100.255", C::kReserved},
      {"198.51.101.0", C::kPublic},
      {"203.0.112.255", C::kPublic},
      {"203.0.113.0", C::kReserved},
      {"203.0.113.255", C::kReserved},
      {"203.0.114.0", C::kPublic},
      {"223.255.255.255", C::kPublic},
      {"224.0.0.0", C::kMulticast},
      {"239.255.255.255", C::kMulticast},
      {"240.0.0.0", C::kReserved},
      {"254.255.255.255", C::kReserved},
      {"255.255.255.255", C::kReserved},
  });
}

TEST(OutboundPolicyTest, ClassifiesIpv6RangesAtTheirEdges) {
  using C = AddressClass;
  ExpectClasses({
      {"::", C::kUnspecified},
      {"0:0:0:0:0:0:0:0", C::kUnspecified},
      {"::1", C::kLoopback},
      {"0:0:0:0:0:0:0:1", C::kLoopback},
      {"2001:4860:4860::8888", C::kPublic},
      {"2606:4700::1111", C::kPublic},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"fc00::", C::kPrivate},
      {"fd12:3456::1", C::kPrivate},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      {"fd00:ec2::254", C::kMetadata},
      {"FD00:EC2:0:0:0:0:0:254", C::kMetadata},
      {"fd00:ec2::253", C::kPrivate},
      {"fe00::", C::kPublic},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"fe80::", C::kLinkLocal},
      {"fe80::1", C::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kLinkLocal},
      {"fec0::1", C::kPrivate},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      {"ff00::", C::kMulticast},
      {"ff02::1", C::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kMulticast},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2001:db8::", C::kReserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2001:db9::", C::kPublic},
      {"64:ff9b:1::1", C::kReserved},
      {"64:ff9b::808:808", C::kPublic},
  });
}

TEST(OutboundPolicyTest, ClassifiesIpv6FormsThatEmbedAnIpv4Address) {
  using C = AddressClass;
  ExpectClasses({
      // IPv4-mapped.
      {"::ffff:127.0.0.1", C::kLoopback},
      {"::ffff:7f00:1", C::kLoopback},
      {"::FFFF:127.0.0.1", C::kLoopback},
      {"::ffff:169.254.169.254", C::kMetadata},
      {"::ffff:a9fe:a9fe", C::kMetadata},
      {"::ffff:10.0.0.5", C::kPrivate},
      {"::ffff:0.0.0.0", C::kUnspecified},
      {"::ffff:8.8.8.8", C::kPublic},
      // IPv4-compatible (deprecated), apart from :: and ::1.
      {"::127.0.0.1", C::kLoopback},
      {"::7f00:1", C::kLoopback},
      {"::169.254.169.254", C::kMetadata},
      {"::8.8.8.8", C::kPublic},
      {"::2", C::kUnspecified},
      // SIIT-translated ::ffff:0:a.b.c.d.
      {"::ffff:0:127.0.0.1", C::kLoopback},
      // NAT64 well-known prefix.
      {"64:ff9b::127.0.0.1", C::kLoopback},
      {"64:ff9b::7f00:1", C::kLoopback},
      {"64:ff9b::169.254.169.254", C::kMetadata},
      {"64:ff9b::a9fe:a9fe", C::kMetadata},
      {"64:ff9b::192.168.1.1", C::kPrivate},
      // 6to4.
      {"2002:7f00:1::", C::kLoopback},
      {"2002:a9fe:a9fe::1", C::kMetadata},
      {"2002:808:808::1", C::kPublic},
  });
}

TEST(OutboundPolicyTest, AcceptsIpv6ZoneIds) {
  using C = AddressClass;
  ExpectClasses({
      {"fe80::1%eth0", C::kLinkLocal},
      {"fe80::1%1", C::kLinkLocal},
      {"::1%lo", C::kLoopback},
      {"::ffff:169.254.169.254%eth0", C::kMetadata},
  });
}

TEST(OutboundPolicyTest, RejectsWhatIsNotANumericAddress) {
  for (const char* text : {"",
                           "localhost",
                           "example.com",
                           "1.2.3",
                           "1.2.3.4.5",
                           "256.0.0.1",
                           "127.1",
                           "0x7f000001",
                           "2130706433",
                           "010.0.0.1",
                           " 127.0.0.1",
                           "127.0.0.1 ",
                           "127.0.0.1%eth0",
                           "fe80::1%",
                           "fe80::1%a%b",
                           "fe80::1%eth 0",
                           "[::1]",
                           ":::1",
                           "1::2::3",
                           "::ffff:1.2.3",
                           "12345::",
                           "g::1",
                           "1.2.3.4/32"}) {
    auto got = ClassifyAddress(text);
    EXPECT_FALSE(got.ok()) << "'" << text << "' classified as " << ToString(got.value());
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), Status::Code::kInvalidArgument) << text;
    }
  }
  EXPECT_FALSE(ClassifyAddress(std::string_view("127.0.0.1\0junk", 14)).ok());
}

TEST(OutboundPolicyTest, ParsesUrlsIntoParts) {
  struct Case {
    const char* url;
    const char* scheme;
    const char* host;
    std::uint16_t port;
    const char* path_and_query;
  };
  for (const Case& c : std::vector<Case>{
           {"https://crm.example.com/hooks/meta", "https", "crm.example.com", 443, "/hooks/meta"},
           {"http://bot.internal:8081/", "http", "bot.internal", 8081, "/"},
           {"http://example.com", "http", "example.com", 80, "/"},
           {"https://example.com", "https", "example.com", 443, "/"},
           {"https://example.com?a=1&b=2", "https", "example.com", 443, "/?a=1&b=2"},
           {"https://example.com/p/q?x=y%20z", "https", "example.com", 443, "/p/q?x=y%20z"},
           {"HTTPS://EXAMPLE.Com/Path", "https", "example.com", 443, "/Path"},
           {"HtTp://Example.COM:8080", "http", "example.com", 8080, "/"},
           {"http://[::1]:8080/x", "http", "::1", 8080, "/x"},
           {"https://[2001:DB8::1]/", "https", "2001:db8::1", 443, "/"},
           {"http://[::ffff:127.0.0.1]", "http", "::ffff:127.0.0.1", 80, "/"},
           {"http://127.0.0.1:1/", "http", "127.0.0.1", 1, "/"},
           {"http://host:65535/", "http", "host", 65535, "/"},
           {"http://host:00080/", "http", "host", 80, "/"},
           {"https://my_host.example-1.com./", "https", "my_host.example-1.com.", 443, "/"},
           {"http://0x7F000001/", "http", "0x7f000001", 80, "/"},
       }) {
    auto got = ParseDestinationUrl(c.url);
    ASSERT_TRUE(got.ok()) << c.url << ": " << got.status().message();
    EXPECT_EQ(got->scheme, c.scheme) << c.url;
    EXPECT_EQ(got->host, c.host) << c.url;
    EXPECT_EQ(got->port, c.port) << c.url;
    EXPECT_EQ(got->path_and_query, c.path_and_query) << c.url;
  }
}

TEST(OutboundPolicyTest, RejectsMalformedOrForbiddenUrls) {
  for (const char* url : {
           "",
           "example.com",
           "example.com/path",
           "//example.com/",
           "://example.com/",
           "ftp://example.com/",
           "file:///etc/passwd",
           "file://localhost/etc/passwd",
           "gopher://example.com:70/",
           "javascript://example.com/%0aalert(1)",
           "javascript:alert(1)",
           "httpx://example.com/",
           "https+x://example.com/",
           "http:/example.com/",
           "http:example.com",
           "http://",
           "http:///path",
           "http://?q=1",
           "http://:8080/",
           "http://user:pass@example.com/",
           "http://user@example.com/",
           "http://@example.com/",
           "http://example.com@127.0.0.1/",
           "http://example.com:0/",
           "http://example.com:65536/",
           "http://example.com:99999/",
           "http://example.com:123456/",
           "http://example.com:/",
           "http://example.com:-1/",
           "http://example.com:+80/",
           "http://example.com:8o/",
           "http://example.com:80:80/",
           "http://::1/",
           "http://[::1/",
           "http://[]/",
           "http://[example.com]/",
           "http://[127.0.0.1]/",
           "http://[::1]x/",
           "http://[::1]:/",
           "http://[fe80::1%25eth0]/",
           "http://[v1.x]/",
           "http://exa mple.com/",
           " http://example.com/",
           "http://example.com/ ",
           "http://example.com/\tx",
           "http://example.com/\nx",
           "http://example.com/\x7f",
           "http://ex\xc3\xa4mple.com/",
           "http://example.com/#frag",
           "http://example.com#",
           "http://exa%6dple.com/",
           "http://example.com\\@127.0.0.1/",
           "http://example.com/a\\b",
           "http://a..b/",
           "http://.example.com/",
           "http://example..",
           "http://exa!mple.com/",
       }) {
    auto got = ParseDestinationUrl(url);
    EXPECT_FALSE(got.ok()) << "'" << url << "' parsed as host " << got->host;
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), Status::Code::kInvalidArgument) << url;
      EXPECT_FALSE(got.status().message().empty()) << url;
    }
  }
  auto nul = ParseDestinationUrl(std::string_view("http://a.com\0.evil/", 19));
  EXPECT_FALSE(nul.ok());
}

TEST(OutboundPolicyTest, DoesNotEchoUserInfoInTheError) {
  auto got = ParseDestinationUrl("https://alice:hunter2@example.com/");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("hunter2"), std::string::npos) << got.status().message();
  EXPECT_NE(got.status().message().find("user info"), std::string::npos) << got.status().message();
}

TEST(OutboundPolicyTest, AcceptsPublicNameAndReturnsItsAddresses) {
  FakeResolver fake;
  fake.answers["crm.example.com"] = {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"};
  auto got = CheckDestination("https://CRM.example.com/hooks", false, fake.AsResolver());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got.value(),
            (std::vector<std::string>{"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"}));
  EXPECT_EQ(fake.asked, (std::vector<std::string>{"crm.example.com"}));
}

TEST(OutboundPolicyTest, DeduplicatesResolvedAddresses) {
  FakeResolver fake;
  fake.answers["a.example"] = {"8.8.8.8", "2001:4860::1", "8.8.8.8", "2001:4860:0:0::1"};
  auto got = CheckDestination("http://a.example/", false, fake.AsResolver());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got.value(), (std::vector<std::string>{"8.8.8.8", "2001:4860::1"}));
}

TEST(OutboundPolicyTest, RefusesNameResolvingToPrivateUnlessAllowed) {
  FakeResolver fake;
  fake.answers["bot.internal"] = {"10.0.0.5"};
  auto refused =
      CheckDestination("http://bot.internal:8081/x?token=s3cret", false, fake.AsResolver());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("10.0.0.5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(private)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bot.internal"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--allow-private-destinations"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;

  auto allowed = CheckDestination("http://bot.internal:8081/x", true, fake.AsResolver());
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed.value(), (std::vector<std::string>{"10.0.0.5"}));
}

TEST(OutboundPolicyTest, RefusesWhenAnyResolvedAddressIsRefused) {
  FakeResolver fake;
  fake.answers["mixed.example"] = {"93.184.216.34", "127.0.0.1"};
  fake.answers["mixed6.example"] = {"2606:4700::1111", "::ffff:127.0.0.1"};
  for (const char* url : {"https://mixed.example/", "https://mixed6.example/"}) {
    auto got = CheckDestination(url, false, fake.AsResolver());
    ASSERT_FALSE(got.ok()) << url;
    EXPECT_EQ(got.status().code(), Status::Code::kFailedPrecondition) << url;
    EXPECT_NE(got.status().message().find("127.0.0.1"), std::string::npos)
        << got.status().message();
    EXPECT_NE(got.status().message().find("(loopback)"), std::string::npos)
        << got.status().message();
  }
  // With --allow-private-destinations both answers pass.
  auto allowed = CheckDestination("https://mixed.example/", true, fake.AsResolver());
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed.value(), (std::vector<std::string>{"93.184.216.34", "127.0.0.1"}));
}

TEST(OutboundPolicyTest, AllowPrivateAcceptsLoopbackPrivateAndLinkLocalOnly) {
  FakeResolver fake;
  fake.answers["loop.test"] = {"127.0.0.1", "::1"};
  fake.answers["lan.test"] = {"192.168.1.10", "172.16.0.1", "100.64.0.1", "fd00::1"};
  fake.answers["link.test"] = {"169.254.1.1", "fe80::1"};
  for (const char* host : {"loop.test", "lan.test", "link.test"}) {
    std::string url = std::string("http://") + host + "/";
    EXPECT_FALSE(CheckDestination(url, false, fake.AsResolver()).ok()) << host;
    auto got = CheckDestination(url, true, fake.AsResolver());
    EXPECT_TRUE(got.ok()) << host << ": " << got.status().message();
  }
}

TEST(OutboundPolicyTest, RefusesMetadataAndOtherClassesEvenWhenPrivateIsAllowed) {
  FakeResolver fake;
  fake.answers["meta.test"] = {"169.254.169.254"};
  fake.answers["ecs.test"] = {"169.254.170.2"};
  fake.answers["meta6.test"] = {"fd00:ec2::254"};
  fake.answers["mapped.test"] = {"::ffff:169.254.169.254"};
  fake.answers["nat64.test"] = {"64:ff9b::a9fe:a9fe"};
  fake.answers["zero.test"] = {"0.0.0.0"};
  fake.answers["any6.test"] = {"::"};
  fake.answers["mcast.test"] = {"224.0.0.1"};
  fake.answers["bcast.test"] = {"255.255.255.255"};
  fake.answers["doc.test"] = {"192.0.2.1"};
  for (const auto& [host, addresses] : fake.answers) {
    std::string url = "http://" + host + "/";
    for (bool allow_private : {false, true}) {
      auto got = CheckDestination(url, allow_private, fake.AsResolver());
      ASSERT_FALSE(got.ok()) << url << " allow_private=" << allow_private;
      EXPECT_EQ(got.status().code(), Status::Code::kFailedPrecondition) << url;
      EXPECT_EQ(got.status().message().find("--allow-private-destinations"), std::string::npos)
          << got.status().message();
    }
  }
  auto meta = CheckDestination("http://meta.test/latest/meta-data/", true, fake.AsResolver());
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.status().message().find("169.254.169.254 (metadata)"), std::string::npos)
      << meta.status().message();
}

TEST(OutboundPolicyTest, RefusesNumericHostsWithoutResolving) {
  FakeResolver fake;
  for (const char* url :
       {"http://127.0.0.1/", "http://[::1]:8080/", "http://0x7f000001/", "http://2130706433/",
        "http://127.1/", "http://0x7f.1/", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/"}) {
    auto got = CheckDestination(url, false, fake.AsResolver());
    ASSERT_FALSE(got.ok()) << url;
    EXPECT_EQ(got.status().code(), Status::Code::kFailedPrecondition) << url;
    EXPECT_NE(got.status().message().find("(loopback)"), std::string::npos)
        << url << ": " << got.status().message();
  }
  for (const char* url : {"http://169.254.169.254/", "http://0xa9fea9fe/", "http://2852039166/",
                          "http://[fd00:ec2::254]/"}) {
    auto got = CheckDestination(url, true, fake.AsResolver());
    ASSERT_FALSE(got.ok()) << url;
    EXPECT_NE(got.status().message().find("(metadata)"), std::string::npos)
        << url << ": " << got.status().message();
  }
  EXPECT_TRUE(fake.asked.empty());

  // The refusal names the destination by origin, IPv6 in brackets, without path or query.
  auto v6 = CheckDestination("http://[::1]:8080/p?k=secret", false, fake.AsResolver());
  ASSERT_FALSE(v6.ok());
  EXPECT_EQ(v6.status().message(),
            "destination http://[::1]:8080/ resolves to ::1 (loopback), refused; "
            "--allow-private-destinations allows loopback and private addresses");
}

TEST(OutboundPolicyTest, ReturnsNumericHostsInCanonicalFormWhenAllowed) {
  FakeResolver fake;
  auto odd = CheckDestination("http://2130706433/", true, fake.AsResolver());
  ASSERT_TRUE(odd.ok()) << odd.status().message();
  EXPECT_EQ(odd.value(), (std::vector<std::string>{"127.0.0.1"}));
  auto v6 = CheckDestination("http://[0:0:0:0:0:0:0:1]/", true, fake.AsResolver());
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6.value(), (std::vector<std::string>{"::1"}));
  auto pub = CheckDestination("https://8.8.8.8/", false, fake.AsResolver());
  ASSERT_TRUE(pub.ok()) << pub.status().message();
  EXPECT_EQ(pub.value(), (std::vector<std::string>{"8.8.8.8"}));
  EXPECT_TRUE(fake.asked.empty());
}

TEST(OutboundPolicyTest, ReportsResolverFailureAsUnavailable) {
  FakeResolver fake;
  auto missing = CheckDestination("https://nowhere.example/", false, fake.AsResolver());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(missing.status().message().find("nowhere.example"), std::string::npos)
      << missing.status().message();

  fake.answers["empty.example"] = {};
  auto empty = CheckDestination("https://empty.example/", false, fake.AsResolver());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Status::Code::kUnavailable);

  Resolver throwing = [](const std::string&) -> Result<std::vector<std::string>> {
    throw std::runtime_error("boom");
  };
  auto thrown = CheckDestination("https://a.example/", false, throwing);
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), Status::Code::kUnavailable);

  auto none = CheckDestination("https://a.example/", false, Resolver());
  EXPECT_FALSE(none.ok());
}

TEST(OutboundPolicyTest, RefusesResolverAnswersThatAreNotAddresses) {
  FakeResolver fake;
  fake.answers["weird.example"] = {"8.8.8.8", "localhost"};
  auto got = CheckDestination("https://weird.example/", true, fake.AsResolver());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Status::Code::kFailedPrecondition);
}

TEST(OutboundPolicyTest, ReportsMalformedUrlAsInvalidArgument) {
  FakeResolver fake;
  for (const char* url : {"ftp://example.com/", "http://u:p@example.com/", "not a url"}) {
    auto got = CheckDestination(url, true, fake.AsResolver());
    ASSERT_FALSE(got.ok()) << url;
    EXPECT_EQ(got.status().code(), Status::Code::kInvalidArgument) << url;
  }
  EXPECT_TRUE(fake.asked.empty());
}

// Through getaddrinfo, without depending on the machine's hosts file or DNS (a fresh
// build chroot may have neither): numeric names resolve to themselves.
TEST(OutboundPolicyTest, SystemResolverGoesThroughGetaddrinfo) {
  Resolver resolve = SystemResolver();
  auto v4 = resolve("127.0.0.1");
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  EXPECT_EQ(v4.value(), std::vector<std::string>{"127.0.0.1"});
  auto v6 = resolve("::1");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6.value(), std::vector<std::string>{"::1"});
}

}  // namespace
}  // namespace wj::server
