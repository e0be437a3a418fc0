#include "storage/forward_records.h"

namespace wj::storage {

const char* ToString(ReplayStatus status) {
  switch (status) {
    case ReplayStatus::kRunning:
      return "running";
    case ReplayStatus::kDone:
      return "done";
    case ReplayStatus::kFailed:
      return "failed";
    case ReplayStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<ReplayStatus> ReplayStatusFromString(const std::string& text) {
  for (ReplayStatus s : {ReplayStatus::kRunning, ReplayStatus::kDone, ReplayStatus::kFailed,
                         ReplayStatus::kCancelled}) {
    if (text == ToString(s)) return s;
  }
  return std::nullopt;
}

}  // namespace wj::storage
