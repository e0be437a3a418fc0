#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wj::server {

// The message id and customer number a stored messages value is about, read from the value
// itself: the journal keeps them only as keyed digests, so once the value is erased they are
// gone too.
struct ValueIdentity {
  std::optional<std::string> wamid;  // messages[0].id or statuses[0].id
  std::optional<std::string> wa_id;  // messages[0].from or statuses[0].recipient_id
};

// Never throws; a value that is not a messages item has no identity.
ValueIdentity IdentifyValue(std::string_view field, std::string_view value);

}  // namespace wj::server
