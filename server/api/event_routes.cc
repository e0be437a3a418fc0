#include "server/api/event_routes.h"

#include <charconv>

#include "server/api/api_params.h"
#include "server/api/event_json.h"
#include "server/api/message_lifecycle.h"
#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include "server/util/time_format.h"
#include "server/util/utf8.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using storage::TokenScope;
using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxMessageEvents = 1000;
constexpr const char* kNoSuchEvent = "no such event";
constexpr const char* kNoSuchDelivery = "no such delivery";

// A WABA-limited caller may see a delivery only when every event in it is of its WABAs:
// the body holds all of them. A delivery without events (a parse error) shows no WABA and
// is therefore for unlimited callers only.
bool MaySee(const Principal& who, const storage::StoredDelivery& d) {
  if (!who.Limited()) return true;
  if (d.waba_ids.empty()) return false;
  for (const std::string& w : d.waba_ids) {
    if (!who.Allows(w)) return false;
  }
  return true;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]) << 16 |
                                              static_cast<unsigned char>(in[i + 1]) << 8 |
                                              static_cast<unsigned char>(in[i + 2]));
    out.push_back(kAlphabet[n >> 18 & 63]);
    out.push_back(kAlphabet[n >> 12 & 63]);
    out.push_back(kAlphabet[n >> 6 & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  if (i < in.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]) << 16);
    if (i + 1 < in.size())
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1]) << 8);
    out.push_back(kAlphabet[n >> 18 & 63]);
    out.push_back(kAlphabet[n >> 12 & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[n >> 6 & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace

Result<std::int64_t> PathId(const HttpRequest& request, std::string_view name) {
  const std::string text = request.Param(name);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    return Status::InvalidArgument(std::string(name) + " must be a positive integer");
  }
  return v;
}

bool NarrowToReadableWabas(const Principal& who, storage::EventFilter* filter,
                           ResponseWriter& response) {
  if (!who.Limited()) return true;
  for (const std::string& w : filter->waba_ids) {
    if (!who.Allows(w)) {
      SendError(response, Code::Forbidden, "forbidden", "this token may not read WABA " + w);
      return false;
    }
  }
  if (filter->waba_ids.empty()) filter->waba_ids = who.waba_ids;
  return true;
}

void EventRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/events",
             guard.Require(TokenScope::kRead, this, &EventRoutes::List));
  router.Add(Method::Get, "/api/v1/events/:seq",
             guard.Require(TokenScope::kRead, this, &EventRoutes::One));
  router.Add(Method::Get, "/api/v1/deliveries/:id",
             guard.Require(TokenScope::kRead, this, &EventRoutes::Delivery));
  router.Add(Method::Get, "/api/v1/deliveries/:id/raw",
             guard.Require(TokenScope::kRead, this, &EventRoutes::RawDelivery));
  router.Add(Method::Get, "/api/v1/messages/:wamid",
             guard.Require(TokenScope::kRead, this, &EventRoutes::Message));
}

void EventRoutes::List(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, kEventFilterParams); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto filter = ParseEventFilter(ApiParams::Of(rq.query));
  if (!filter.ok()) return SendFailure(rs, filter.status());
  storage::EventFilter& f = filter.value();
  if (!NarrowToReadableWabas(who, &f, rs)) return;
  auto page = reader_.Events(f);
  if (!page.ok()) return SendFailure(rs, page.status());
  std::string body = "{\"events\":" + EventArrayJson(page->events) + ",\"next_after\":";
  body.append(page->next_after ? std::to_string(*page->next_after) : "null").push_back('}');
  SendJsonText(rs, Code::Ok, std::move(body));
}

void EventRoutes::One(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  auto seq = PathId(rq, "seq");
  if (!seq.ok()) return SendFailure(rs, seq.status());
  auto event = reader_.Event(seq.value());
  if (!event.ok()) return SendFailure(rs, event.status());
  if (!event.value() || !who.Allows(event.value()->waba_id)) {
    return SendError(rs, Code::Not_Found, "not_found", kNoSuchEvent);
  }
  const storage::StoredEvent& e = *event.value();
  // The redeliveries of the first occurrence, this event excepted.
  auto duplicates = reader_.DuplicatesOf(e.duplicate_of.value_or(e.seq));
  if (!duplicates.ok()) return SendFailure(rs, duplicates.status());
  OrderedJson members = EventMembers(e);
  OrderedJson dups = OrderedJson::array();
  for (const storage::StoredEvent& d : duplicates.value()) {
    if (d.seq == e.seq) continue;
    dups.push_back({{"seq", d.seq},
                    {"delivery_id", d.delivery_id},
                    {"received_at", FormatTimeMillis(d.received_at_ms)}});
  }
  members["duplicates"] = std::move(dups);
  if (forwarding_) {
    auto forwarding = forwarding_(e);
    if (!forwarding.ok()) return SendFailure(rs, forwarding.status());
    members["forwarding"] = std::move(forwarding.value());
  }
  SendJsonText(rs, Code::Ok, WithRawValue(members, e.value));
}

std::optional<storage::StoredDelivery> EventRoutes::VisibleDelivery(const HttpRequest& rq,
                                                                    const Principal& who,
                                                                    ResponseWriter& rs) {
  auto id = PathId(rq, "id");
  if (!id.ok()) {
    SendFailure(rs, id.status());
    return std::nullopt;
  }
  auto delivery = reader_.Delivery(id.value());
  if (!delivery.ok()) {
    SendFailure(rs, delivery.status());
    return std::nullopt;
  }
  if (!delivery.value() || !MaySee(who, *delivery.value())) {
    SendError(rs, Code::Not_Found, "not_found", kNoSuchDelivery);
    return std::nullopt;
  }
  return std::move(delivery.value());
}

void EventRoutes::Delivery(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  auto d = VisibleDelivery(rq, who, rs);
  if (!d) return;
  OrderedJson j;
  j["id"] = d->id;
  j["received_at"] = FormatTimeMillis(d->received_at_ms);
  j["peer"] = d->peer;
  if (d->body && d->signature) {
    // Meta's bodies are UTF-8 JSON; anything else is shown base64-encoded.
    const bool utf8 = IsUtf8(*d->body);
    j["signature"] = *d->signature;
    j["body"] = utf8 ? *d->body : Base64(*d->body);
    j["body_encoding"] = utf8 ? "utf-8" : "base64";
  } else {
    j["signature"] = nullptr;
    j["body"] = nullptr;
    j["body_encoding"] = nullptr;
  }
  j["parse_error"] = d->parse_error ? OrderedJson(*d->parse_error) : OrderedJson(nullptr);
  j["event_seqs"] = d->event_seqs;
  j["signature_verifies"] =
      d->body && d->signature
          ? OrderedJson(verifier_.Verify(*d->signature, *d->body) == SignatureCheck::kValid)
          : OrderedJson(nullptr);
  j["erased"] =
      d->erasure_id ? OrderedJson({{"erasure_id", *d->erasure_id}}) : OrderedJson(nullptr);
  if (const auto& c = d->client_certificate) {
    j["client_certificate"] = {{"subject", c->subject},
                               {"issuer", c->issuer},
                               {"serial", c->serial},
                               {"sha256", c->sha256}};
  } else {
    j["client_certificate"] = nullptr;
  }
  SendJsonText(rs, Code::Ok, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void EventRoutes::RawDelivery(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  auto d = VisibleDelivery(rq, who, rs);
  if (!d) return;
  if (!d->body || !d->signature) {
    return SendError(rs, Code::Gone, "erased",
                     "this delivery's bytes were erased by erasure " +
                         std::to_string(d->erasure_id.value_or(0)));
  }
  rs.headers().add<HubSignature256>(*d->signature);
  static const auto kJson = Pistache::Http::Mime::MediaType::fromString("application/json");
  rs.send(Code::Ok, *d->body, kJson);
}

void EventRoutes::Message(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {"include_duplicates"}); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto include_duplicates = ApiParams::Of(rq.query).Boolean("include_duplicates", false);
  if (!include_duplicates.ok()) return SendFailure(rs, include_duplicates.status());
  const std::string wamid = rq.Param("wamid");
  auto events = reader_.MessageEvents(wamid, include_duplicates.value(), kMaxMessageEvents);
  if (!events.ok()) return SendFailure(rs, events.status());
  std::vector<storage::StoredEvent> visible;
  for (storage::StoredEvent& e : events.value()) {
    if (who.Allows(e.waba_id)) visible.push_back(std::move(e));
  }
  if (visible.empty()) {
    return SendError(rs, Code::Not_Found, "not_found", "the journal holds nothing about " + wamid);
  }
  const MessageLifecycle life = FoldLifecycle(wamid, visible);
  OrderedJson j;
  j["wamid"] = wamid;
  j["waba_id"] = life.waba_id ? OrderedJson(*life.waba_id) : OrderedJson(nullptr);
  j["direction"] = ToString(life.direction);
  j["status"] = life.status ? OrderedJson(*life.status) : OrderedJson(nullptr);
  j["status_at"] =
      life.status_at ? OrderedJson(FormatTimeSeconds(*life.status_at)) : OrderedJson(nullptr);
  j["errors"] = OrderedJson::array();
  for (const auto& err : life.errors)
    j["errors"].push_back({{"code", err.code}, {"title", err.title}});
  std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  body.pop_back();
  body.append(",\"events\":").append(EventArrayJson(visible)).push_back('}');
  SendJsonText(rs, Code::Ok, std::move(body));
}

}  // namespace wj::server
