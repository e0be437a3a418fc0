#include "server/meta/value_identity.h"

#include "server/meta/json_scan.h"

namespace wj::server {

ValueIdentity IdentifyValue(std::string_view field, std::string_view value) {
  ValueIdentity out;
  if (field != "messages") return out;
  auto doc = json::Document::Parse(value);
  if (!doc.ok() || doc->root().kind != json::Kind::kObject) return out;
  for (auto [array, who] : {std::pair{"messages", "from"}, std::pair{"statuses", "recipient_id"}}) {
    const json::Node* items = doc->Find(doc->root(), array);
    if (items == nullptr || items->kind != json::Kind::kArray) continue;
    const json::Node* item = doc->FirstChild(*items);
    if (item == nullptr) continue;
    out.wamid = doc->String(doc->Find(*item, "id"));
    out.wa_id = doc->String(doc->Find(*item, who));
    return out;
  }
  return out;
}

}  // namespace wj::server
