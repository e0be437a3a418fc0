#include "server/api/event_json.h"

#include "server/util/time_format.h"

namespace wj::server {

nlohmann::ordered_json EventMembers(const storage::StoredEvent& e) {
  nlohmann::ordered_json j;
  j["seq"] = e.seq;
  j["waba_id"] = e.waba_id;
  j["field"] = e.field;
  j["event_time"] = e.event_time ? nlohmann::ordered_json(FormatTimeSeconds(*e.event_time))
                                 : nlohmann::ordered_json(nullptr);
  j["received_at"] = FormatTimeMillis(e.received_at_ms);
  j["delivery_id"] = e.delivery_id;
  j["dedup_key"] = e.dedup_key;
  j["duplicate_of"] =
      e.duplicate_of ? nlohmann::ordered_json(*e.duplicate_of) : nlohmann::ordered_json(nullptr);
  j["wamid"] = e.wamid ? nlohmann::ordered_json(*e.wamid) : nlohmann::ordered_json(nullptr);
  j["wa_id"] = e.wa_id ? nlohmann::ordered_json(*e.wa_id) : nlohmann::ordered_json(nullptr);
  return j;
}

std::string WithRawValue(const nlohmann::ordered_json& members, std::string_view raw_value) {
  // Stored ids and keys are whatever Meta sent: replace invalid UTF-8 rather than throw.
  std::string out = members.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  if (out.size() > 1) out.push_back(',');
  out.append("\"value\":").append(raw_value).push_back('}');
  return out;
}

std::string EventJson(const storage::StoredEvent& event) {
  return WithRawValue(EventMembers(event), event.value);
}

std::string EventArrayJson(const std::vector<storage::StoredEvent>& events) {
  std::string out = "[";
  for (const storage::StoredEvent& e : events) {
    if (out.size() > 1) out.push_back(',');
    out.append(EventJson(e));
  }
  out.push_back(']');
  return out;
}

}  // namespace wj::server
