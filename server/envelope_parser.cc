#include "server/envelope_parser.h"

#include <algorithm>
#include <array>

#include "storage/digest.h"

namespace wj::server {
namespace {

using Json = nlohmann::ordered_json;

// The arrays of a `messages` value that hold one independently identified item each.
constexpr std::array<std::string_view, 3> kItemArrays = {"messages", "statuses", "errors"};

std::string Dump(const Json& v) { return v.dump(-1, ' ', /*ensure_ascii=*/true); }

std::optional<std::string> StringMember(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it != obj.end() && it->is_string()) return it->get<std::string>();
  return std::nullopt;
}

// "prefix name[index] ": a location in the body, for error messages.
std::string At(const std::string& prefix, const char* name, std::size_t index) {
  std::string at = prefix;
  at.append(name).append("[").append(std::to_string(index)).append("] ");
  return at;
}

class Parser {
 public:
  explicit Parser(ParsedBody& out) : out_(out) {}

  void Envelope(const Json& env, const std::string& where) {
    if (!env.is_object()) return Fail(where + "is not a JSON object");
    std::string object = StringMember(env, "object").value_or("");
    auto entries = env.find("entry");
    if (entries == env.end() || !entries->is_array()) return Fail(where + "has no entry array");
    for (std::size_t i = 0; i < entries->size(); ++i) {
      Entry((*entries)[i], object, At(where, "entry", i));
    }
  }

 private:
  void Fail(std::string problem) {
    if (!out_.error) out_.error = std::move(problem);
  }

  void Entry(const Json& entry, const std::string& object, const std::string& where) {
    if (!entry.is_object()) return Fail(where + "is not an object");
    std::string waba_id;
    auto id = entry.find("id");
    if (id != entry.end() && id->is_string()) {
      waba_id = id->get<std::string>();
    } else if (id != entry.end() && id->is_number_integer()) {
      waba_id = Dump(*id);
    } else {
      return Fail(where + "has no id");
    }
    std::optional<std::int64_t> event_time;
    auto time = entry.find("time");
    if (time != entry.end() && time->is_number_integer()) event_time = time->get<std::int64_t>();
    auto changes = entry.find("changes");
    if (changes == entry.end() || !changes->is_array()) return Fail(where + "has no changes array");
    for (std::size_t j = 0; j < changes->size(); ++j) {
      const Json& change = (*changes)[j];
      const std::string at = At(where, "changes", j);
      if (!change.is_object()) {
        Fail(at + "is not an object");
        continue;
      }
      auto field = StringMember(change, "field");
      auto value = change.find("value");
      if (!field || value == change.end()) {
        Fail(at + "lacks a field name or a value");
        continue;
      }
      storage::EventRecord base{object, waba_id, *field, event_time, {}, {}, {}, {}};
      if (*field == "messages" && value->is_object() && SplitMessages(base, *value)) continue;
      base.dedup_key = ContentDedupKey(waba_id, *field, *value, event_time);
      base.value = Dump(*value);
      out_.events.push_back(std::move(base));
    }
  }

  // One event per item of messages[] / statuses[] / errors[]. Returns false when the value
  // holds no such item (it is then journaled whole).
  bool SplitMessages(const storage::EventRecord& base, const Json& value) {
    bool any = false;
    for (std::string_view kind : kItemArrays) {
      auto items = value.find(std::string(kind));
      if (items == value.end() || !items->is_array()) continue;
      for (const Json& item : *items) {
        any = true;
        storage::EventRecord e = base;
        e.value = Dump(SingleItemValue(value, kind, item));
        Identify(e, kind, item, value);
        out_.events.push_back(std::move(e));
      }
    }
    return any;
  }

  // The change's value with every item array replaced by just `item` under `kind`, keeping
  // the members' original order.
  static Json SingleItemValue(const Json& value, std::string_view kind, const Json& item) {
    Json one = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      const bool is_item_array =
          std::find(kItemArrays.begin(), kItemArrays.end(), it.key()) != kItemArrays.end();
      if (!is_item_array) {
        one[it.key()] = it.value();
      } else if (it.key() == kind) {
        one[it.key()] = Json::array({item});
      }
    }
    return one;
  }

  static void Identify(storage::EventRecord& e, std::string_view kind, const Json& item,
                       const Json& value) {
    auto id = item.is_object() ? StringMember(item, "id") : std::nullopt;
    if (kind == "messages" && id) {
      e.dedup_key = MessageDedupKey(*id);
      e.wamid = id;
      e.wa_id = StringMember(item, "from");
      return;
    }
    auto status = item.is_object() ? StringMember(item, "status") : std::nullopt;
    if (kind == "statuses" && id && status) {
      e.dedup_key = StatusDedupKey(*id, *status);
      e.wamid = id;
      e.wa_id = StringMember(item, "recipient_id");
      return;
    }
    // Value-level errors and items without an id: identified by their content.
    e.dedup_key =
        ContentDedupKey(e.waba_id, e.field, SingleItemValue(value, kind, item), e.event_time);
  }

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
  Json doc;
  try {
    doc = Json::parse(body);
  } catch (const Json::parse_error& e) {
    // nlohmann appends "; last read: '…'", a piece of the body: keep it out of the message.
    std::string what = e.what();
    what = what.substr(0, what.find("; last read"));
    out.error = "not JSON: " + what;
    return out;
  } catch (const Json::exception& e) {
    // E.g. out_of_range.406 for 1e99999, whose text quotes the number: report the id only.
    out.error = "not JSON: value out of range (json error " + std::to_string(e.id) + ")";
    return out;
  }
  Parser parser(out);
  if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      parser.Envelope(doc[i], At("", "", i));
    }
    if (doc.empty()) out.error = "empty array of envelopes";
  } else {
    parser.Envelope(doc, "envelope ");
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
