#pragma once

#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "server/reconciler/reconciler.h"
#include "storage/journal_reader.h"

namespace wj::server {

// The reconciler's view over the API:
//   GET  /api/v1/subscriptions                     (read)  state of every watched WABA
//   GET  /api/v1/subscriptions/:waba_id/history    (read)  its recorded checks, newest first
//   POST /api/v1/subscriptions/:waba_id/check      (admin) check now, unless paused (429)
// With no reconciler (no access token), the list says so and a check answers 503.
// A token limited to WABAs sees only those.
//
// Thread-safety: handlers run concurrently on HTTP workers; the reconciler and reader
// must outlive this.
class SubscriptionRoutes {
 public:
  // `reconciler` may be null: the reconciler is off.
  SubscriptionRoutes(Reconciler* reconciler, storage::JournalReader& reader)
      : reconciler_(reconciler), reader_(reader) {}

  void Register(Router& router, const ApiGuard& guard);

 private:
  void List(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void History(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void CheckNow(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);

  Reconciler* reconciler_;
  storage::JournalReader& reader_;
};

// A stored check as the API shows it.
nlohmann::ordered_json CheckJson(const storage::SubscriptionCheck& check);

}  // namespace wj::server
