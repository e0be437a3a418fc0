#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

namespace wj::server {

// Sends `body` as application/json with status `code`.
void SendJson(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              const nlohmann::json& body);

// Sends the uniform error body {"error":{"code":…,"message":…}}. `message` is shown to
// clients: never put exception text, SQL or secrets in it.
void SendError(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
               std::string_view error_code, std::string_view message);

// Sends `body` as text/plain.
void SendText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              std::string_view body);

}  // namespace wj::server
