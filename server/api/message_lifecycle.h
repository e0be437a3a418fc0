#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/journal_reader.h"

namespace wj::server {

// Where one message stands, folded from every event about it.
struct MessageLifecycle {
  enum class Direction { kUnknown, kInbound, kOutbound };
  struct Error {
    std::int64_t code = 0;
    std::string title;
  };

  Direction direction = Direction::kUnknown;
  std::optional<std::string> waba_id;
  // Outbound: the furthest status reached (sent < delivered < read < played; failed is
  // final), whatever order Meta delivered them in. Inbound: "received".
  std::optional<std::string> status;
  std::optional<std::int64_t> status_at;  // Meta's timestamp of that status, unix seconds
  std::vector<Error> errors;              // of a failed status
};

// Folds `events` (all about message `wamid`, in seq order) into its lifecycle. Events whose
// value cannot be read are skipped.
MessageLifecycle FoldLifecycle(const std::string& wamid,
                               const std::vector<storage::StoredEvent>& events);

const char* ToString(MessageLifecycle::Direction direction);

}  // namespace wj::server
