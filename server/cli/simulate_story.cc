#include "server/cli/simulate_story.h"

#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

using Json = nlohmann::ordered_json;

std::string Envelope(const std::string& field, Json value, std::int64_t time) {
  Json change = {{"field", field}, {"value", std::move(value)}};
  Json entry = {{"id", kStoryWaba}, {"time", time}, {"changes", Json::array({change})}};
  return Json{{"object", "whatsapp_business_account"}, {"entry", Json::array({entry})}}.dump();
}

std::string Status(const char* wamid, const char* status, std::int64_t at, Json extra = {}) {
  Json item = {{"id", wamid},
               {"status", status},
               {"timestamp", std::to_string(at)},
               {"recipient_id", "16505551234"}};
  if (extra.is_object()) item.update(extra);
  Json value = {{"messaging_product", "whatsapp"},
                {"metadata",
                 {{"display_phone_number", "15550783881"}, {"phone_number_id", "106540352242922"}}},
                {"statuses", Json::array({item})}};
  // Message webhooks carry no entry.time (see META-WEBHOOKS.md §4); keep Meta's shape.
  Json entry = {{"id", kStoryWaba},
                {"changes", Json::array({{{"value", value}, {"field", "messages"}}})}};
  return Json{{"object", "whatsapp_business_account"}, {"entry", Json::array({entry})}}.dump();
}

}  // namespace

std::vector<std::string> StoryDeliveries(std::int64_t now) {
  const Json failure = {
      {"errors",
       Json::array(
           {{{"code", 131049},
             {"title", "This message was not delivered to maintain healthy ecosystem engagement."},
             {"message",
              "This message was not delivered to maintain healthy ecosystem engagement."},
             {"error_data",
              {{"details",
                "In order to maintain a healthy ecosystem engagement, the "
                "message failed to be delivered."}}},
             {"href",
              "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"
              "error-codes/"}}})}};
  return {
      Envelope("account_review_update", {{"decision", "REJECTED"}}, now - 3600),
      Envelope("account_review_update", {{"decision", "APPROVED"}}, now),
      Status(kStoryWamid, "read", now - 60),
      Status(kStoryWamid, "sent", now - 120),
      Status(kStoryWamid, "delivered", now - 90),
      Status(kStoryFailedWamid, "sent", now - 100),
      Status(kStoryFailedWamid, "failed", now - 80, failure),
  };
}

}  // namespace wj::server
