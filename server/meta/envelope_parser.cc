#include "server/meta/envelope_parser.h"

#include <algorithm>
#include <array>

#include "server/meta/json_scan.h"
#include "storage/customer_data.h"
#include "storage/digest.h"

namespace wj::server {
namespace {

using Json = nlohmann::ordered_json;
using json::Document;
using json::Kind;
using json::Node;

// The arrays of a `messages` value that hold one independently identified item each.
constexpr std::array<std::string_view, 3> kItemArrays = {"messages", "statuses", "errors"};

std::string Dump(const Json& v) { return v.dump(-1, ' ', /*ensure_ascii=*/true); }

// "prefix name[index] ": a location in the body, for error messages.
std::string At(const std::string& prefix, const char* name, std::size_t index) {
  std::string at = prefix;
  at.append(name).append("[").append(std::to_string(index)).append("] ");
  return at;
}

// The content key of a change whose value is `raw` JSON text. Content is compared in
// canonical form, so key order and spacing do not matter.
std::string ContentKeyOfRaw(std::string_view waba_id, std::string_view field, std::string_view raw,
                            std::optional<std::int64_t> event_time) {
  try {
    return ContentDedupKey(waba_id, field, Json::parse(raw), event_time);
  } catch (const Json::exception&) {
    // Valid JSON that nlohmann cannot hold (a number beyond double): identify it by its
    // exact text instead.
    return ContentDedupKey(waba_id, field, Json(std::string(raw)), event_time);
  }
}

// Walks a scanned body. Values are taken as raw text from the body: an event's value is
// the bytes Meta sent, not a re-serialisation.
class Parser {
 public:
  Parser(const Document& doc, ParsedBody& out) : doc_(doc), out_(out) {}

  void Envelope(const Node& env, const std::string& where) {
    if (env.kind != Kind::kObject) return Fail(where + "is not a JSON object");
    std::string object = doc_.String(doc_.Find(env, "object")).value_or("");
    const Node* entries = doc_.Find(env, "entry");
    if (entries == nullptr || entries->kind != Kind::kArray) {
      return Fail(where + "has no entry array");
    }
    std::size_t i = 0;
    for (const Node* e = doc_.FirstChild(*entries); e != nullptr; e = doc_.NextSibling(*e), ++i) {
      Entry(*e, object, At(where, "entry", i));
    }
  }

 private:
  // Adds what the journal keeps in clear (kind, status, times, error codes) and whom the
  // value names, then queues the event.
  void Push(storage::EventRecord e) {
    storage::ValueFacts facts = storage::DescribeValue(e.field, e.value);
    e.kind = std::move(facts.kind);
    e.status = std::move(facts.status);
    e.item_time = facts.item_time;
    e.error_codes = std::move(facts.error_codes);
    e.customers = std::move(facts.customers);
    out_.events.push_back(std::move(e));
  }

  void Fail(std::string problem) {
    if (!out_.error) out_.error = std::move(problem);
  }

  void Entry(const Node& entry, const std::string& object, const std::string& where) {
    if (entry.kind != Kind::kObject) return Fail(where + "is not an object");
    const Node* id = doc_.Find(entry, "id");
    std::string waba_id;
    if (auto text = doc_.String(id)) {
      waba_id = std::move(*text);
    } else if (auto number = doc_.Integer(id)) {
      waba_id = std::to_string(*number);
    } else {
      return Fail(where + "has no id");
    }
    const std::optional<std::int64_t> event_time = doc_.Integer(doc_.Find(entry, "time"));
    const Node* changes = doc_.Find(entry, "changes");
    if (changes == nullptr || changes->kind != Kind::kArray) {
      return Fail(where + "has no changes array");
    }
    std::size_t j = 0;
    for (const Node* c = doc_.FirstChild(*changes); c != nullptr; c = doc_.NextSibling(*c), ++j) {
      const std::string at = At(where, "changes", j);
      if (c->kind != Kind::kObject) {
        Fail(at + "is not an object");
        continue;
      }
      auto field = doc_.String(doc_.Find(*c, "field"));
      const Node* value = doc_.Find(*c, "value");
      if (!field || value == nullptr) {
        Fail(at + "lacks a field name or a value");
        continue;
      }
      storage::EventRecord base;
      base.object = object;
      base.waba_id = waba_id;
      base.field = *field;
      base.event_time = event_time;
      if (*field == "messages" && value->kind == Kind::kObject && SplitMessages(base, *value)) {
        continue;
      }
      base.value = std::string(doc_.Raw(*value));
      base.value_offset = value->begin;
      base.dedup_key = ContentKeyOfRaw(waba_id, *field, base.value, event_time);
      Push(std::move(base));
    }
  }

  // One event per item of messages[] / statuses[] / errors[]. Returns false when the value
  // holds no such item (it is then journaled whole).
  bool SplitMessages(const storage::EventRecord& base, const Node& value) {
    bool any = false;
    for (std::string_view kind : kItemArrays) {
      const Node* items = doc_.Find(value, kind);
      if (items == nullptr || items->kind != Kind::kArray) continue;
      for (const Node* item = doc_.FirstChild(*items); item != nullptr;
           item = doc_.NextSibling(*item)) {
        any = true;
        storage::EventRecord e = base;
        e.value = SingleItemValue(value, kind, *item);
        // Meta's compact JSON with a single item: the value is the body's own bytes, which
        // the journal then keeps only once.
        if (e.value == doc_.Raw(value)) e.value_offset = value.begin;
        Identify(e, kind, *item);
        Push(std::move(e));
      }
    }
    return any;
  }

  // The change's value with every item array replaced by just `item` under `kind`, keeping
  // the other members, in order, as received; `contacts` keeps only the entry of the item's
  // own customer (its sender, or a status's recipient), so that an event names no one else
  // and erasing one customer leaves the others' events whole.
  std::string SingleItemValue(const Node& value, std::string_view kind, const Node& item) const {
    std::optional<std::string> customer;
    if (kind == "messages") customer = doc_.String(doc_.Find(item, "from"));
    if (kind == "statuses") customer = doc_.String(doc_.Find(item, "recipient_id"));
    std::string one = "{";
    for (const Node* m = doc_.FirstChild(value); m != nullptr; m = doc_.NextSibling(*m)) {
      const std::string key = doc_.Key(*m);
      const bool is_item_array =
          std::find(kItemArrays.begin(), kItemArrays.end(), key) != kItemArrays.end();
      if (is_item_array && key != kind) continue;
      if (key == "contacts" && m->kind == Kind::kArray) {
        std::string contacts = ContactsOf(*m, customer);
        if (contacts.empty()) continue;
        if (one.size() > 1) one.push_back(',');
        one.append(doc_.RawKey(*m)).append(":[").append(contacts).append("]");
        continue;
      }
      if (one.size() > 1) one.push_back(',');
      if (!is_item_array) {
        one.append(doc_.RawMember(*m));
      } else {
        one.append(doc_.RawKey(*m)).append(":[").append(doc_.Raw(item)).append("]");
      }
    }
    one.push_back('}');
    return one;
  }

  // The entries of a contacts array whose wa_id is `customer`, comma-separated as received;
  // empty when none is (or there is no customer).
  std::string ContactsOf(const Node& contacts, const std::optional<std::string>& customer) const {
    std::string kept;
    if (!customer) return kept;
    for (const Node* c = doc_.FirstChild(contacts); c != nullptr; c = doc_.NextSibling(*c)) {
      if (doc_.String(doc_.Find(*c, "wa_id")) != customer) continue;
      if (!kept.empty()) kept.push_back(',');
      kept.append(doc_.Raw(*c));
    }
    return kept;
  }

  void Identify(storage::EventRecord& e, std::string_view kind, const Node& item) const {
    auto id = doc_.String(doc_.Find(item, "id"));
    if (kind == "messages" && id) {
      e.dedup_key = MessageDedupKey(*id);
      e.wamid = std::move(id);
      e.target_wamid = TargetOf(item);
      return;
    }
    auto status = doc_.String(doc_.Find(item, "status"));
    if (kind == "statuses" && id && status) {
      e.dedup_key = StatusDedupKey(*id, *status);
      e.wamid = std::move(id);
      return;
    }
    // Value-level errors and items without an id: identified by their content.
    e.dedup_key = ContentKeyOfRaw(e.waba_id, e.field, e.value, e.event_time);
  }

  // The message an inbound reaction, edit or revoke is about, if `item` is one.
  std::optional<std::string> TargetOf(const Node& item) const {
    auto type = doc_.String(doc_.Find(item, "type"));
    if (!type) return std::nullopt;
    if (*type != "reaction" && *type != "edit" && *type != "revoke") return std::nullopt;
    const Node* about = doc_.Find(item, *type);
    if (about == nullptr) return std::nullopt;
    return doc_.String(
        doc_.Find(*about, *type == "reaction" ? "message_id" : "original_message_id"));
  }

  const Document& doc_;
  ParsedBody& out_;
};

void AppendCanonical(const Json& v, std::string& out) {
  if (v.is_object()) {
    std::vector<const std::string*> keys;
    keys.reserve(v.size());
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(&it.key());
    std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
    out.push_back('{');
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += Dump(Json(*keys[i]));
      out.push_back(':');
      AppendCanonical(v.at(*keys[i]), out);
    }
    out.push_back('}');
  } else if (v.is_array()) {
    out.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendCanonical(v[i], out);
    }
    out.push_back(']');
  } else {
    out += Dump(v);
  }
}

}  // namespace

ParsedBody ParseDeliveryBody(std::string_view body) {
  ParsedBody out;
  auto doc = Document::Parse(body);
  if (!doc.ok()) {
    out.error = "not JSON: " + doc.status().message();
    return out;
  }
  Parser parser(doc.value(), out);
  const Node& root = doc->root();
  if (root.kind == Kind::kArray) {
    std::size_t i = 0;
    for (const Node* env = doc->FirstChild(root); env != nullptr; env = doc->NextSibling(*env)) {
      parser.Envelope(*env, At("", "", i++));
    }
    if (i == 0) out.error = "empty array of envelopes";
  } else {
    parser.Envelope(root, "envelope ");
  }
  return out;
}

std::string CanonicalJson(const nlohmann::ordered_json& value) {
  std::string out;
  AppendCanonical(value, out);
  return out;
}

std::string MessageDedupKey(std::string_view wamid) { return "message:" + std::string(wamid); }

std::string StatusDedupKey(std::string_view wamid, std::string_view status) {
  return "status:" + std::string(wamid) + ":" + std::string(status);
}

std::string ContentDedupKey(std::string_view waba_id, std::string_view field,
                            const nlohmann::ordered_json& value,
                            std::optional<std::int64_t> event_time) {
  Json identity = Json::array({waba_id, field, value, nullptr});
  if (event_time) identity[3] = *event_time;
  return "sha256:" + ToHex(Sha256(CanonicalJson(identity)));
}

}  // namespace wj::server
