#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/forwarding/destinations.h"
#include "storage/journal_reader.h"

namespace wj::server {

// One HTTP POST to a destination: what a consumer written for Meta's webhooks expects.
struct ForwardRequest {
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines
};

// kResign: `event` alone in Meta's envelope
//   {"object":…,"entry":[{"id":WABA,"time":T,"changes":[{"field":F,"value":V}]}]}
// with V the exact stored text and T Meta's entry.time (else the receipt time, in seconds),
// signed X-Hub-Signature-256 with the destination's secret.
// `value` is the event's stored value (callers skip erased events).
ForwardRequest ResignedRequest(const Destination& destination, const storage::StoredEvent& event,
                               std::string_view value, std::optional<std::int64_t> replay_id);

// kOriginal: the delivery's exact bytes with Meta's signature header as received, for
// consumers that verify with the real app secret. `seq` is the event being forwarded.
// Callers check that the delivery still has its bytes.
ForwardRequest OriginalRequest(const storage::StoredDelivery& delivery, std::int64_t seq,
                               std::optional<std::int64_t> replay_id);

}  // namespace wj::server
