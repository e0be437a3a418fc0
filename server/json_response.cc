#include "server/json_response.h"

namespace wj::server {

using Pistache::Http::Mime::MediaType;

void SendJson(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              const nlohmann::json& body) {
  static const MediaType kJson = MediaType::fromString("application/json");
  response.send(code, body.dump(), kJson);
}

void SendError(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
               std::string_view error_code, std::string_view message) {
  SendJson(response, code, {{"error", {{"code", error_code}, {"message", message}}}});
}

void SendText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              std::string_view body) {
  static const MediaType kText = MediaType::fromString("text/plain; charset=utf-8");
  response.send(code, std::string(body), kText);
}

}  // namespace wj::server
