#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/journal_writer.h"

namespace wj::server {

// The events found in one delivery body.
struct ParsedBody {
  std::vector<storage::EventRecord> events;  // every well-formed change, in body order
  std::optional<std::string> error;          // the first problem, when the body is not a
                                             // well-formed WABA envelope (or array of them)
};

// Splits a webhook body into journal events. Accepts one envelope
// {"object":…,"entry":[{"id":…,"time":…,"changes":[{"field":…,"value":…}]}]} or a JSON
// array of them; unknown objects and fields are kept like known ones. A `messages` change
// carrying several messages / statuses / errors becomes one event per item, each value
// keeping the change's other members (messaging_product, metadata) with only that item, and
// of its contacts only the item's own customer's entry. Each event also carries what the
// journal keeps in clear (kind, status, item time, error codes), the customers it names and,
// when the value is the body's own bytes, where it lies in the body. Malformed parts are
// skipped and reported in `error`; the rest are still returned.
// Never throws.
ParsedBody ParseDeliveryBody(std::string_view body);

// JSON with object keys sorted bytewise, no whitespace, non-ASCII escaped: equal values
// give equal text whatever their key order or spacing on the wire.
std::string CanonicalJson(const nlohmann::ordered_json& value);

// Dedup keys. Inbound message: its wamid. Status: wamid and status (a message has one
// event per status). Anything else: a digest of what identifies the change.
std::string MessageDedupKey(std::string_view wamid);
std::string StatusDedupKey(std::string_view wamid, std::string_view status);
std::string ContentDedupKey(std::string_view waba_id, std::string_view field,
                            const nlohmann::ordered_json& value,
                            std::optional<std::int64_t> event_time);

}  // namespace wj::server
