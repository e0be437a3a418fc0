#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <pistache/http.h>

#include "server/api/api_auth.h"
#include "server/http/router.h"
#include "storage/journal_verifier.h"

namespace wj::server {

// The journal's integrity check over the API:
//   GET /api/v1/journal/verify  (admin)
// walks both hash chains as `waba-journal verify` does and answers 200
// {"ok":…,"deliveries":…,"events":…,"first_bad_delivery":…|null,"first_bad_seq":…|null,
//  "problem":…|null,"checked_at":…,"duration_ms":…}; a tampered journal is a 200 with
// "ok":false (the check itself worked), a journal that cannot be read a 503. One walk runs
// at a time: a request while one runs gets 409 "busy".
//
// Thread-safety: handlers run concurrently on HTTP workers; `verify` must allow that.
class IntegrityRoutes {
 public:
  // The walk, e.g. JournalStore::Verify (tests interpose on it).
  using Verifier = std::function<Result<storage::VerifyReport>()>;

  // `now_ms`: the clock for "checked_at"; `verify`: walks the journal.
  IntegrityRoutes(std::function<std::int64_t()> now_ms, Verifier verify)
      : now_ms_(std::move(now_ms)), verify_(std::move(verify)) {}
  IntegrityRoutes(const IntegrityRoutes&) = delete;
  IntegrityRoutes& operator=(const IntegrityRoutes&) = delete;

  void Register(Router& router, const ApiGuard& guard);

 private:
  void Verify(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);

  std::function<std::int64_t()> now_ms_;
  Verifier verify_;
  std::atomic<bool> running_{false};
};

}  // namespace wj::server
