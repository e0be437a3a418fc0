#include "server/api/integrity_routes.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "server/api/api_params.h"
#include "server/http/json_response.h"
#include "server/util/time_format.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;

void IntegrityRoutes::Register(Router& router, const ApiGuard& guard) {
  // Admin only: a walk reads the whole journal, which is too heavy to offer every reader.
  router.Add(Method::Get, "/api/v1/journal/verify",
             guard.Require(storage::TokenScope::kAdmin, this, &IntegrityRoutes::Verify));
}

void IntegrityRoutes::Verify(const HttpRequest& rq, const Principal& /*who*/, ResponseWriter& rs) {
  if (Status known = CheckKnownParams(rq.query, {}); !known.ok()) return SendFailure(rs, known);
  // A walk reads every row and holds an HTTP worker (one of few, shared with the webhook
  // unless the API has its own listener) until it ends: never let two run together.
  if (running_.exchange(true)) {
    return SendError(rs, Code::Conflict, "busy",
                     "a verification is already running; ask again when it has finished");
  }
  struct Done {
    std::atomic<bool>& running;
    ~Done() { running = false; }
  } done{running_};
  const auto start = std::chrono::steady_clock::now();
  auto report = verify_();
  if (!report.ok()) {
    // The journal exists while we serve; any failure to read it is an outage, not a 404.
    return SendFailure(rs, Status::Unavailable(report.status().message()));
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const storage::VerifyReport& r = report.value();
  nlohmann::ordered_json body;
  body["ok"] = r.ok;
  body["deliveries"] = r.deliveries;
  body["events"] = r.events;
  body["first_bad_delivery"] =
      r.first_bad_delivery != 0 ? nlohmann::ordered_json(r.first_bad_delivery) : nullptr;
  body["first_bad_seq"] = r.first_bad_seq != 0 ? nlohmann::ordered_json(r.first_bad_seq) : nullptr;
  body["problem"] = r.ok ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.problem);
  body["checked_at"] = FormatTimeMillis(now_ms_());
  body["duration_ms"] = elapsed.count();
  SendJsonText(rs, Code::Ok, body.dump());
}

}  // namespace wj::server
