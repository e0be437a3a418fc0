#include "storage/customer_data.h"

#include <algorithm>
#include <array>
#include <charconv>

#include <nlohmann/json.hpp>

namespace wj::storage {
namespace {

// From the sample deliveries of every field (server/meta/samples): none of these names a
// customer. Kept sorted for binary search.
constexpr std::array<std::string_view, 16> kAccountLevel = {
    "account_alerts",
    "account_review_update",
    "account_update",
    "business_capability_update",
    "business_status_update",
    "erasure",
    "flows",
    "message_template_components_update",
    "message_template_quality_update",
    "message_template_status_update",
    "partner_solutions",
    "payment_configuration_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "security",
    "template_category_update",
};

using Json = nlohmann::json;

const Json* Member(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const Json* FirstItem(const Json& value, const char* name) {
  const Json* items = Member(value, name);
  if (items == nullptr || !items->is_array() || items->empty()) return nullptr;
  return &(*items)[0];
}

std::optional<std::int64_t> Timestamp(const Json* item) {
  const Json* t = item != nullptr ? Member(*item, "timestamp") : nullptr;
  if (t == nullptr) return std::nullopt;
  if (t->is_number_integer()) return t->get<std::int64_t>();
  if (!t->is_string()) return std::nullopt;
  const auto& s = t->get_ref<const std::string&>();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

void AddCodes(const Json* errors, std::vector<std::int64_t>& out) {
  if (errors == nullptr || !errors->is_array()) return;
  for (const Json& e : *errors) {
    if (const Json* code = Member(e, "code"); code != nullptr && code->is_number_integer()) {
      out.push_back(code->get<std::int64_t>());
    }
  }
}

class Customers {
 public:
  explicit Customers(const Json& value) {
    if (const Json* metadata = Member(value, "metadata")) {
      if (const Json* own = Member(*metadata, "display_phone_number"); own && own->is_string()) {
        business_ = NormalizeNumber(own->get_ref<const std::string&>());
      }
    }
  }
  // Adds member `name` of every object in array `array` of `parent`.
  void FromArray(const Json& parent, const char* array, const char* name) {
    const Json* items = Member(parent, array);
    if (items == nullptr || !items->is_array()) return;
    for (const Json& item : *items) Add(Member(item, name));
  }
  void Add(const Json* number) {
    if (number == nullptr || !number->is_string()) return;
    std::string digits = NormalizeNumber(number->get_ref<const std::string&>());
    if (digits.empty() || digits == business_) return;
    if (std::find(out_.begin(), out_.end(), digits) == out_.end())
      out_.push_back(std::move(digits));
  }
  std::vector<std::string> Take() { return std::move(out_); }

 private:
  std::string business_;
  std::vector<std::string> out_;
};

}  // namespace

std::string NormalizeNumber(std::string_view number) {
  std::string digits;
  for (char c : number) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

ValueFacts DescribeValue(std::string_view field, std::string_view value) {
  ValueFacts facts;
  const Json v = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object()) return facts;
  if (const Json* message = FirstItem(v, "messages")) {
    facts.kind = "message";
    facts.item_time = Timestamp(message);
    AddCodes(Member(*message, "errors"), facts.error_codes);
  } else if (const Json* status = FirstItem(v, "statuses")) {
    facts.kind = "status";
    if (const Json* s = Member(*status, "status"); s != nullptr && s->is_string()) {
      facts.status = s->get<std::string>();
    }
    facts.item_time = Timestamp(status);
    AddCodes(Member(*status, "errors"), facts.error_codes);
  } else if (Member(v, "errors") != nullptr) {
    facts.kind = "error";
    AddCodes(Member(v, "errors"), facts.error_codes);
  } else if (const Json* echo = FirstItem(v, "message_echoes")) {
    facts.kind = "echo";
    facts.item_time = Timestamp(echo);
  } else if (const Json* call = FirstItem(v, "calls")) {
    facts.kind = "call";
    facts.item_time = Timestamp(call);
  }
  if (!CarriesCustomerData(field)) return facts;
  Customers customers(v);
  customers.FromArray(v, "contacts", "wa_id");
  customers.FromArray(v, "messages", "from");
  customers.FromArray(v, "statuses", "recipient_id");
  customers.FromArray(v, "message_echoes", "to");
  customers.FromArray(v, "calls", "from");
  customers.FromArray(v, "calls", "to");
  customers.FromArray(v, "user_preferences", "wa_id");
  if (const Json* history = Member(v, "history"); history != nullptr && history->is_array()) {
    for (const Json& chunk : *history) customers.FromArray(chunk, "threads", "id");
  }
  if (const Json* sync = Member(v, "state_sync"); sync != nullptr && sync->is_array()) {
    for (const Json& item : *sync) {
      if (const Json* contact = Member(item, "contact")) {
        customers.Add(Member(*contact, "phone_number"));
      }
    }
  }
  facts.customers = customers.Take();
  return facts;
}

std::span<const std::string_view> AccountLevelFields() { return kAccountLevel; }

bool CarriesCustomerData(std::string_view field) {
  return !std::binary_search(kAccountLevel.begin(), kAccountLevel.end(), field);
}

}  // namespace wj::storage
