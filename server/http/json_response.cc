#include "server/http/json_response.h"

#include <spdlog/spdlog.h>

namespace wj::server {

using Pistache::Http::Mime::MediaType;

void SendJson(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              const nlohmann::json& body) {
  SendJsonText(response, code, body.dump());
}

void SendJsonText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
                  std::string body) {
  static const MediaType kJson = MediaType::fromString("application/json");
  response.send(code, std::move(body), kJson);
}

void SendError(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
               std::string_view error_code, std::string_view message) {
  SendJson(response, code, {{"error", {{"code", error_code}, {"message", message}}}});
}

void SendFailure(Pistache::Http::ResponseWriter& response, const Status& status) {
  using Pistache::Http::Code;
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
      return SendError(response, Code::Bad_Request, "bad_parameter", status.message());
    case Status::Code::kNotFound:
      return SendError(response, Code::Not_Found, "not_found", status.message());
    case Status::Code::kUnavailable:
      spdlog::error("request failed: {}", status.message());
      return SendError(response, Code::Service_Unavailable, "unavailable",
                       "the journal cannot be read right now");
    default:
      spdlog::error("request failed: {}", status.message());
      return SendError(response, Code::Internal_Server_Error, "internal", "internal error");
  }
}

void SendText(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
              std::string_view body) {
  static const MediaType kText = MediaType::fromString("text/plain; charset=utf-8");
  response.send(code, std::string(body), kText);
}

}  // namespace wj::server
