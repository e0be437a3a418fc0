#include "server/api/replay_request.h"

#include <array>
#include <limits>

#include "server/api/api_params.h"
#include "server/meta/waba_id.h"
#include "server/util/time_format.h"

namespace wj::server {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 8> kMembers = {"destination", "waba_id",           "field",
                                                      "after",       "until_seq",         "since",
                                                      "until",       "include_duplicates"};

// A scalar member as the text a query parameter would carry; nullopt for objects/null.
std::optional<std::string> ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) return v.dump();  // rejected by the integer/time parsers with a message
  return std::nullopt;
}

}  // namespace

Result<ReplayRequest> ParseReplayRequest(std::string_view body) {
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end()) {
      return Status::InvalidArgument("unknown member '" + key + "'");
    }
    const bool list = key == "waba_id" || key == "field";
    const bool ok =
        value.is_null() || ScalarText(value) ||
        (list && value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); }));
    if (!ok) return Status::InvalidArgument("'" + key + "' has the wrong type");
  }
  // The members through the same typed readers as query parameters, so the rules (and the
  // messages) are the API's everywhere.
  ApiParams params([&doc](std::string_view name) {
    std::vector<std::string> out;
    auto it = doc.find(std::string(name));
    if (it == doc.end() || it->is_null()) return out;
    if (it->is_array()) {
      for (const Json& v : *it) out.push_back(v.get<std::string>());
    } else if (auto text = ScalarText(*it)) {
      out.push_back(*text);
    }
    return out;
  });
  ReplayRequest r;
  auto destination = params.Text("destination");
  if (!destination.ok()) return destination.status();
  if (!destination.value()) return Status::InvalidArgument("'destination' is required");
  r.destination = *destination.value();
  auto wabas = params.List("waba_id");
  if (!wabas.ok()) return wabas.status();
  for (const std::string& id : wabas.value()) {
    if (!IsWabaId(id)) return Status::InvalidArgument("'waba_id' must be numeric ids");
  }
  r.waba_ids = std::move(wabas.value());
  auto fields = params.List("field");
  if (!fields.ok()) return fields.status();
  r.fields = std::move(fields.value());
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  auto after = params.Integer("after", 0, kMax);
  if (!after.ok()) return after.status();
  r.after = after.value();
  auto until_seq = params.Integer("until_seq", 0, kMax);
  if (!until_seq.ok()) return until_seq.status();
  r.until_seq = until_seq.value();
  auto since = params.Time("since");
  if (!since.ok()) return since.status();
  r.since_ms = since.value();
  auto until = params.Time("until");
  if (!until.ok()) return until.status();
  r.until_ms = until.value();
  auto duplicates = params.Boolean("include_duplicates", false);
  if (!duplicates.ok()) return duplicates.status();
  r.include_duplicates = duplicates.value();
  return r;
}

nlohmann::ordered_json ReplayJson(const storage::Replay& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["destination"] = r.destination;
  j["status"] = storage::ToString(r.status);
  j["total"] = r.total;
  j["sent"] = r.sent;
  j["failed"] = r.failed;
  j["last_seq"] = r.last_seq;
  j["after"] = r.after_seq;
  j["until_seq"] = r.until_seq;
  nlohmann::ordered_json filter = nlohmann::ordered_json::object();
  Json stored = Json::parse(r.filter_json, nullptr, false);
  if (stored.is_object()) {
    filter["waba_id"] = stored.value("waba_id", std::vector<std::string>{});
    filter["field"] = stored.value("field", std::vector<std::string>{});
    auto time = [&](const char* key) -> nlohmann::ordered_json {
      if (!stored.contains(key) || !stored[key].is_number_integer()) return nullptr;
      return FormatTimeMillis(stored[key].get<std::int64_t>());
    };
    filter["since"] = time("since_ms");
    filter["until"] = time("until_ms");
    filter["include_duplicates"] = stored.value("include_duplicates", false);
  }
  j["filter"] = filter;
  j["created_at"] = FormatTimeMillis(r.created_at_ms);
  j["created_by"] = r.created_by;
  j["updated_at"] = FormatTimeMillis(r.updated_at_ms);
  j["finished_at"] = r.finished_at_ms ? nlohmann::ordered_json(FormatTimeMillis(*r.finished_at_ms))
                                      : nlohmann::ordered_json(nullptr);
  return j;
}

}  // namespace wj::server
