#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

#include "storage/status.h"

namespace wj::server {

// Sends `body` as application/json with status `code`.
void SendJson(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              const nlohmann::json& body);

// Sends `body`, already serialised JSON, as application/json with status `code`.
void SendJsonText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
                  std::string body);

// Sends the uniform error body {"error":{"code":…,"message":…}}. `message` is shown to
// clients: never put exception text, SQL or secrets in it.
void SendError(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
               std::string_view error_code, std::string_view message);

// Answers a failed Status: InvalidArgument → 400 bad_parameter and NotFound → 404 not_found
// with the status message (which must be fit for clients); Unavailable → 503 and anything
// else → 500 with a generic message, the status logged for the operator.
void SendFailure(Pistache::Http::ResponseWriter& response, const Status& status);

// Sends `body` as text/plain.
void SendText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              std::string_view body);

}  // namespace wj::server
