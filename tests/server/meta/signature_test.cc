#include "server/meta/signature.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";
constexpr const char* kBody =
    R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]})";

SignatureCheck Check(const std::string& header, const std::string& body = kBody) {
  return SignatureVerifier({kSecret}).Verify(header, body);
}

TEST(SignatureVerifierTest, AcceptsValidSignature) {
  EXPECT_EQ(Check(SignBody(kSecret, kBody)), SignatureCheck::kValid);
}

TEST(SignatureVerifierTest, AcceptsValidSignatureOfEmptyBody) {
  EXPECT_EQ(Check(SignBody(kSecret, ""), ""), SignatureCheck::kValid);
}

TEST(SignatureVerifierTest, ReportsMissingHeader) {
  SignatureVerifier verifier({kSecret});
  EXPECT_EQ(verifier.Verify(std::nullopt, kBody), SignatureCheck::kMissing);
  EXPECT_EQ(verifier.Verify(std::string_view(), kBody), SignatureCheck::kMissing);
  EXPECT_EQ(verifier.Verify("", kBody), SignatureCheck::kMissing);
}

TEST(SignatureVerifierTest, RejectsHeaderWithoutSha256Prefix) {
  const std::string hex = SignBody(kSecret, kBody).substr(7);
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(Check(hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check("sha1=" + hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check("sha256:" + hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check("SHA256=" + hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check("Sha256=" + hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check(" sha256=" + hex), SignatureCheck::kMalformed);
  EXPECT_EQ(Check("sha256 =" + hex), SignatureCheck::kMalformed);
}

// GHSA-747x: an empty or truncated digest must never be compared as a prefix of the real one.
TEST(SignatureVerifierTest, RejectsEmptyOrTruncatedDigest) {
  const std::string sig = SignBody(kSecret, kBody);
  EXPECT_EQ(Check("sha256="), SignatureCheck::kMalformed);
  EXPECT_EQ(Check(sig.substr(0, sig.size() - 1)), SignatureCheck::kMalformed);  // 63 hex
  EXPECT_EQ(Check(sig.substr(0, sig.size() - 2)), SignatureCheck::kMalformed);  // 62 hex
  EXPECT_EQ(Check(sig.substr(0, 7 + 2)), SignatureCheck::kMalformed);           // one byte
  EXPECT_EQ(Check(sig + "0"), SignatureCheck::kMalformed);                      // 65 hex
  EXPECT_EQ(Check(sig + "00"), SignatureCheck::kMalformed);                     // 66 hex
  EXPECT_EQ(Check(sig + " "), SignatureCheck::kMalformed);
  EXPECT_EQ(Check(sig + "\n"), SignatureCheck::kMalformed);
}

TEST(SignatureVerifierTest, RejectsNonHexDigest) {
  std::string sig = SignBody(kSecret, kBody);
  for (char bad : {'g', 'z', 'G', ' ', '-', '\0'}) {
    std::string header = sig;
    header[20] = bad;
    EXPECT_EQ(Check(header), SignatureCheck::kMalformed) << "with '" << bad << "'";
  }
  EXPECT_EQ(Check("sha256=" + std::string(64, 'x')), SignatureCheck::kMalformed);
}

TEST(SignatureVerifierTest, RejectsSignatureMadeWithWrongSecret) {
  EXPECT_EQ(Check(SignBody("another-secret", kBody)), SignatureCheck::kMismatch);
  EXPECT_EQ(Check(SignBody("", kBody)), SignatureCheck::kMismatch);
}

TEST(SignatureVerifierTest, RejectsBodyWithOneByteChanged) {
  const std::string sig = SignBody(kSecret, kBody);
  std::string body = kBody;
  body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x01);
  EXPECT_EQ(Check(sig, body), SignatureCheck::kMismatch);
  EXPECT_EQ(Check(sig, std::string(kBody) + " "), SignatureCheck::kMismatch);
  EXPECT_EQ(Check(sig, std::string(kBody).substr(1)), SignatureCheck::kMismatch);
}

TEST(SignatureVerifierTest, RejectsAllZeroDigest) {
  EXPECT_EQ(Check("sha256=" + std::string(64, '0')), SignatureCheck::kMismatch);
}

TEST(SignatureVerifierTest, AcceptsBodySignedWithAnyConfiguredSecret) {
  SignatureVerifier verifier({"old-secret", "new-secret", "other-app"});
  EXPECT_EQ(verifier.Verify(SignBody("old-secret", kBody), kBody), SignatureCheck::kValid);
  EXPECT_EQ(verifier.Verify(SignBody("new-secret", kBody), kBody), SignatureCheck::kValid);
  EXPECT_EQ(verifier.Verify(SignBody("other-app", kBody), kBody), SignatureCheck::kValid);
  EXPECT_EQ(verifier.Verify(SignBody("retired", kBody), kBody), SignatureCheck::kMismatch);
}

TEST(SignatureVerifierTest, AcceptsNothingWithoutSecrets) {
  SignatureVerifier verifier({});
  EXPECT_EQ(verifier.Verify(SignBody("", kBody), kBody), SignatureCheck::kMismatch);
  EXPECT_EQ(verifier.Verify(SignBody(kSecret, kBody), kBody), SignatureCheck::kMismatch);
}

// The code decodes the digest with FromHex, which takes either case: an uppercase digest
// is the same digest and is accepted. The "sha256=" prefix itself is case-sensitive.
TEST(SignatureVerifierTest, AcceptsUppercaseHexDigest) {
  std::string sig = SignBody(kSecret, kBody);
  std::transform(sig.begin() + 7, sig.end(), sig.begin() + 7, [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  ASSERT_NE(sig, SignBody(kSecret, kBody)) << "the digest has no letters to uppercase";
  EXPECT_EQ(Check(sig), SignatureCheck::kValid);
}

// Meta signs the body as sent, with non-ASCII characters \u-escaped. Re-serialising the
// JSON (which writes UTF-8) changes the bytes, so only the raw body may be verified.
TEST(SignatureVerifierTest, VerifiesRawEscapedBodyNotItsReserialisedForm) {
  const std::string raw =
      R"({"entry":[{"changes":[{"value":{"text":{"body":"J'ai mang\u00e9 des p\u00e2tes"}}}]}]})";
  ASSERT_NE(raw.find("\\u00e9"), std::string::npos);
  const std::string reserialised = nlohmann::json::parse(raw).dump();
  ASSERT_NE(reserialised, raw);
  ASSERT_NE(reserialised.find("mang\xc3\xa9"), std::string::npos) << reserialised;

  SignatureVerifier verifier({kSecret});
  EXPECT_EQ(verifier.Verify(SignBody(kSecret, raw), raw), SignatureCheck::kValid);
  EXPECT_EQ(verifier.Verify(SignBody(kSecret, reserialised), raw), SignatureCheck::kMismatch);
  EXPECT_EQ(verifier.Verify(SignBody(kSecret, raw), reserialised), SignatureCheck::kMismatch);
}

TEST(SignBodyTest, FormatsPrefixAndLowercaseHex) {
  const std::string sig = SignBody(kSecret, kBody);
  ASSERT_EQ(sig.size(), 7u + 64u);
  EXPECT_EQ(sig.substr(0, 7), "sha256=");
  for (char c : sig.substr(7)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << sig;
  }
}

// RFC 4231, test case 2.
TEST(SignBodyTest, MatchesHmacSha256TestVector) {
  EXPECT_EQ(SignBody("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SignBodyTest, SignsBytesIncludingNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(SignBody(kSecret, with_nul), SignBody(kSecret, "a"));
  EXPECT_EQ(SignatureVerifier({kSecret}).Verify(SignBody(kSecret, with_nul), with_nul),
            SignatureCheck::kValid);
}

TEST(SignatureCheckTest, ToStringGivesMetricLabels) {
  EXPECT_EQ(ToString(SignatureCheck::kValid), "valid");
  EXPECT_EQ(ToString(SignatureCheck::kMissing), "missing");
  EXPECT_EQ(ToString(SignatureCheck::kMalformed), "malformed");
  EXPECT_EQ(ToString(SignatureCheck::kMismatch), "mismatch");
}

}  // namespace
}  // namespace wj::server
