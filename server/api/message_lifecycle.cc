#include "server/api/message_lifecycle.h"

#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

using Json = nlohmann::json;

// Forward order of outbound statuses. "failed" is final and handled apart; statuses not
// listed (e.g. "deleted", or a newer one) are kept in the events but do not move the state.
int Rank(const std::string& status) {
  if (status == "sent") return 1;
  if (status == "delivered") return 2;
  if (status == "read") return 3;
  if (status == "played") return 4;
  return 0;
}

// The titles of a failed status's errors, while its value is kept.
std::vector<std::string> ErrorTitles(const storage::StoredEvent& e) {
  std::vector<std::string> titles;
  if (!e.value) return titles;
  const Json value = Json::parse(*e.value, nullptr, /*allow_exceptions=*/false);
  auto statuses = value.is_object() ? value.find("statuses") : value.end();
  if (!value.is_object() || statuses == value.end() || !statuses->is_array() || statuses->empty()) {
    return titles;
  }
  auto errors = (*statuses)[0].find("errors");
  if (errors == (*statuses)[0].end() || !errors->is_array()) return titles;
  for (const Json& err : *errors) {
    auto t = err.is_object() ? err.find("title") : err.end();
    titles.push_back(err.is_object() && t != err.end() && t->is_string() ? t->get<std::string>()
                                                                         : std::string());
  }
  return titles;
}

}  // namespace

MessageLifecycle FoldLifecycle(const std::string& wamid,
                               const std::vector<storage::StoredEvent>& events) {
  (void)wamid;  // the events were found by its digest
  MessageLifecycle out;
  int rank = 0;
  bool failed = false;
  // From the chained metadata (kind, status, item time, error codes), so that a lifecycle
  // survives the erasure of its values; only error titles come from the values.
  for (const storage::StoredEvent& e : events) {
    if (!out.waba_id) out.waba_id = e.waba_id;
    if (e.points_at_message || !e.kind) continue;  // a reaction, edit or revoke
    if (*e.kind == "message") {
      out.direction = MessageLifecycle::Direction::kInbound;
      if (!out.status) {
        out.status = "received";
        out.status_at = e.item_time;
      }
      continue;
    }
    if (*e.kind != "status") continue;
    out.direction = MessageLifecycle::Direction::kOutbound;
    if (!e.status || failed) continue;
    const std::string& s = *e.status;
    if (s == "failed") {
      failed = true;
      out.status = s;
      out.status_at = e.item_time;
      const std::vector<std::string> titles = ErrorTitles(e);
      for (std::size_t i = 0; i < e.error_codes.size(); ++i) {
        out.errors.push_back({e.error_codes[i], i < titles.size() ? titles[i] : std::string()});
      }
    } else if (Rank(s) > rank) {
      rank = Rank(s);
      out.status = s;
      out.status_at = e.item_time;
    }
  }
  return out;
}

const char* ToString(MessageLifecycle::Direction direction) {
  switch (direction) {
    case MessageLifecycle::Direction::kInbound:
      return "inbound";
    case MessageLifecycle::Direction::kOutbound:
      return "outbound";
    case MessageLifecycle::Direction::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace wj::server
