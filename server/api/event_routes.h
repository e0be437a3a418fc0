#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "server/meta/signature.h"
#include "storage/journal_reader.h"

namespace wj::server {

// The history routes of the API (scope read):
//   GET /api/v1/events                 filtered, paged list (see ParseEventFilter)
//   GET /api/v1/events/:seq            one event and its redeliveries
//   GET /api/v1/deliveries/:id         the raw delivery and whether its signature verifies
//   GET /api/v1/deliveries/:id/raw     its exact bytes and signature header
//   GET /api/v1/messages/:wamid        a message's events and current status
// A token limited to WABAs sees only those: lists are narrowed to them, and a lookup of
// another WABA's row answers 404 as if it did not exist.
//
// Thread-safety: handlers run concurrently on HTTP workers. `reader` must outlive this.
class EventRoutes {
 public:
  // How an event fared at each forwarding destination (a JSON array), for GET
  // /api/v1/events/{seq}; empty when forwarding is not wired in.
  using ForwardingOf = std::function<Result<nlohmann::ordered_json>(const storage::StoredEvent&)>;

  EventRoutes(storage::JournalReader& reader, SignatureVerifier verifier,
              ForwardingOf forwarding = {})
      : reader_(reader), verifier_(std::move(verifier)), forwarding_(std::move(forwarding)) {}

  void Register(Router& router, const ApiGuard& guard);

 private:
  void List(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void One(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void Delivery(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void RawDelivery(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void Message(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);

  // The delivery of path parameter "id" if `who` may see it; otherwise answers and returns
  // nullopt.
  std::optional<storage::StoredDelivery> VisibleDelivery(const HttpRequest& rq,
                                                         const Principal& who,
                                                         Pistache::Http::ResponseWriter& rs);

  storage::JournalReader& reader_;
  const SignatureVerifier verifier_;
  const ForwardingOf forwarding_;
};

// Reads path parameter `name` as an id (1..2^63-1). InvalidArgument names it.
Result<std::int64_t> PathId(const HttpRequest& request, std::string_view name);

// Narrows `filter` to the WABAs `who` may read (all of its WABAs when the filter names none).
// Returns false after answering 403 when the filter names a WABA `who` may not read.
bool NarrowToReadableWabas(const Principal& who, storage::EventFilter* filter,
                           Pistache::Http::ResponseWriter& response);

}  // namespace wj::server
