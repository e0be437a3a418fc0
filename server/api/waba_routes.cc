#include "server/api/waba_routes.h"

#include <algorithm>
#include <iterator>

#include "server/api/api_params.h"
#include "server/api/audit_summary.h"
#include "server/api/event_json.h"
#include "server/api/subscription_routes.h"
#include "server/http/json_response.h"
#include "server/util/time_format.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using storage::TokenScope;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr int kMaxAuditItems = 5000;
constexpr const char* kSubscriptionField = "subscription";

// "Subscription: missing (our app is not subscribed)" and the like.
std::string SubscriptionSummary(const storage::SubscriptionCheck& c) {
  std::string s = std::string("Subscription: ") + storage::ToString(c.state);
  switch (c.state) {
    case storage::SubscriptionState::kSubscribed:
      return s + " (our app is subscribed)";
    case storage::SubscriptionState::kMissing:
      return s + " (our app is not in subscribed_apps: Meta delivers nothing)";
    case storage::SubscriptionState::kOverridden:
      return s + " (deliveries go to " + c.override_callback_uri.value_or("another URL") + ")";
    case storage::SubscriptionState::kRateLimited:
      return s + " (checks paused by Meta's rate limit)";
    case storage::SubscriptionState::kError:
      return s + " (" + c.error_message.value_or("the check failed") + ")";
    case storage::SubscriptionState::kUnknown:
      break;
  }
  return s;
}

// When an audit event happened: Meta's entry.time, else when we received it.
std::string At(const storage::StoredEvent& e) {
  return e.event_time ? FormatTimeSeconds(*e.event_time) : FormatTimeMillis(e.received_at_ms);
}

Json ParseValue(const storage::StoredEvent& e) {
  if (!e.value) return Json();
  return Json::parse(*e.value, nullptr, /*allow_exceptions=*/false);
}

// The string member `key` of `object`, if it is one.
std::optional<std::string> StringAt(const Json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

void WabaRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/wabas",
             guard.Require(TokenScope::kRead, this, &WabaRoutes::List));
  router.Add(Method::Get, "/api/v1/wabas/:waba_id/audit",
             guard.Require(TokenScope::kRead, this, &WabaRoutes::Audit));
}

void WabaRoutes::List(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {"days"}); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto days = ApiParams::Of(rq.query).Integer("days", 0, 366);
  if (!days.ok()) return SendFailure(rs, days.status());
  auto wabas = reader_.Wabas();
  if (!wabas.ok()) return SendFailure(rs, wabas.status());
  const std::int64_t today = now_() / kMillisPerDay;
  OrderedJson rows = OrderedJson::array();
  for (const storage::WabaSummary& w : wabas.value()) {
    if (!who.Allows(w.waba_id)) continue;
    OrderedJson row;
    row["waba_id"] = w.waba_id;
    row["first_seen"] = FormatTimeMillis(w.first_seen_ms);
    row["last_seen"] = FormatTimeMillis(w.last_seen_ms);
    row["events"] = w.events;
    row["duplicates"] = w.duplicates;
    row["fields"] = OrderedJson::object();
    for (const auto& [field, count] : w.fields) row["fields"][field] = count.events;
    if (days.value().value_or(0) > 0) {
      const std::int64_t from = today - *days.value() + 1;
      auto daily = reader_.DailyCounts(w.waba_id, from);
      if (!daily.ok()) return SendFailure(rs, daily.status());
      // Every day of the window, zeros included, so that charts need no gap filling.
      OrderedJson series = OrderedJson::array();
      auto it = daily->begin();
      for (std::int64_t day = from; day <= today; ++day) {
        std::int64_t n = 0;
        while (it != daily->end() && it->day < day) ++it;
        if (it != daily->end() && it->day == day) n = it->events;
        series.push_back({{"day", FormatDay(day)}, {"events", n}});
      }
      row["daily"] = std::move(series);
    }
    rows.push_back(std::move(row));
  }
  SendJson(rs, Code::Ok, Json{{"wabas", std::move(rows)}});
}

Result<OrderedJson> WabaRoutes::Current(const std::string& waba_id) {
  OrderedJson current;
  current["review"] = nullptr;
  current["ban"] = nullptr;
  current["restrictions"] = OrderedJson::array();
  current["violation"] = nullptr;

  auto review_r = reader_.LatestAuditEvent(waba_id, "account_review_update", std::nullopt);
  auto ban_r = reader_.LatestAuditEvent(waba_id, "account_update", "DISABLED_UPDATE");
  auto restriction_r = reader_.LatestAuditEvent(waba_id, "account_update", "ACCOUNT_RESTRICTION");
  auto violation_r = reader_.LatestAuditEvent(waba_id, "account_update", "ACCOUNT_VIOLATION");
  for (const Status& s :
       {review_r.status(), ban_r.status(), restriction_r.status(), violation_r.status()}) {
    if (!s.ok()) return s;
  }

  if (const auto& review = review_r.value()) {
    const Json v = ParseValue(*review);
    current["review"] = OrderedJson{{"decision", StringAt(v, "decision").value_or("")},
                                    {"seq", review->seq},
                                    {"at", At(*review)}};
  }

  if (const auto& ban = ban_r.value()) {
    const Json v = ParseValue(*ban);
    const Json info = v.is_object() ? v.value("ban_info", Json::object()) : Json::object();
    const std::string state = StringAt(info, "waba_ban_state").value_or("");
    // A later REINSTATE lifts the ban.
    if (state != "REINSTATE") {
      auto date = StringAt(info, "waba_ban_date");
      current["ban"] = OrderedJson{{"state", state},
                                   {"date", date ? OrderedJson(*date) : OrderedJson(nullptr)},
                                   {"seq", ban->seq},
                                   {"at", At(*ban)}};
    }
  }

  if (const auto& restriction = restriction_r.value()) {
    const Json v = ParseValue(*restriction);
    const std::int64_t now_s = now_() / 1000;
    if (v.is_object() && v.contains("restriction_info") && v["restriction_info"].is_array()) {
      for (const Json& r : v["restriction_info"]) {
        if (!r.is_object()) continue;
        OrderedJson expiration = nullptr;
        if (auto e = r.find("expiration"); e != r.end() && e->is_number_integer()) {
          if (e->get<std::int64_t>() <= now_s) continue;  // expired: no longer standing
          expiration = FormatTimeSeconds(e->get<std::int64_t>());
        }
        current["restrictions"].push_back(
            OrderedJson{{"restriction_type", StringAt(r, "restriction_type").value_or("")},
                        {"expiration", expiration},
                        {"seq", restriction->seq}});
      }
    }
  }

  if (const auto& violation = violation_r.value()) {
    const Json v = ParseValue(*violation);
    const Json info = v.is_object() ? v.value("violation_info", Json::object()) : Json::object();
    current["violation"] =
        OrderedJson{{"violation_type", StringAt(info, "violation_type").value_or("")},
                    {"seq", violation->seq},
                    {"at", At(*violation)}};
  }
  return current;
}

void WabaRoutes::Audit(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  const std::string waba_id = rq.Param("waba_id");
  if (!who.Allows(waba_id)) {
    return SendError(rs, Code::Forbidden, "forbidden", "this token may not read WABA " + waba_id);
  }
  if (Status known = CheckKnownParams(rq.query, {"field", "since", "until", "limit"});
      !known.ok()) {
    return SendFailure(rs, known);
  }
  const ApiParams params = ApiParams::Of(rq.query);
  storage::AuditFilter filter;
  filter.waba_id = waba_id;
  auto fields = params.List("field");
  auto since = params.Time("since");
  auto until = params.Time("until");
  auto limit = params.Integer("limit", 1, kMaxAuditItems);
  for (const Status& s : {fields.status(), since.status(), until.status(), limit.status()}) {
    if (!s.ok()) return SendFailure(rs, s);
  }
  // "subscription" is the reconciler's record of this WABA's subscribed_apps, merged in.
  const auto audit_fields = storage::AuditFields();
  bool with_subscription = fields.value().empty();
  for (const std::string& f : fields.value()) {
    if (f == kSubscriptionField) {
      with_subscription = true;
    } else if (std::find(audit_fields.begin(), audit_fields.end(), f) == audit_fields.end()) {
      return SendFailure(rs, Status::InvalidArgument("field '" + f + "' is not an audit field"));
    } else {
      filter.fields.push_back(f);
    }
  }
  const bool with_events = fields.value().empty() || !filter.fields.empty();
  filter.since_ms = since.value();
  filter.until_ms = until.value();
  filter.limit = static_cast<int>(limit.value().value_or(1000));

  // Each item with the time it is ordered by (ms), as serialised JSON.
  std::vector<std::pair<std::int64_t, std::string>> items;
  bool truncated = false;
  if (with_events) {
    auto timeline = reader_.Audit(filter);
    if (!timeline.ok()) return SendFailure(rs, timeline.status());
    truncated = timeline->truncated;
    for (const storage::StoredEvent& e : timeline->items) {
      OrderedJson item;
      item["seq"] = e.seq;
      item["field"] = e.field;
      item["event_time"] =
          e.event_time ? OrderedJson(FormatTimeSeconds(*e.event_time)) : OrderedJson(nullptr);
      item["received_at"] = FormatTimeMillis(e.received_at_ms);
      item["summary"] = AuditSummary(e.field, ParseValue(e));
      items.emplace_back(e.event_time ? *e.event_time * 1000 : e.received_at_ms,
                         WithRawValue(item, e.value));
    }
  }
  if (with_subscription) {
    auto changes = reader_.SubscriptionChanges(waba_id);
    if (!changes.ok()) return SendFailure(rs, changes.status());
    std::vector<std::pair<std::int64_t, std::string>> merged;
    for (const storage::SubscriptionCheck& c : changes.value()) {
      if ((filter.since_ms && c.checked_at_ms < *filter.since_ms) ||
          (filter.until_ms && c.checked_at_ms >= *filter.until_ms)) {
        continue;
      }
      OrderedJson item;
      item["seq"] = nullptr;
      item["check_id"] = c.id;
      item["field"] = kSubscriptionField;
      item["event_time"] = FormatTimeMillis(c.checked_at_ms);
      item["received_at"] = FormatTimeMillis(c.checked_at_ms);
      item["summary"] = SubscriptionSummary(c);
      item["value"] = CheckJson(c);
      merged.emplace_back(c.checked_at_ms,
                          item.dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    // Both lists are in time order; a stable merge keeps events first on equal times.
    std::vector<std::pair<std::int64_t, std::string>> all;
    all.reserve(items.size() + merged.size());
    std::merge(items.begin(), items.end(), merged.begin(), merged.end(), std::back_inserter(all),
               [](const auto& a, const auto& b) { return a.first < b.first; });
    items = std::move(all);
    if (items.size() > static_cast<std::size_t>(filter.limit)) {
      items.erase(items.begin(), items.end() - filter.limit);
      truncated = true;
    }
  }
  auto current = Current(waba_id);
  if (!current.ok()) return SendFailure(rs, current.status());

  OrderedJson head;
  head["waba_id"] = waba_id;
  head["current"] = std::move(current.value());
  head["truncated"] = truncated;
  std::string body = head.dump(-1, ' ', false, Json::error_handler_t::replace);
  body.pop_back();
  body.append(",\"items\":[");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(items[i].second);
  }
  body.append("]}");
  SendJsonText(rs, Code::Ok, std::move(body));
}

}  // namespace wj::server
