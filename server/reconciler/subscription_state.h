#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/reconciler/graph_answer.h"
#include "storage/subscription_check.h"

namespace wj::server {

// How Meta's rate limiting bears on the next calls, read from one answer.
struct Throttle {
  // Calls must pause: a usage counter (call_count, total_cputime, total_time) of any object
  // in X-Business-Use-Case-Usage is >= 90, or the error code is 4, 17, 32, 613 or 80008.
  bool pause = false;
  // The pause is for every WABA: app-level codes 4, 17, 32, 613 (and X-App-Usage >= 90);
  // otherwise for the WABA called.
  bool app_wide = false;
  // From estimated_time_to_regain_access (minutes, the largest over the header's entries);
  // none: back off exponentially instead.
  std::optional<std::int64_t> regain_after_minutes;
};

// A GET /{waba-id}/subscribed_apps answer, interpreted.
struct Interpretation {
  storage::SubscriptionCheck check;  // every member but id and paused_until_ms filled
  Throttle throttle;
  bool retry_soon = false;  // 5xx, transport error or unreadable answer: back off and retry
};

// Derives the state of `waba_id` for our app `app_id` from one subscribed_apps answer:
//   - 200 with {"data":[…]}: subscribed if an entry's whatsapp_business_api_data.id is
//     `app_id` (and it has no override_callback_uri), overridden if that entry has one,
//     missing if no entry is ours (an empty list included). apps_json lists every entry as
//     {"id","name","link","override_callback_uri"} (absent members as null).
//     When `app_id` is empty, any entry counts as ours.
//   - any answer whose throttle says pause (error codes 4, 17, 32, 613, 80008, or usage
//     >= 90 on a non-200): rate_limited. A 200 with usage >= 90 keeps its derived state but
//     still sets throttle.pause.
//   - other 4xx/5xx with a Graph error body {"error":{"code","message"}}: error, with
//     error_code / error_message; without one: error with message "HTTP <status>".
//   - no answer (transport error): error, error_message = the transport error, http_status
//     none; 200 whose body is not the expected JSON: error, message naming the problem.
// `action` is "check" or "resubscribe" (copied to the check); for a resubscribe (POST) a
// 200 {"success":true} gives state subscribed, anything else is interpreted as above.
// Never throws, whatever the body.
Interpretation InterpretSubscribedApps(const std::string& waba_id, const std::string& app_id,
                                       std::string_view action, const GraphAnswer& answer,
                                       std::int64_t now_ms);

}  // namespace wj::server
