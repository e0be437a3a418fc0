#include "server/forwarding/replay_filter.h"

#include <nlohmann/json.hpp>

namespace wj::server {

using Json = nlohmann::json;

std::string ReplayFilterJson(const ReplayRequest& r) {
  Json j = Json::object();
  j["waba_id"] = r.waba_ids;
  j["field"] = r.fields;
  j["since_ms"] = r.since_ms ? Json(*r.since_ms) : Json(nullptr);
  j["until_ms"] = r.until_ms ? Json(*r.until_ms) : Json(nullptr);
  j["include_duplicates"] = r.include_duplicates;
  return j.dump();
}

Result<storage::EventFilter> ReplayFilterFromJson(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  try {
    if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("not an object");
    storage::EventFilter f;
    f.waba_ids = j.value("waba_id", std::vector<std::string>{});
    f.fields = j.value("field", std::vector<std::string>{});
    if (j.contains("since_ms") && !j["since_ms"].is_null())
      f.since_ms = j["since_ms"].get<std::int64_t>();
    if (j.contains("until_ms") && !j["until_ms"].is_null())
      f.until_ms = j["until_ms"].get<std::int64_t>();
    f.include_duplicates = j.value("include_duplicates", false);
    return f;
  } catch (const std::exception&) {
    return Status::Internal("a stored replay filter is unreadable");
  }
}

}  // namespace wj::server
