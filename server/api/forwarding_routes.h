#pragma once

#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "server/forwarding/forwarding.h"
#include "server/http/router.h"

namespace wj::server {

// Forwarding over the API:
//   GET    /api/v1/destinations     (read)   cursor, lag, last success/error, given-up count
//   GET    /api/v1/replays          (read)   replays, newest first (?limit=)
//   POST   /api/v1/replays          (replay) start one → 202
//   GET    /api/v1/replays/:id      (read)   one replay's progress
//   DELETE /api/v1/replays/:id      (replay) cancel it
// Callers name destinations, never URLs: targets come only from the operator. A token
// limited to WABAs replays only those (no waba_id: all of its WABAs) and sees only replays
// confined to them.
//
// Thread-safety: handlers run concurrently on HTTP workers; `forwarding` outlives this.
class ForwardingRoutes {
 public:
  explicit ForwardingRoutes(Forwarding& forwarding) : forwarding_(forwarding) {}
  void Register(Router& router, const ApiGuard& guard);

 private:
  void Destinations(const HttpRequest& rq, const Principal& who,
                    Pistache::Http::ResponseWriter& rs);
  void ListReplays(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void CreateReplay(const HttpRequest& rq, const Principal& who,
                    Pistache::Http::ResponseWriter& rs);
  void GetReplay(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void CancelReplay(const HttpRequest& rq, const Principal& who,
                    Pistache::Http::ResponseWriter& rs);

  Forwarding& forwarding_;
};

// How an event fared at each destination, for GET /api/v1/events/{seq}.
nlohmann::ordered_json EventForwardingJson(const std::vector<Forwarding::EventForwarding>& list);

}  // namespace wj::server
