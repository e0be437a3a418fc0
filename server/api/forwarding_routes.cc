#include "server/api/forwarding_routes.h"

#include "server/api/api_params.h"
#include "server/api/replay_request.h"
#include "server/http/json_response.h"
#include "server/util/time_format.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using storage::TokenScope;
using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxReplays = 1000;

OrderedJson TimeOrNull(const std::optional<std::int64_t>& ms) {
  return ms ? OrderedJson(FormatTimeMillis(*ms)) : OrderedJson(nullptr);
}

OrderedJson AttemptJson(const storage::ForwardAttempt& a) {
  OrderedJson j;
  j["at"] = FormatTimeMillis(a.attempted_at_ms);
  j["replay_id"] = a.replay_id ? OrderedJson(*a.replay_id) : OrderedJson(nullptr);
  j["http_status"] = a.http_status ? OrderedJson(*a.http_status) : OrderedJson(nullptr);
  j["error"] = a.error;
  j["outcome"] = a.gave_up ? "failed" : "error";
  return j;
}

// The URL without user info or query string: either may carry credentials.
std::string ShownUrl(const std::string& url) {
  auto parsed = ParseDestinationUrl(url);
  if (!parsed.ok()) return "";
  const DestinationUrl& u = parsed.value();
  const bool v6 = u.host.find(':') != std::string::npos;
  return u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port) +
         u.path_and_query.substr(0, u.path_and_query.find('?'));
}

// Whether `who` may see or cancel `replay`: an unlimited token always; a limited one when
// the replay is confined to its WABAs.
bool Visible(const Principal& who, const storage::Replay& replay) {
  if (!who.Limited()) return true;
  auto filter = ReplayFilterFromJson(replay.filter_json);
  if (!filter.ok() || filter.value().waba_ids.empty()) return false;
  for (const std::string& id : filter.value().waba_ids) {
    if (!who.Allows(id)) return false;
  }
  return true;
}

Result<std::int64_t> ReplayId(const HttpRequest& rq) {
  ApiParams path([&rq](std::string_view) { return std::vector<std::string>{rq.Param("id")}; });
  auto id = path.Integer("id", 1, std::numeric_limits<std::int64_t>::max());
  if (!id.ok()) return id.status();
  return *id.value();
}

void SendReplay(ResponseWriter& rs, Code code, const storage::Replay& r) {
  SendJsonText(rs, code,
               ReplayJson(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

OrderedJson EventForwardingJson(const std::vector<Forwarding::EventForwarding>& list) {
  OrderedJson out = OrderedJson::array();
  for (const Forwarding::EventForwarding& f : list) {
    OrderedJson attempts = OrderedJson::array();
    for (const storage::ForwardAttempt& a : f.attempts) attempts.push_back(AttemptJson(a));
    out.push_back(
        {{"destination", f.destination}, {"status", f.status}, {"attempts", std::move(attempts)}});
  }
  return out;
}

void ForwardingRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/destinations",
             guard.Require(TokenScope::kRead, this, &ForwardingRoutes::Destinations));
  router.Add(Method::Get, "/api/v1/replays",
             guard.Require(TokenScope::kRead, this, &ForwardingRoutes::ListReplays));
  router.Add(Method::Post, "/api/v1/replays",
             guard.Require(TokenScope::kReplay, this, &ForwardingRoutes::CreateReplay));
  router.Add(Method::Get, "/api/v1/replays/:id",
             guard.Require(TokenScope::kRead, this, &ForwardingRoutes::GetReplay));
  router.Add(Method::Delete, "/api/v1/replays/:id",
             guard.Require(TokenScope::kReplay, this, &ForwardingRoutes::CancelReplay));
}

void ForwardingRoutes::Destinations(const HttpRequest& rq, const Principal& /*who*/,
                                    ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  auto status = forwarding_.DestinationStatuses();
  if (!status.ok()) return SendFailure(rs, status.status());
  const std::int64_t now = UnixMillisNow();
  OrderedJson list = OrderedJson::array();
  for (const Forwarding::DestinationStatus& s : status.value()) {
    const Destination& d = *s.destination;
    OrderedJson j;
    j["name"] = d.name;
    j["url"] = ShownUrl(d.url);
    j["mode"] = ToString(d.mode);
    j["waba_ids"] = d.waba_ids;
    j["fields"] = d.fields;
    j["cursor"] = s.activity.cursor;
    j["lag_events"] = s.lag_events;
    j["lag_seconds"] =
        s.oldest_pending_ms
            ? OrderedJson(std::max<std::int64_t>(0, now - *s.oldest_pending_ms) / 1000)
            : OrderedJson(nullptr);
    j["state"] = s.activity.retrying ? "retrying" : s.lag_events > 0 ? "sending" : "idle";
    j["last_success_at"] = TimeOrNull(s.activity.last_success_ms);
    j["last_error"] =
        s.activity.last_error ? AttemptJson(*s.activity.last_error) : OrderedJson(nullptr);
    j["sent"] = s.activity.sent;
    j["failed"] = s.activity.given_up;
    list.push_back(std::move(j));
  }
  SendJsonText(rs, Code::Ok,
               OrderedJson{{"destinations", std::move(list)}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void ForwardingRoutes::ListReplays(const HttpRequest& rq, const Principal& who,
                                   ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {"limit"}); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto limit = ApiParams::Of(rq.query).Integer("limit", 1, kMaxReplays);
  if (!limit.ok()) return SendFailure(rs, limit.status());
  auto replays = forwarding_.ListReplays(static_cast<int>(limit->value_or(100)));
  if (!replays.ok()) return SendFailure(rs, replays.status());
  OrderedJson list = OrderedJson::array();
  for (const storage::Replay& r : replays.value()) {
    if (Visible(who, r)) list.push_back(ReplayJson(r));
  }
  SendJsonText(rs, Code::Ok,
               OrderedJson{{"replays", std::move(list)}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void ForwardingRoutes::CreateReplay(const HttpRequest& rq, const Principal& who,
                                    ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  auto request = ParseReplayRequest(rq.body());
  if (!request.ok()) return SendFailure(rs, request.status());
  if (who.Limited()) {
    for (const std::string& id : request->waba_ids) {
      if (!who.Allows(id)) {
        return SendError(rs, Code::Forbidden, "forbidden", "this token may not replay WABA " + id);
      }
    }
    if (request->waba_ids.empty()) request->waba_ids = who.waba_ids;
  }
  auto replay = forwarding_.StartReplay(request.value(), who.name);
  if (!replay.ok()) {
    if (replay.status().code() == Status::Code::kNotFound) {
      return SendError(rs, Code::Not_Found, "unknown_destination", replay.status().message());
    }
    return SendFailure(rs, replay.status());
  }
  SendReplay(rs, Code::Accepted, replay.value());
}

void ForwardingRoutes::GetReplay(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  auto id = ReplayId(rq);
  if (!id.ok()) return SendFailure(rs, id.status());
  auto replay = forwarding_.GetReplay(id.value());
  if (!replay.ok()) return SendFailure(rs, replay.status());
  if (!replay.value() || !Visible(who, *replay.value())) {
    return SendError(rs, Code::Not_Found, "not_found", "no replay " + std::to_string(id.value()));
  }
  SendReplay(rs, Code::Ok, *replay.value());
}

void ForwardingRoutes::CancelReplay(const HttpRequest& rq, const Principal& who,
                                    ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  auto id = ReplayId(rq);
  if (!id.ok()) return SendFailure(rs, id.status());
  auto existing = forwarding_.GetReplay(id.value());
  if (!existing.ok()) return SendFailure(rs, existing.status());
  if (!existing.value() || !Visible(who, *existing.value())) {
    return SendError(rs, Code::Not_Found, "not_found", "no replay " + std::to_string(id.value()));
  }
  auto cancelled = forwarding_.CancelReplay(id.value());
  if (!cancelled.ok()) {
    if (cancelled.status().code() == Status::Code::kFailedPrecondition) {
      return SendError(rs, Code::Conflict, "finished", cancelled.status().message());
    }
    return SendFailure(rs, cancelled.status());
  }
  SendReplay(rs, Code::Ok, cancelled.value());
}

}  // namespace wj::server
