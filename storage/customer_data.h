#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wj::storage {

// The fields whose values concern the business account, not its customers (reviews, bans,
// templates, quality, capability, security, name updates...): never erased by retention and
// queryable in full. Sorted. Every other field, including any Meta adds later, is treated
// as carrying customers' data (messages, echoes, history, app-state sync of contacts,
// calls, user preferences, automatic events...), which is what retention erases.
std::span<const std::string_view> AccountLevelFields();

bool CarriesCustomerData(std::string_view field);

// What the journal keeps in clear about one event's value, and whom it names.
struct ValueFacts {
  std::optional<std::string> kind;        // message, status, error, echo, call, ... of the item
  std::optional<std::string> status;      // a status item's status
  std::optional<std::int64_t> item_time;  // the item's timestamp, unix seconds
  std::vector<std::int64_t> error_codes;  // codes of the item's errors
  std::vector<std::string> customers;     // numbers the value names, digits only, distinct
};

// Reads `value` (JSON text of one change of `field`, as split by the envelope parser: a
// messages change holds one item). Customers are taken, in fields that carry customers'
// data, from contacts[].wa_id, messages[].from, statuses[].recipient_id,
// message_echoes[].to, calls[].from/to, user_preferences[].wa_id, history[].threads[].id,
// state_sync[].contact.phone_number; the business's own number (metadata.
// display_phone_number) is left out. Never throws; a value that is not JSON has no facts.
ValueFacts DescribeValue(std::string_view field, std::string_view value);

// The digits of `number` ("+1 650-555-1234" -> "16505551234"): how customers' numbers are
// compared and digested.
std::string NormalizeNumber(std::string_view number);

// The field of the tombstone event an erasure appends to the WABA's history.
inline constexpr std::string_view kErasureField = "erasure";

}  // namespace wj::storage
