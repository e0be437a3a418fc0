#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace wj::server {

// Parses a time given by a user: RFC 3339 ("2026-11-24T10:15:30Z", with an optional
// fraction and a "Z" or "+hh:mm" offset; 't' and 'z' accepted) or unix seconds
// ("1764000000"). Returns unix milliseconds, or InvalidArgument naming `name`.
Result<std::int64_t> ParseTime(std::string_view name, std::string_view text);

// The system clock now, in unix milliseconds.
std::int64_t UnixMillisNow();

// Unix milliseconds as RFC 3339 UTC with milliseconds: "2026-11-24T10:15:30.123Z".
std::string FormatTimeMillis(std::int64_t unix_ms);

// Unix seconds as RFC 3339 UTC: "2026-11-24T10:15:30Z".
std::string FormatTimeSeconds(std::int64_t unix_seconds);

// Days since 1970-01-01 as "YYYY-MM-DD".
std::string FormatDay(std::int64_t days_since_epoch);

}  // namespace wj::server
