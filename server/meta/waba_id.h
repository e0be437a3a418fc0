#pragma once

#include <string_view>

namespace wj::server {

// Whether `id` can be a WABA (Graph object) id: 1 to 32 decimal digits. Ids given by
// operators become a URL path segment of Graph API calls, so nothing else is accepted.
inline bool IsWabaId(std::string_view id) {
  return !id.empty() && id.size() <= 32 && id.find_first_not_of("0123456789") == id.npos;
}

}  // namespace wj::server
