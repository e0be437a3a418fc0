#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/status.h"

namespace wj::storage {

// What Meta's subscribed_apps said of a WABA, as derived by the reconciler.
// kUnknown is never stored: it is the state of a WABA not checked yet.
enum class SubscriptionState { kUnknown, kSubscribed, kMissing, kOverridden, kError, kRateLimited };

const char* ToString(SubscriptionState state);
// InvalidArgument for any other text ("unknown" included: it is never stored).
Result<SubscriptionState> ParseSubscriptionState(const std::string& text);

// One call to GET or POST /{waba-id}/subscribed_apps and what came of it. Plain value type.
struct SubscriptionCheck {
  std::int64_t id = 0;  // assigned when stored
  std::string waba_id;
  std::int64_t checked_at_ms = 0;
  std::string action = "check";    // "check" (GET) or "resubscribe" (POST)
  std::optional<int> http_status;  // none when no HTTP answer came
  SubscriptionState state = SubscriptionState::kError;
  std::optional<bool> our_app_present;
  std::optional<std::string> apps_json;  // [{"id","name","link","override_callback_uri"}]
  std::optional<std::string> override_callback_uri;
  std::optional<std::int64_t> error_code;
  std::optional<std::string> error_message;
  std::optional<std::string> usage;  // X-Business-Use-Case-Usage, as received
  std::optional<std::int64_t> paused_until_ms;
};

}  // namespace wj::storage
