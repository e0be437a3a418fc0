#include "server/api/message_lifecycle.h"

#include <charconv>

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

// Meta sends item timestamps as strings of unix seconds (sometimes as numbers).
std::optional<std::int64_t> Timestamp(const Json& item) {
  auto it = item.find("timestamp");
  if (it == item.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return std::nullopt;
  const auto& s = it->get_ref<const std::string&>();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The first item of value[kind] whose id is `wamid`.
const Json* ItemFor(const Json& value, const char* kind, const std::string& wamid) {
  auto items = value.find(kind);
  if (items == value.end() || !items->is_array()) return nullptr;
  for (const Json& item : *items) {
    auto id = item.find("id");
    if (item.is_object() && id != item.end() && id->is_string() && *id == wamid) return &item;
  }
  return nullptr;
}

}  // namespace

MessageLifecycle FoldLifecycle(const std::string& wamid,
                               const std::vector<storage::StoredEvent>& events) {
  MessageLifecycle out;
  int rank = 0;
  bool failed = false;
  for (const storage::StoredEvent& e : events) {
    if (!out.waba_id) out.waba_id = e.waba_id;
    const Json value = Json::parse(e.value, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) continue;
    if (const Json* message = ItemFor(value, "messages", wamid)) {
      out.direction = MessageLifecycle::Direction::kInbound;
      if (!out.status) {
        out.status = "received";
        out.status_at = Timestamp(*message);
      }
      continue;
    }
    const Json* status = ItemFor(value, "statuses", wamid);
    if (status == nullptr) continue;  // a reaction, edit or revoke pointing at the message
    out.direction = MessageLifecycle::Direction::kOutbound;
    auto name = status->find("status");
    if (name == status->end() || !name->is_string() || failed) continue;
    const std::string& s = name->get_ref<const std::string&>();
    if (s == "failed") {
      failed = true;
      out.status = s;
      out.status_at = Timestamp(*status);
      auto errors = status->find("errors");
      if (errors != status->end() && errors->is_array()) {
        for (const Json& err : *errors) {
          if (!err.is_object()) continue;
          MessageLifecycle::Error x;
          if (auto c = err.find("code"); c != err.end() && c->is_number_integer()) {
            x.code = c->get<std::int64_t>();
          }
          if (auto t = err.find("title"); t != err.end() && t->is_string()) x.title = *t;
          out.errors.push_back(std::move(x));
        }
      }
    } else if (Rank(s) > rank) {
      rank = Rank(s);
      out.status = s;
      out.status_at = Timestamp(*status);
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
