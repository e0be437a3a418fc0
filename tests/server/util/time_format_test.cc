#include "server/util/time_format.h"

#include <gtest/gtest.h>

namespace wj::server {
namespace {

std::int64_t Parsed(const std::string& text) {
  auto r = ParseTime("since", text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? r.value() : -1;
}

TEST(TimeFormatTest, ParsesRfc3339InUtcAndWithOffsets) {
  EXPECT_EQ(Parsed("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parsed("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(Parsed("2023-11-14t22:13:20z"), 1700000000000);
  EXPECT_EQ(Parsed("2023-11-14T22:13:20.5Z"), 1700000000500);
  EXPECT_EQ(Parsed("2023-11-14T22:13:20.123456Z"), 1700000000123);
  EXPECT_EQ(Parsed("2023-11-15T00:13:20+02:00"), 1700000000000);
  EXPECT_EQ(Parsed("2023-11-14T17:13:20-05:00"), 1700000000000);
  EXPECT_EQ(Parsed("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(TimeFormatTest, ParsesUnixSeconds) {
  EXPECT_EQ(Parsed("0"), 0);
  EXPECT_EQ(Parsed("1700000000"), 1700000000000);
}

TEST(TimeFormatTest, RejectsMalformedTimesNamingTheParameter) {
  for (const char* bad : {"", "yesterday", "2023-11-14", "2023-11-14T22:13:20",
                          "2023-02-30T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:60Z",
                          "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+2:00", "-5", "1.5",
                          "99999999999999999999", "2023-11-14T22:13:20Zjunk"}) {
    auto r = ParseTime("until", bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind("until", 0), 0u);
    }
  }
}

TEST(TimeFormatTest, FormatsUtcWithAndWithoutMilliseconds) {
  EXPECT_EQ(FormatTimeMillis(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatTimeMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimeMillis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimeSeconds(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatDay(19675), "2023-11-14");
}

TEST(TimeFormatTest, RoundTripsFormattedTimes) {
  for (std::int64_t ms : {0LL, 1700000000123LL, 951782400000LL, 4102444799999LL}) {
    EXPECT_EQ(Parsed(FormatTimeMillis(ms)), ms);
  }
}

}  // namespace
}  // namespace wj::server
