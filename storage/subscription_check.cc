#include "storage/subscription_check.h"

namespace wj::storage {

const char* ToString(SubscriptionState state) {
  switch (state) {
    case SubscriptionState::kSubscribed:
      return "subscribed";
    case SubscriptionState::kMissing:
      return "missing";
    case SubscriptionState::kOverridden:
      return "overridden";
    case SubscriptionState::kError:
      return "error";
    case SubscriptionState::kRateLimited:
      return "rate_limited";
    case SubscriptionState::kUnknown:
      break;
  }
  return "unknown";
}

Result<SubscriptionState> ParseSubscriptionState(const std::string& text) {
  for (auto s :
       {SubscriptionState::kSubscribed, SubscriptionState::kMissing, SubscriptionState::kOverridden,
        SubscriptionState::kError, SubscriptionState::kRateLimited}) {
    if (text == ToString(s)) return s;
  }
  return Status::InvalidArgument("not a stored subscription state: '" + text + "'");
}

}  // namespace wj::storage
