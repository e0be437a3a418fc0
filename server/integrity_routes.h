#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <pistache/http.h>

#include "server/api_auth.h"
#include "server/router.h"

namespace wj::server {

// The journal's integrity check over the API:
//   GET /api/v1/journal/verify  (admin)
// walks both hash chains as `waba-journal verify` does and answers 200
// {"ok":…,"deliveries":…,"events":…,"first_bad_delivery":…|null,"first_bad_seq":…|null,
//  "problem":…|null,"checked_at":…,"duration_ms":…}; a tampered journal is a 200 with
// "ok":false (the check itself worked), a journal that cannot be read a 503.
//
// Thread-safety: handlers run concurrently on HTTP workers; each walk reads on its own
// read-only connection.
class IntegrityRoutes {
 public:
  // `db_path`: the journal file; `now_ms`: the clock for "checked_at".
  IntegrityRoutes(std::string db_path, std::function<std::int64_t()> now_ms)
      : db_path_(std::move(db_path)), now_ms_(std::move(now_ms)) {}

  void Register(Router& router, const ApiGuard& guard);

 private:
  void Verify(const HttpRequest& rq, const Principal& who, Pistache::Http::ResponseWriter& rs);

  std::string db_path_;
  std::function<std::int64_t()> now_ms_;
};

}  // namespace wj::server
