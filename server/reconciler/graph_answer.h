#pragma once

#include <optional>
#include <string>

namespace wj::server {

// What came back from one Graph API call. Plain value type.
struct GraphAnswer {
  std::optional<int> http_status;        // none when no HTTP answer came
  std::string body;                      // response body (may be empty or not JSON)
  std::optional<std::string> usage;      // X-Business-Use-Case-Usage header, if any
  std::optional<std::string> app_usage;  // X-App-Usage header, if any
  std::string transport_error;           // why no answer came (timeout, refused...), else empty
};

}  // namespace wj::server
