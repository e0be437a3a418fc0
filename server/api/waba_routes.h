#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "storage/journal_reader.h"

namespace wj::server {

// The per-WABA routes of the API (scope read):
//   GET /api/v1/wabas                   one summary per WABA, from the writer's counters
//   GET /api/v1/wabas/:waba_id/audit    the compliance timeline and the standing decisions
// A token limited to WABAs sees only those WABAs; asking for another's audit is a 403.
//
// Thread-safety: handlers run concurrently on HTTP workers. `reader` must outlive this.
class WabaRoutes {
 public:
  using Clock = std::function<std::int64_t()>;  // unix milliseconds
  // `now` decides which restrictions still stand and what "the last N days" are.
  WabaRoutes(storage::JournalReader& reader, Clock now) : reader_(reader), now_(std::move(now)) {}

  void Register(Router& router, const ApiGuard& guard);

 private:
  void List(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void Audit(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  // The "current" member of an audit answer; Status when the journal cannot be read.
  Result<nlohmann::ordered_json> Current(const std::string& waba_id);

  storage::JournalReader& reader_;
  const Clock now_;
};

}  // namespace wj::server
