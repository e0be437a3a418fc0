#include "server/api/erasure_routes.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/api/api_params.h"
#include "server/api/event_routes.h"
#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include "server/meta/waba_id.h"
#include "server/util/time_format.h"
#include "storage/customer_data.h"

namespace wj::server {
namespace {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using storage::ErasureRecord;
using storage::ErasureRequest;
using storage::ErasureScope;
using storage::TokenScope;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr int kMaxErasures = 1000;
constexpr std::size_t kMaxReasonCodePoints = 500;
constexpr std::size_t kMaxNumberLength = 64;
constexpr std::array<std::string_view, 4> kMembers = {"waba_id", "wa_id", "received_before",
                                                      "reason"};

std::string Dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  return Dump({{"error", {{"code", code}, {"message", message}}}});
}

std::string UnknownWaba(const std::string& waba_id) {
  return "no event of WABA " + waba_id + " is journaled";
}

std::size_t CodePoints(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A customer's number as people write it: digits, an optional leading '+', spaces and
// dashes between them.
bool IsPhoneNumberText(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  return text.find_first_not_of("0123456789 -") == std::string_view::npos;
}

// The body of POST /api/v1/erasures as an ErasureRequest (scope, WABA, customer or time,
// reason), strictly: unknown members, wrong types and contradictions are InvalidArgument
// naming the member. The caller fills in who asked and when.
Result<ErasureRequest> ParseErasureBody(std::string_view body, std::int64_t now_ms) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end()) {
      return Status::InvalidArgument("unknown member '" + key + "'");
    }
    const bool ok = key == "received_before" ? value.is_string() || value.is_number_integer()
                                             : value.is_string();
    if (!ok) {
      return Status::InvalidArgument(
          key == "received_before"
              ? "'received_before' must be an RFC 3339 string or a number of unix seconds"
              : "'" + key + "' must be a string");
    }
  }
  ErasureRequest r;
  auto reason = doc.find("reason");
  if (reason == doc.end() ||
      reason->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("'reason' is required: say why the content is erased");
  }
  r.reason = reason->get<std::string>();
  if (CodePoints(r.reason) > kMaxReasonCodePoints) {
    return Status::InvalidArgument("'reason' must be at most 500 characters");
  }
  auto waba = doc.find("waba_id");
  if (waba != doc.end()) {
    const std::string& id = waba->get_ref<const std::string&>();
    if (!IsWabaId(id)) return Status::InvalidArgument("'waba_id' must be a numeric WABA id");
    r.waba_id = id;
  }
  auto customer = doc.find("wa_id");
  auto before = doc.find("received_before");
  if (customer != doc.end() && before != doc.end()) {
    return Status::InvalidArgument(
        "give either 'wa_id' (erase a customer) or 'received_before' (erase by age), not both");
  }
  if (customer == doc.end() && before == doc.end()) {
    return Status::InvalidArgument(
        "either 'wa_id' (erase a customer) or 'received_before' (erase by age) is required");
  }
  if (customer != doc.end()) {
    r.scope = ErasureScope::kCustomer;
    if (!r.waba_id) return Status::InvalidArgument("'waba_id' is required to erase a customer");
    const std::string& number = customer->get_ref<const std::string&>();
    if (number.size() > kMaxNumberLength || !IsPhoneNumberText(number)) {
      return Status::InvalidArgument(
          "'wa_id' must be a phone number: digits, an optional leading '+', spaces or dashes");
    }
    r.wa_id = storage::NormalizeNumber(number);
    if (r.wa_id.empty()) return Status::InvalidArgument("'wa_id' holds no digit");
    return r;
  }
  r.scope = ErasureScope::kBefore;
  auto at = ParseTime("'received_before'",
                      before->is_string() ? before->get_ref<const std::string&>() : before->dump());
  if (!at.ok()) return at.status();
  if (at.value() > now_ms) return Status::InvalidArgument("'received_before' is in the future");
  r.received_before_ms = at.value();
  return r;
}

}  // namespace

OrderedJson ErasureJson(const ErasureRecord& e) {
  auto seq = [](std::int64_t s) { return s != 0 ? OrderedJson(s) : OrderedJson(nullptr); };
  OrderedJson j;
  j["id"] = e.id;
  j["waba_id"] = e.waba_id;
  j["scope"] = std::string(storage::ToString(e.scope));
  j["reason"] = e.reason;
  j["requested_by"] = e.requested_by;
  j["requested_at"] = FormatTimeMillis(e.requested_at_ms);
  j["erased_at"] = FormatTimeMillis(e.erased_at_ms);
  j["received_before"] = e.received_before_ms ? OrderedJson(FormatTimeMillis(*e.received_before_ms))
                                              : OrderedJson(nullptr);
  j["events"] = e.events;
  j["deliveries"] = e.deliveries;
  j["first_seq"] = seq(e.first_seq);
  j["last_seq"] = seq(e.last_seq);
  j["root"] = e.root;
  j["tombstone_seq"] = e.tombstone_seq;
  return j;
}

void ErasureRoutes::Register(Router& router, const ApiGuard& guard) {
  router.Add(Method::Get, "/api/v1/erasures",
             guard.Require(TokenScope::kRead, this, &ErasureRoutes::List));
  router.Add(Method::Post, "/api/v1/erasures",
             guard.Require(TokenScope::kAdmin, this, &ErasureRoutes::Create));
  router.Add(Method::Get, "/api/v1/erasures/:id",
             guard.Require(TokenScope::kRead, this, &ErasureRoutes::One));
}

Result<bool> ErasureRoutes::WabaKnown(const std::string& waba_id) {
  storage::EventFilter filter;
  filter.waba_ids = {waba_id};
  filter.include_duplicates = true;
  filter.limit = 1;
  auto page = reader_.Events(filter);
  if (!page.ok()) return page.status();
  return !page->events.empty();
}

void ErasureRoutes::Create(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  const std::int64_t now = now_();
  auto parsed = ParseErasureBody(rq.body(), now);
  if (!parsed.ok()) return SendFailure(rs, parsed.status());
  ErasureRequest request = std::move(parsed.value());
  request.requested_by = who.name;
  request.requested_at_ms = now;
  request.skip_empty = false;  // a named WABA gets its erasure, even of nothing
  if (request.waba_id) {
    // Another WABA is answered as an unknown one: a limited token learns nothing of it.
    if (!who.Allows(*request.waba_id)) {
      return SendError(rs, Code::Not_Found, "not_found", UnknownWaba(*request.waba_id));
    }
    if (request.scope == ErasureScope::kBefore) {
      // The journal would record an erasure (and a tombstone) even in a WABA it never saw.
      auto known = WabaKnown(*request.waba_id);
      if (!known.ok()) return SendFailure(rs, known.status());
      if (!known.value()) {
        return SendError(rs, Code::Not_Found, "not_found", UnknownWaba(*request.waba_id));
      }
    }
  } else if (who.Limited()) {
    request.within_wabas = who.waba_ids;
  }
  const bool one = request.scope == ErasureScope::kCustomer || request.waba_id.has_value();

  // From here on nothing may throw: the writer is moved into the completion, which the
  // writer thread calls once the erasure is committed (or failed).
  auto writer = std::make_shared<ResponseWriter>(std::move(rs));
  auto in_flight = in_flight_;
  in_flight->fetch_add(1);
  writer_.SubmitErasure(
      std::move(request), [writer, in_flight, one](Result<std::vector<ErasureRecord>> erased) {
        static const auto kJson = Pistache::Http::Mime::MediaType::fromString("application/json");
        Code code = Code::Ok;
        std::string body;
        try {
          if (!erased.ok()) {
            const Status& s = erased.status();
            switch (s.code()) {
              case Status::Code::kNotFound:
                code = Code::Not_Found;
                body = ErrorBody("not_found", s.message());
                break;
              case Status::Code::kInvalidArgument:
                code = Code::Bad_Request;
                body = ErrorBody("bad_parameter", s.message());
                break;
              case Status::Code::kUnavailable:
                spdlog::error("erasure not carried out: {}", s.message());
                code = Code::Service_Unavailable;
                body = ErrorBody("unavailable", "the journal did not carry out the erasure; retry");
                writer->headers().add<RetryAfter>("5");
                break;
              default:
                spdlog::error("erasure failed: {}", s.message());
                code = Code::Internal_Server_Error;
                body = ErrorBody("internal", "internal error");
            }
          } else if (one && erased->size() != 1) {
            spdlog::error("erasure recorded {} erasures where one was asked", erased->size());
            code = Code::Internal_Server_Error;
            body = ErrorBody("internal", "internal error");
          } else {
            OrderedJson list = OrderedJson::array();
            for (const ErasureRecord& e : erased.value()) {
              spdlog::info(
                  "erasure {} ({}) of WABA {} by {}: {} events and {} deliveries erased, tombstone "
                  "seq {}",
                  e.id, storage::ToString(e.scope), e.waba_id, e.requested_by, e.events,
                  e.deliveries, e.tombstone_seq);
              list.push_back(ErasureJson(e));
            }
            body = one ? Dump(list.front()) : Dump({{"erasures", std::move(list)}});
          }
        } catch (const std::exception& e) {
          spdlog::error("erasure answer failed: {}", typeid(e).name());
          code = Code::Internal_Server_Error;
          body = ErrorBody("internal", "internal error");
        }
        try {
          writer->send(code, std::move(body), kJson)
              .then([in_flight](ssize_t) { in_flight->fetch_sub(1); },
                    [in_flight](std::exception_ptr&) { in_flight->fetch_sub(1); });
        } catch (const std::exception& e) {
          spdlog::error("erasure answer not sent: {}", typeid(e).name());
          in_flight->fetch_sub(1);
        }
      });
}

void ErasureRoutes::List(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {"limit"}); !known.ok()) {
    return SendFailure(rs, known);
  }
  auto limit = ApiParams::Of(rq.query).Integer("limit", 1, kMaxErasures);
  if (!limit.ok()) return SendFailure(rs, limit.status());
  auto erasures = reader_.Erasures(who.waba_ids, static_cast<int>(limit->value_or(100)));
  if (!erasures.ok()) return SendFailure(rs, erasures.status());
  OrderedJson list = OrderedJson::array();
  for (const ErasureRecord& e : erasures.value()) {
    if (who.Allows(e.waba_id)) list.push_back(ErasureJson(e));
  }
  SendJsonText(rs, Code::Ok, Dump({{"erasures", std::move(list)}}));
}

void ErasureRoutes::One(const HttpRequest& rq, const Principal& who, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  auto id = PathId(rq, "id");
  if (!id.ok()) return SendFailure(rs, id.status());
  auto erasure = reader_.ErasureById(id.value());
  if (!erasure.ok()) return SendFailure(rs, erasure.status());
  if (!erasure.value() || !who.Allows(erasure.value()->waba_id)) {
    return SendError(rs, Code::Not_Found, "not_found", "no erasure " + std::to_string(id.value()));
  }
  SendJsonText(rs, Code::Ok, Dump(ErasureJson(*erasure.value())));
}

}  // namespace wj::server
