#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/journal_reader.h"

namespace wj::server {

// JSON of events for the API. An event's value is spliced in as the exact text Meta sent
// (validated JSON), never re-serialised: numbers, escapes and key order stay as received.

// The members of EVENT except "value": seq, waba_id, field, event_time, received_at,
// delivery_id (null for an erasure's tombstone), dedup_digest, duplicate_of, wamid and wa_id
// (read from the value; null once it is erased), kind, status, item_time, error_codes,
// subject_ids, erased ({"erasure_id"} or null). Times as RFC 3339 UTC.
nlohmann::ordered_json EventMembers(const storage::StoredEvent& event);

// `members` serialised with a last member "value" whose text is `raw_value` (null when
// erased).
std::string WithRawValue(const nlohmann::ordered_json& members,
                         const std::optional<std::string>& raw_value);

// EVENT: EventMembers(event) plus its value.
std::string EventJson(const storage::StoredEvent& event);

// A JSON array of EVENT.
std::string EventArrayJson(const std::vector<storage::StoredEvent>& events);

}  // namespace wj::server
