#include "server/http/query_string.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace wj::server {
namespace {

QueryString MustParse(std::string_view raw) {
  auto q = QueryString::Parse(raw);
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? q.value() : QueryString();
}

TEST(QueryStringTest, KeepsDotsInNames) {
  QueryString q = MustParse("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tok");

  EXPECT_EQ(q.Get("hub.mode"), "subscribe");
  EXPECT_EQ(q.Get("hub.challenge"), "1158201444");
  EXPECT_EQ(q.Get("hub.verify_token"), "tok");
  EXPECT_EQ(q.Get("hub_mode"), std::nullopt);
  EXPECT_EQ(q.Get("mode"), std::nullopt);
}

TEST(QueryStringTest, KeepsEveryValueOfRepeatedNameInOrder) {
  QueryString q = MustParse("a=1&b=x&a=2&a=3");

  EXPECT_EQ(q.Get("a"), "1");
  EXPECT_EQ(q.GetAll("a"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(q.GetAll("b"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(q.GetAll("c").empty());
  ASSERT_EQ(q.params().size(), 4u);
  EXPECT_EQ(q.params()[1], (std::pair<std::string, std::string>{"b", "x"}));
}

TEST(QueryStringTest, DecodesPercentEscapesAndPlus) {
  QueryString q = MustParse("t=a+b%20c%2Bd%26e%3Df&n%2Eme=%c3%a9%C3%A9&z=%00");

  EXPECT_EQ(q.Get("t"), "a b c+d&e=f");
  EXPECT_EQ(q.Get("n.me"), "\xc3\xa9\xc3\xa9");
  EXPECT_EQ(q.Get("z"), std::string(1, '\0'));
}

TEST(QueryStringTest, SplitsOnRawAmpersandOnlyBeforeDecoding) {
  QueryString q = MustParse("a=x%26b%3Dy");

  ASSERT_EQ(q.params().size(), 1u);
  EXPECT_EQ(q.Get("a"), "x&b=y");
  EXPECT_EQ(q.Get("b"), std::nullopt);
}

TEST(QueryStringTest, KeepsEqualsSignsAfterTheFirstInValue) {
  QueryString q = MustParse("token=abc==");
  EXPECT_EQ(q.Get("token"), "abc==");
}

TEST(QueryStringTest, RejectsMalformedEscapes) {
  for (const char* raw : {"a=%", "a=%4", "a=%zz", "a=%4g", "a=%g4", "a=1%", "%=1", "%4=1", "a%zz=1",
                          "ok=1&bad=%2", "a=%%41"}) {
    auto q = QueryString::Parse(raw);

    ASSERT_FALSE(q.ok()) << "accepted " << raw;
    EXPECT_EQ(q.status().code(), Status::Code::kInvalidArgument) << raw;
  }
}

TEST(QueryStringTest, SkipsEmptyPairs) {
  QueryString q = MustParse("&a=1&&b=2&");

  ASSERT_EQ(q.params().size(), 2u);
  EXPECT_EQ(q.Get("a"), "1");
  EXPECT_EQ(q.Get("b"), "2");
}

TEST(QueryStringTest, ParsesEmptyString) {
  QueryString q = MustParse("");
  EXPECT_TRUE(q.params().empty());
  EXPECT_EQ(q.Get("a"), std::nullopt);
}

TEST(QueryStringTest, TakesNameWithoutEqualsAsEmptyValue) {
  QueryString q = MustParse("flag&a=1&empty=");

  ASSERT_EQ(q.params().size(), 3u);
  EXPECT_EQ(q.Get("flag"), "");
  EXPECT_EQ(q.Get("empty"), "");
  EXPECT_EQ(q.Get("a"), "1");
}

TEST(PercentDecodeTest, DecodesAndReportsMalformedEscapes) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%41+%7e", &out));
  EXPECT_EQ(out, "aA ~");
  EXPECT_TRUE(PercentDecode("", &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(PercentDecode("%", &out));
  EXPECT_FALSE(PercentDecode("%4", &out));
  EXPECT_FALSE(PercentDecode("%zz", &out));
  EXPECT_FALSE(PercentDecode("abc%", &out));
}

}  // namespace
}  // namespace wj::server
