#include "server/util/utf8.h"

#include <gtest/gtest.h>

namespace wj::server {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("plain ascii"));
  EXPECT_TRUE(IsUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\xae"));  // é € 😮
  EXPECT_TRUE(IsUtf8(std::string_view("nul\0inside", 10)));
}

TEST(Utf8Test, RefusesMalformedSequences) {
  for (std::string_view bad : {
           std::string_view("\xff"),              // never a lead byte
           std::string_view("\x80"),              // a lone continuation
           std::string_view("\xc3"),              // cut at the end
           std::string_view("ab\xe2\x82"),        // cut at the end
           std::string_view("\xc0\xaf"),          // overlong '/'
           std::string_view("\xe0\x80\xaf"),      // overlong, three bytes
           std::string_view("\xed\xa0\x80"),      // a surrogate
           std::string_view("\xf4\x90\x80\x80"),  // above U+10FFFF
           std::string_view("\xc3\x28"),          // continuation missing
       }) {
    EXPECT_FALSE(IsUtf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(Utf8Test, DecodesCodePointsAndTheirLength) {
  char32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("\xe2\x82\xac", 0, &cp), 3u);
  EXPECT_EQ(cp, U'\u20ac');
  EXPECT_EQ(DecodeUtf8("x\xf0\x9f\x98\xae", 1, &cp), 4u);
  EXPECT_EQ(cp, U'\U0001F62E');
  EXPECT_EQ(DecodeUtf8("\xc0\xaf", 0, &cp), 0u);
}

}  // namespace
}  // namespace wj::server
