#include "server/api/event_json.h"

#include "server/meta/value_identity.h"
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
  j["delivery_id"] =
      e.delivery_id != 0 ? nlohmann::ordered_json(e.delivery_id) : nlohmann::ordered_json(nullptr);
  j["dedup_digest"] = e.dedup_digest;
  j["duplicate_of"] =
      e.duplicate_of ? nlohmann::ordered_json(*e.duplicate_of) : nlohmann::ordered_json(nullptr);
  // In clear only while the value holds them: the journal keeps digests.
  const ValueIdentity id = e.value ? IdentifyValue(e.field, *e.value) : ValueIdentity{};
  j["wamid"] = id.wamid ? nlohmann::ordered_json(*id.wamid) : nlohmann::ordered_json(nullptr);
  j["wa_id"] = id.wa_id ? nlohmann::ordered_json(*id.wa_id) : nlohmann::ordered_json(nullptr);
  j["kind"] = e.kind ? nlohmann::ordered_json(*e.kind) : nlohmann::ordered_json(nullptr);
  j["status"] = e.status ? nlohmann::ordered_json(*e.status) : nlohmann::ordered_json(nullptr);
  j["item_time"] = e.item_time ? nlohmann::ordered_json(FormatTimeSeconds(*e.item_time))
                               : nlohmann::ordered_json(nullptr);
  j["error_codes"] = e.error_codes;
  j["subject_ids"] = e.subject_ids;
  j["erased"] = e.erasure_id ? nlohmann::ordered_json({{"erasure_id", *e.erasure_id}})
                             : nlohmann::ordered_json(nullptr);
  return j;
}

std::string WithRawValue(const nlohmann::ordered_json& members,
                         const std::optional<std::string>& raw_value) {
  // Stored ids and keys are whatever Meta sent: replace invalid UTF-8 rather than throw.
  std::string out = members.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  if (out.size() > 1) out.push_back(',');
  out.append("\"value\":").append(raw_value ? std::string_view(*raw_value) : "null").push_back('}');
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
