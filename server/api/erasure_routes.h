#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "storage/erasure.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

// Erasure over the API:
//   POST /api/v1/erasures       (admin)  erase a customer of a WABA, or content received
//                                        before a time (one WABA or all); answers once the
//                                        erasure is committed and its bytes are gone
//   GET  /api/v1/erasures       (read)   erasures, newest first (?limit=)
//   GET  /api/v1/erasures/:id   (read)   one erasure
// A token limited to WABAs erases and sees only in its WABAs: another WABA answers 404 as
// an unknown one does, and a time erasure without waba_id covers its WABAs only.
//
// Thread-safety: handlers run concurrently on HTTP workers; an erasure is answered from the
// writer thread. `reader` and `writer` must outlive this object and every answer in flight
// (see InFlight()).
class ErasureRoutes {
 public:
  using Clock = std::function<std::int64_t()>;  // unix milliseconds

  // `now` stamps requested_at and decides what "in the future" is.
  ErasureRoutes(storage::JournalReader& reader, storage::GroupCommitWriter& writer, Clock now)
      : reader_(reader), writer_(writer), now_(std::move(now)) {}

  void Register(Router& router, const ApiGuard& guard);

  // Erasures submitted whose answer is not yet on the wire: the API listener must not shut
  // down under them.
  int InFlight() const { return in_flight_->load(); }

 private:
  void Create(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void List(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);
  void One(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);

  // Whether any event of `waba_id` is journaled.
  Result<bool> WabaKnown(const std::string& waba_id);

  storage::JournalReader& reader_;
  storage::GroupCommitWriter& writer_;
  const Clock now_;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
};

// ERASURE: {"id", "waba_id", "scope", "reason", "requested_by", "requested_at", "erased_at",
// "received_before" (null for a customer erasure), "events", "deliveries", "first_seq" and
// "last_seq" (null when no event was erased), "root", "tombstone_seq"}; times RFC 3339 UTC.
nlohmann::ordered_json ErasureJson(const storage::ErasureRecord& erasure);

}  // namespace wj::server
