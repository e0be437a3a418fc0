#include "server/forwarding/forward_request.h"

#include <nlohmann/json.hpp>

#include "server/meta/signature.h"

namespace wj::server {
namespace {

// Headers every forwarded request carries beside its signature.
void AddJournalHeaders(std::vector<std::string>& headers, std::int64_t seq,
                       std::optional<std::int64_t> replay_id) {
  headers.push_back("Content-Type: application/json");
  headers.push_back("X-Waba-Journal-Seq: " + std::to_string(seq));
  if (replay_id) headers.push_back("X-Waba-Journal-Replay: " + std::to_string(*replay_id));
}

}  // namespace

ForwardRequest ResignedRequest(const Destination& destination, const storage::StoredEvent& event,
                               std::string_view value, std::optional<std::int64_t> replay_id) {
  using Json = nlohmann::ordered_json;
  const std::int64_t time = event.event_time.value_or(event.received_at_ms / 1000);
  // Every part but the value is built by nlohmann (escaping ids and names); the value is
  // the stored text, spliced, so the consumer sees Meta's bytes for it.
  const std::string object =
      Json(event.object).dump(-1, ' ', false, Json::error_handler_t::replace);
  const std::string waba = Json(event.waba_id).dump(-1, ' ', false, Json::error_handler_t::replace);
  const std::string field = Json(event.field).dump(-1, ' ', false, Json::error_handler_t::replace);
  ForwardRequest r;
  r.body.reserve(value.size() + 160);
  r.body.append("{\"object\":").append(object);
  r.body.append(",\"entry\":[{\"id\":").append(waba);
  r.body.append(",\"time\":").append(std::to_string(time));
  r.body.append(",\"changes\":[{\"field\":").append(field);
  r.body.append(",\"value\":").append(value).append("}]}]}");
  r.headers.push_back("X-Hub-Signature-256: " + SignBody(destination.secret, r.body));
  AddJournalHeaders(r.headers, event.seq, replay_id);
  return r;
}

ForwardRequest OriginalRequest(const storage::StoredDelivery& delivery, std::int64_t seq,
                               std::optional<std::int64_t> replay_id) {
  ForwardRequest r;
  r.body = delivery.body.value_or("");
  r.headers.push_back("X-Hub-Signature-256: " + delivery.signature.value_or(""));
  AddJournalHeaders(r.headers, seq, replay_id);
  return r;
}

}  // namespace wj::server
