#include "server/api/subscription_routes.h"

#include "server/api/api_params.h"
#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include "server/util/time_format.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using storage::TokenScope;
using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxHistory = 1000;

template <typename T>
OrderedJson OrNull(const std::optional<T>& v) {
  return v ? OrderedJson(*v) : OrderedJson(nullptr);
}

OrderedJson TimeOrNull(const std::optional<std::int64_t>& ms) {
  return ms ? OrderedJson(FormatTimeMillis(*ms)) : OrderedJson(nullptr);
}

}  // namespace

OrderedJson CheckJson(const storage::SubscriptionCheck& c) {
  OrderedJson j;
  j["id"] = c.id;
  j["checked_at"] = FormatTimeMillis(c.checked_at_ms);
  j["action"] = c.action;
  j["state"] = storage::ToString(c.state);
  j["http_status"] = OrNull(c.http_status);
  j["our_app_present"] = OrNull(c.our_app_present);
  OrderedJson apps = nullptr;
  if (c.apps_json) apps = OrderedJson::parse(*c.apps_json, nullptr, /*allow_exceptions=*/false);
  j["apps"] = apps.is_discarded() ? OrderedJson(nullptr) : apps;
  j["override_callback_uri"] = OrNull(c.override_callback_uri);
  j["error"] = c.error_code || c.error_message ? OrderedJson{{"code", OrNull(c.error_code)},
                                                             {"message", OrNull(c.error_message)}}
                                               : OrderedJson(nullptr);
  j["usage"] = OrNull(c.usage);
  j["paused_until"] = TimeOrNull(c.paused_until_ms);
  return j;
}

void SubscriptionRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/subscriptions",
             guard.Require(TokenScope::kRead, this, &SubscriptionRoutes::List));
  router.Add(Method::Get, "/api/v1/subscriptions/:waba_id/history",
             guard.Require(TokenScope::kRead, this, &SubscriptionRoutes::History));
  router.Add(Method::Post, "/api/v1/subscriptions/:waba_id/check",
             guard.Require(TokenScope::kAdmin, this, &SubscriptionRoutes::CheckNow));
}

void SubscriptionRoutes::List(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  OrderedJson body;
  body["reconciler"] = reconciler_ != nullptr ? "on" : "off";
  body["interval_seconds"] =
      reconciler_ != nullptr ? OrderedJson(reconciler_->interval().count()) : OrderedJson(nullptr);
  OrderedJson rows = OrderedJson::array();
  if (reconciler_ != nullptr) {
    for (const Reconciler::WabaStatus& s : reconciler_->Status()) {
      if (!who.Allows(s.waba_id)) continue;
      OrderedJson row;
      row["waba_id"] = s.waba_id;
      row["state"] = storage::ToString(s.state);
      row["last_check"] = s.last_check ? TimeOrNull(s.last_check->checked_at_ms) : nullptr;
      OrderedJson apps = nullptr;
      if (s.last_check) {
        const OrderedJson c = CheckJson(*s.last_check);
        apps = c["apps"];
        row["override_callback_uri"] = c["override_callback_uri"];
        row["error"] = c["error"];
      } else {
        row["override_callback_uri"] = nullptr;
        row["error"] = nullptr;
      }
      row["apps"] = std::move(apps);
      row["next_check"] = FormatTimeMillis(s.next_check_ms);
      row["paused_until"] = TimeOrNull(s.paused_until_ms);
      rows.push_back(std::move(row));
    }
  }
  body["subscriptions"] = std::move(rows);
  SendJsonText(rs, Code::Ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void SubscriptionRoutes::History(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  const std::string waba = rq.Param("waba_id");
  if (!who.Allows(waba)) {
    return SendError(rs, Code::Forbidden, "forbidden", "this token may not read WABA " + waba);
  }
  if (Status known = CheckKnownParams(rq.query, {"limit"}); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto limit = ApiParams::Of(rq.query).Integer("limit", 1, kMaxHistory);
  if (!limit.ok()) return SendFailure(rs, limit.status());
  auto checks = reader_.SubscriptionHistory(waba, static_cast<int>(limit->value_or(100)));
  if (!checks.ok()) return SendFailure(rs, checks.status());
  OrderedJson list = OrderedJson::array();
  for (const storage::SubscriptionCheck& c : checks.value()) list.push_back(CheckJson(c));
  OrderedJson body{{"waba_id", waba}, {"checks", std::move(list)}};
  SendJsonText(rs, Code::Ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void SubscriptionRoutes::CheckNow(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  const std::string waba = rq.Param("waba_id");
  if (!who.Allows(waba)) {
    return SendError(rs, Code::Forbidden, "forbidden", "this token may not use WABA " + waba);
  }
  if (reconciler_ == nullptr) {
    return SendError(rs, Code::Service_Unavailable, "reconciler_off",
                     "the reconciler is off: start serve with --access-token");
  }
  auto result = reconciler_->CheckNow(waba);
  if (!result.ok()) return SendFailure(rs, result.status());
  if (result->paused_until_ms) {
    const std::int64_t seconds =
        std::max<std::int64_t>(1, (*result->paused_until_ms - UnixMillisNow() + 999) / 1000);
    rs.headers().add<RetryAfter>(std::to_string(seconds));
    OrderedJson body{{"error",
                      {{"code", "rate_limited"},
                       {"message", "calls to this WABA are paused by Meta's rate limit until " +
                                       FormatTimeMillis(*result->paused_until_ms)}}},
                     {"paused_until", FormatTimeMillis(*result->paused_until_ms)}};
    return SendJsonText(rs, Code::Too_Many_Requests, body.dump());
  }
  SendJsonText(rs, Code::Ok,
               OrderedJson{{"check", CheckJson(*result->check)}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace wj::server
