#include "server/util/time_format.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace wj::server {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// Reads exactly `width` digits at `pos`, advancing it.
bool Digits(std::string_view s, std::size_t& pos, std::size_t width, int* out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += width;
  *out = v;
  return true;
}

bool Expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
  if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b))) return false;
  ++pos;
  return true;
}

// RFC 3339 date-time (section 5.6), leap seconds refused.
bool ParseRfc3339(std::string_view s, std::int64_t* out_ms) {
  std::size_t p = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, p, 4, &y) || !Expect(s, p, '-') || !Digits(s, p, 2, &mo) || !Expect(s, p, '-') ||
      !Digits(s, p, 2, &d) || !Expect(s, p, 'T', 't') || !Digits(s, p, 2, &h) ||
      !Expect(s, p, ':') || !Digits(s, p, 2, &mi) || !Expect(s, p, ':') || !Digits(s, p, 2, &sec)) {
    return false;
  }
  int millis = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int scale = 100;
    const std::size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      millis += (s[p] - '0') * scale;  // digits beyond milliseconds are dropped
      scale /= 10;
      ++p;
    }
    if (p == start) return false;
  }
  int offset_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    const int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!Digits(s, p, 2, &oh) || !Expect(s, p, ':') || !Digits(s, p, 2, &om)) return false;
    if (oh > 23 || om > 59) return false;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (p != s.size()) return false;
  const year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                           std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return false;
  const std::int64_t day = sys_days(ymd).time_since_epoch().count();
  const std::int64_t seconds = day * 86400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
  *out_ms = seconds * 1000 + millis;
  return true;
}

}  // namespace

Result<std::int64_t> ParseTime(std::string_view name, std::string_view text) {
  std::int64_t seconds = 0;
  const char* end = text.data() + text.size();
  // Unix seconds: digits only. Bounded so that the milliseconds fit in 64 bits.
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
    if (ec == std::errc() && ptr == end && seconds < 253402300800) return seconds * 1000;
  } else {
    std::int64_t ms = 0;
    if (ParseRfc3339(text, &ms)) return ms;
  }
  return Status::InvalidArgument(std::string(name) +
                                 " must be an RFC 3339 time (2026-11-24T10:15:30Z) or unix "
                                 "seconds");
}

std::int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimeMillis(std::int64_t unix_ms) {
  const std::int64_t day = (unix_ms >= 0 ? unix_ms : unix_ms - 86'399'999) / 86'400'000;
  const std::int64_t in_day = unix_ms - day * 86'400'000;
  const year_month_day ymd{sys_days(days(day))};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return buf;
}

std::string FormatTimeSeconds(std::int64_t unix_seconds) {
  std::string s = FormatTimeMillis(unix_seconds * 1000);
  return s.erase(s.size() - 5, 4);  // drop ".000"
}

std::string FormatDay(std::int64_t days_since_epoch) {
  const year_month_day ymd{sys_days(days(days_since_epoch))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace wj::server
