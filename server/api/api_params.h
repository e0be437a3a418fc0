#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/query_string.h"
#include "storage/journal_reader.h"

namespace wj::server {

// Typed reading of API parameters. Every failure is InvalidArgument with a message that
// names the parameter, for a 400 answer (or a CLI error line).
class ApiParams {
 public:
  // `all(name)` returns every value given for `name`, in order.
  using Lookup = std::function<std::vector<std::string>(std::string_view name)>;
  explicit ApiParams(Lookup all) : all_(std::move(all)) {}
  static ApiParams Of(const QueryString& query);

  // Values of a repeatable parameter; each must be non-empty.
  Result<std::vector<std::string>> List(std::string_view name) const;
  // A parameter given at most once, non-empty when given.
  Result<std::optional<std::string>> Text(std::string_view name) const;
  // An integer in [min, max], when given.
  Result<std::optional<std::int64_t>> Integer(std::string_view name, std::int64_t min,
                                              std::int64_t max) const;
  // true / false (also 1 / 0), `fallback` when absent.
  Result<bool> Boolean(std::string_view name, bool fallback) const;
  // A time (RFC 3339 or unix seconds) as unix milliseconds, when given.
  Result<std::optional<std::int64_t>> Time(std::string_view name) const;

 private:
  Lookup all_;
};

// InvalidArgument naming the first parameter of `query` not in `known`.
Status CheckKnownParams(const QueryString& query, std::span<const std::string_view> known);
Status CheckKnownParams(const QueryString& query, std::initializer_list<std::string_view> known);

// The names accepted by ParseEventFilter.
inline constexpr std::array<std::string_view, 10> kEventFilterParams = {
    "waba_id", "field", "since", "until", "after", "limit", "order", "include_duplicates",
    "wamid",   "wa_id"};

// The filters of GET /api/v1/events (and `waba-journal events`): waba_id and field
// (repeatable), since / until, after, limit (1..1000, default 100), order (asc|desc),
// include_duplicates, wamid, wa_id.
Result<storage::EventFilter> ParseEventFilter(const ApiParams& params);

}  // namespace wj::server
