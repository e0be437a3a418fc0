#include "server/api/api_params.h"

#include <charconv>

#include "server/util/time_format.h"

namespace wj::server {

ApiParams ApiParams::Of(const QueryString& query) {
  return ApiParams([&query](std::string_view name) { return query.GetAll(name); });
}

Result<std::vector<std::string>> ApiParams::List(std::string_view name) const {
  std::vector<std::string> values = all_(name);
  for (const std::string& v : values) {
    if (v.empty()) return Status::InvalidArgument(std::string(name) + " must not be empty");
  }
  return values;
}

Result<std::optional<std::string>> ApiParams::Text(std::string_view name) const {
  std::vector<std::string> values = all_(name);
  if (values.empty()) return std::optional<std::string>();
  if (values.size() > 1) {
    return Status::InvalidArgument(std::string(name) + " may be given only once");
  }
  if (values[0].empty()) return Status::InvalidArgument(std::string(name) + " must not be empty");
  return std::optional<std::string>(std::move(values[0]));
}

Result<std::optional<std::int64_t>> ApiParams::Integer(std::string_view name, std::int64_t min,
                                                       std::int64_t max) const {
  auto text = Text(name);
  if (!text.ok()) return text.status();
  if (!text.value()) return std::optional<std::int64_t>();
  const std::string& s = *text.value();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) {
    return Status::InvalidArgument(std::string(name) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return std::optional<std::int64_t>(v);
}

Result<bool> ApiParams::Boolean(std::string_view name, bool fallback) const {
  auto text = Text(name);
  if (!text.ok()) return text.status();
  if (!text.value()) return fallback;
  if (*text.value() == "true" || *text.value() == "1") return true;
  if (*text.value() == "false" || *text.value() == "0") return false;
  return Status::InvalidArgument(std::string(name) + " must be true or false");
}

Result<std::optional<std::int64_t>> ApiParams::Time(std::string_view name) const {
  auto text = Text(name);
  if (!text.ok()) return text.status();
  if (!text.value()) return std::optional<std::int64_t>();
  auto ms = ParseTime(name, *text.value());
  if (!ms.ok()) return ms.status();
  return std::optional<std::int64_t>(ms.value());
}

Status CheckKnownParams(const QueryString& query, std::initializer_list<std::string_view> known) {
  return CheckKnownParams(query, std::span<const std::string_view>(known.begin(), known.size()));
}

Status CheckKnownParams(const QueryString& query, std::span<const std::string_view> known) {
  for (const auto& [name, value] : query.params()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == name;
    if (!ok) return Status::InvalidArgument("unknown parameter '" + name + "'");
  }
  return Status::Ok();
}

// Each step returns early with the first bad parameter.
#define WJ_ASSIGN_OR_RETURN(lhs, expr)    \
  do {                                    \
    auto wj_r = (expr);                   \
    if (!wj_r.ok()) return wj_r.status(); \
    lhs = std::move(wj_r.value());        \
  } while (false)

Result<storage::EventFilter> ParseEventFilter(const ApiParams& p) {
  storage::EventFilter f;
  WJ_ASSIGN_OR_RETURN(f.waba_ids, p.List("waba_id"));
  WJ_ASSIGN_OR_RETURN(f.fields, p.List("field"));
  WJ_ASSIGN_OR_RETURN(f.since_ms, p.Time("since"));
  WJ_ASSIGN_OR_RETURN(f.until_ms, p.Time("until"));
  WJ_ASSIGN_OR_RETURN(f.after, p.Integer("after", 0, INT64_MAX));
  std::optional<std::int64_t> limit;
  WJ_ASSIGN_OR_RETURN(limit, p.Integer("limit", 1, storage::kMaxPageSize));
  f.limit = static_cast<int>(limit.value_or(100));
  std::optional<std::string> order;
  WJ_ASSIGN_OR_RETURN(order, p.Text("order"));
  if (order && *order != "asc" && *order != "desc") {
    return Status::InvalidArgument("order must be asc or desc");
  }
  f.descending = order == "desc";
  WJ_ASSIGN_OR_RETURN(f.include_duplicates, p.Boolean("include_duplicates", false));
  WJ_ASSIGN_OR_RETURN(f.wamid, p.Text("wamid"));
  WJ_ASSIGN_OR_RETURN(f.wa_id, p.Text("wa_id"));
  if (f.since_ms && f.until_ms && *f.since_ms >= *f.until_ms) {
    return Status::InvalidArgument("since must be before until");
  }
  return f;
}

#undef WJ_ASSIGN_OR_RETURN

}  // namespace wj::server
