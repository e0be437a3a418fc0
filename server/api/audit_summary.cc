#include "server/api/audit_summary.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "server/util/utf8.h"

namespace wj::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCodePoints = 200;
// No single member can show more than kMaxCodePoints code points, and each takes at most 4 bytes
// (an invalid byte counts as one): copying more of a multi-megabyte string would only be cut off.
constexpr std::size_t kMaxMemberBytes = 4 * kMaxCodePoints + 4;
constexpr std::string_view kEllipsis = "\u2026";
constexpr std::string_view kArrow = " \u2192 ";
constexpr std::string_view kReplacement = "\uFFFD";

// The member `key` of `object`, or nullptr when `object` is not an object or has no such member.
// Plain operator[] on a const json is undefined behaviour for a missing key, and at() throws.
const json* Member(const json* object, const char* key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

std::string FormatDouble(double d) {
  // Integral doubles (an id that went through a double-only JSON library) print without ".0";
  // 2^53 is where doubles stop holding every integer.
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(d));
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
  if (result.ec != std::errc()) return "";
  return std::string(buffer, result.ptr);
}

// A string or number member as text ("" for anything else): Meta sends ids both as strings and,
// for message_template_id, as integers; a boolean, object or array is not a summary word.
std::string Text(const json* v) {
  if (v == nullptr) return "";
  switch (v->type()) {
    case json::value_t::string: {
      const std::string& s = v->get_ref<const std::string&>();
      return s.substr(0, kMaxMemberBytes);
    }
    case json::value_t::number_integer:
      return std::to_string(v->get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(v->get<std::uint64_t>());
    case json::value_t::number_float:
      return FormatDouble(v->get<double>());
    default:
      return "";
  }
}

std::string Text(const json* object, const char* key) { return Text(Member(object, key)); }

// Meta writes NONE (or null) where there is no reason; that is not worth showing.
std::string Reason(const json* object, const char* key) {
  std::string reason = Text(object, key);
  return reason == "NONE" ? "" : reason;
}

// Unix seconds from an integer, an integral-valued double or a string of digits.
std::optional<std::int64_t> UnixSeconds(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer() && !v->is_number_unsigned()) return v->get<std::int64_t>();
  if (v->is_number_unsigned()) {
    const std::uint64_t u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    std::int64_t out = 0;
    const auto result = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || result.ec != std::errc() || result.ptr != s.data() + s.size()) {
      return std::nullopt;
    }
    return out;
  }
  return std::nullopt;
}

// "2022-01-04 21:08 UTC" for unix seconds; the member's own text when it is not a time Meta
// could mean (a date string such as "April 17, 2025", or a number outside years 1..9999).
std::string Time(const json* v) {
  const std::optional<std::int64_t> seconds = UnixSeconds(v);
  constexpr std::int64_t kYear1 = -62135596800;     // 0001-01-01T00:00:00Z
  constexpr std::int64_t kYear9999 = 253402300799;  // 9999-12-31T23:59:59Z
  if (!seconds || *seconds < kYear1 || *seconds > kYear9999) return Text(v);
  const std::int64_t day = (*seconds >= 0 ? *seconds : *seconds - 86399) / 86400;
  const std::int64_t second_of_day = *seconds - day * 86400;
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(second_of_day / 3600), static_cast<int>(second_of_day / 60 % 60));
  return buffer;
}

std::string Quoted(std::string text) { return text.empty() ? "" : "\"" + text + "\""; }

// Builds "Head: part, part, part". Empty parts are skipped, so a missing member leaves no gap
// and no dangling label.
class Line {
 public:
  explicit Line(std::string_view head) : text_(head) {}

  Line& Add(std::string_view label, std::string_view part) {
    if (part.empty()) return *this;
    // Past kMaxMemberBytes bytes the line has over kMaxCodePoints code points and will be cut:
    // thousands of restriction_info entries need not all be appended.
    if (text_.size() > kMaxMemberBytes) return *this;
    text_ += parts_ == 0 ? ": " : ", ";
    text_ += label;
    text_ += part;
    ++parts_;
    return *this;
  }

  std::string Take() { return std::move(text_); }
  // The line, or "" (so the caller falls back to the generic summary) when no member was usable:
  // "Security" alone says less than "security event".
  std::string TakeIfAny() { return parts_ > 0 ? std::move(text_) : std::string(); }

 private:
  std::string text_;
  int parts_ = 0;
};

// "order_confirmation [en-US] (1689556908129832)", with whatever of the three is present.
std::string TemplateLabel(const json& value) {
  std::string label = Text(&value, "message_template_name");
  const std::string language = Text(&value, "message_template_language");
  const std::string id = Text(&value, "message_template_id");
  if (!language.empty()) label += (label.empty() ? "[" : " [") + language + "]";
  if (!id.empty()) label += label.empty() ? id : " (" + id + ")";
  return label;
}

// "A → B", "→ B" or "A →": one side may be missing from a malformed payload.
std::string Transition(const std::string& from, const std::string& to) {
  if (from.empty() && to.empty()) return "";
  std::string out = from;
  out += from.empty() ? kArrow.substr(1) : kArrow;
  if (to.empty()) out.pop_back();
  out += to;
  return out;
}

std::string AccountReviewUpdate(const json& value) {
  return Line("Account review").Add("", Text(&value, "decision")).TakeIfAny();
}

std::string AccountUpdateHead(const std::string& event, const json& value) {
  if (event == "ACCOUNT_VIOLATION") return "Account violation";
  if (event == "ACCOUNT_RESTRICTION") return "Account restricted";
  if (event == "DISABLED_UPDATE") {
    const std::string state = Text(Member(&value, "ban_info"), "waba_ban_state");
    if (state == "DISABLE") return "Account disabled";
    if (state == "REINSTATE") return "Account reinstated";
    if (state == "SCHEDULE_FOR_DISABLE") return "Account scheduled for disabling";
    return "Account ban state update";
  }
  if (event == "ACCOUNT_DELETED") return "Account deleted";
  if (event == "ACCOUNT_OFFBOARDED") return "Account offboarded";
  if (event == "ACCOUNT_RECONNECTED") return "Account reconnected";
  if (event == "PARTNER_ADDED") return "Partner added";
  if (event == "PARTNER_REMOVED") return "Partner removed";
  if (event == "PARTNER_APP_INSTALLED") return "Partner app installed";
  if (event == "PARTNER_APP_UNINSTALLED") return "Partner app uninstalled";
  if (event == "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE") {
    return "Partner client certification update";
  }
  if (event == "VOLUME_BASED_PRICING_TIER_UPDATE") return "Volume pricing tier update";
  if (event == "MM_LITE_TERMS_SIGNED") return "Marketing Messages Lite terms signed";
  if (event == "AD_ACCOUNT_LINKED") return "Ad account linked";
  if (event == "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE") {
    return "Authentication international rate eligibility update";
  }
  if (event == "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE") {
    return "Business primary location country update";
  }
  return "";
}

// Each account_update event carries its own member (violation_info, restriction_info, ban_info,
// waba_info, ...), so the details are read the same way whatever the event: an event Meta adds
// later with a known member, or a known member added to another event, is still shown.
std::string AccountUpdate(const json& value) {
  const std::string event = Text(&value, "event");
  if (event.empty()) return "";
  const std::string head = AccountUpdateHead(event, value);
  Line line(head.empty() ? "Account update" : head);
  if (head.empty()) line.Add("", event);

  line.Add("", Text(Member(&value, "violation_info"), "violation_type"));

  if (const json* restrictions = Member(&value, "restriction_info");
      restrictions != nullptr && restrictions->is_array()) {
    for (const json& restriction : *restrictions) {
      const std::string type = Text(&restriction, "restriction_type");
      const std::string until = Time(Member(&restriction, "expiration"));
      line.Add("", type + (type.empty() || until.empty() ? "" : " ") +
                       (until.empty() ? "" : "until " + until));
    }
  }

  const json* ban = Member(&value, "ban_info");
  line.Add("", Text(ban, "waba_ban_state")).Add("ban date ", Time(Member(ban, "waba_ban_date")));

  const json* tier = Member(&value, "volume_tier_info");
  line.Add("", Text(tier, "pricing_category"))
      .Add("tier ", Text(tier, "tier"))
      .Add("region ", Text(tier, "region"))
      .Add("effective ", Text(tier, "effective_month"));

  const json* eligibility = Member(&value, "auth_international_rate_eligibility");
  line.Add("from ", Time(Member(eligibility, "start_time")));
  if (const json* countries = Member(eligibility, "exception_countries");
      countries != nullptr && countries->is_array()) {
    for (const json& country : *countries) {
      const std::string code = Text(&country, "country_code");
      const std::string from = Time(Member(&country, "start_time"));
      if (!code.empty()) line.Add("", code + (from.empty() ? "" : " from " + from));
    }
  }

  line.Add("", Text(&value, "country"));

  const json* certification = Member(&value, "partner_client_certification_info");
  line.Add("", Text(certification, "status"))
      .Add("client business ", Text(certification, "client_business_id"));
  if (const json* reasons = Member(certification, "rejection_reasons");
      reasons != nullptr && reasons->is_array()) {
    for (const json& reason : *reasons) {
      const std::string text = Text(&reason);
      if (text != "NONE") line.Add("rejection reason ", text);
    }
  }

  const json* waba = Member(&value, "waba_info");
  line.Add("ad account ", Text(waba, "ad_account_linked"))
      .Add("app ", Text(waba, "partner_app_id"))
      .Add("WABA ", Text(waba, "waba_id"))
      .Add("owner business ", Text(waba, "owner_business_id"))
      .Add("solution ", Text(waba, "solution_id"));
  if (const json* partners = Member(waba, "solution_partner_business_ids");
      partners != nullptr && partners->is_array()) {
    std::string ids;
    for (const json& partner : *partners) {
      const std::string id = Text(&partner);
      if (id.empty() || ids.size() > kMaxMemberBytes) continue;
      ids += (ids.empty() ? "" : " ") + id;
    }
    line.Add("partners ", ids);
  }

  const json* disconnection = Member(&value, "disconnection_info");
  line.Add("reason ", Reason(disconnection, "reason"))
      .Add("initiated by ", Text(disconnection, "initiated_by"));
  return line.Take();
}

std::string PhoneNumberNameUpdate(const json& value) {
  return Line("Display name review")
      .Add("", Text(&value, "decision"))
      .Add("number ", Text(&value, "display_phone_number"))
      .Add("name ", Quoted(Text(&value, "requested_verified_name")))
      .Add("reason ", Reason(&value, "rejection_reason"))
      .TakeIfAny();
}

std::string PhoneNumberQualityUpdate(const json& value) {
  return Line("Messaging limit update")
      .Add("", Text(&value, "event"))
      .Add("number ", Text(&value, "display_phone_number"))
      .Add("limit ", Text(&value, "current_limit"))
      .Add("previous limit ", Text(&value, "old_limit"))
      .Add("max daily conversations ", Text(&value, "max_daily_conversations_per_business"))
      .TakeIfAny();
}

// Every scalar member is a capability (Meta adds new ones over time), shown with its name:
// "max_phone_numbers_per_waba" becomes "max phone numbers per waba".
std::string BusinessCapabilityUpdate(const json& value) {
  Line line("Business capabilities");
  if (!value.is_object()) return "";
  for (const auto& item : value.items()) {
    std::string label = item.key().substr(0, kMaxMemberBytes);
    for (char& c : label) {
      if (c == '_') c = ' ';
    }
    line.Add(label + " ", Text(&item.value()));
  }
  return line.TakeIfAny();
}

std::string Security(const json& value) {
  return Line("Security")
      .Add("", Text(&value, "event"))
      .Add("number ", Text(&value, "display_phone_number"))
      .Add("requested by ", Text(&value, "requester"))
      .TakeIfAny();
}

std::string TemplateStatusUpdate(const json& value) {
  return Line("Template status")
      .Add("", Text(&value, "event"))
      .Add("", TemplateLabel(value))
      .Add("reason ", Reason(&value, "reason"))
      .TakeIfAny();
}

std::string TemplateQualityUpdate(const json& value) {
  return Line("Template quality")
      .Add("",
           Transition(Text(&value, "previous_quality_score"), Text(&value, "new_quality_score")))
      .Add("", TemplateLabel(value))
      .TakeIfAny();
}

// Impending notices carry correct_category (the category to come) and, confusingly,
// new_category holding the current one; completed ones carry previous_category → new_category.
std::string TemplateCategoryUpdate(const json& value) {
  const std::string correct = Text(&value, "correct_category");
  const std::string when = Time(Member(&value, "category_update_timestamp"));
  if (!correct.empty() || !when.empty()) {
    return Line("Template category will change")
        .Add("", Transition(Text(&value, "new_category"), correct))
        .Add("on ", when)
        .Add("", TemplateLabel(value))
        .Take();
  }
  return Line("Template category changed")
      .Add("", Transition(Text(&value, "previous_category"), Text(&value, "new_category")))
      .Add("", TemplateLabel(value))
      .TakeIfAny();
}

// Meta's members are alert_severity/alert_type/...; the unprefixed names are accepted too.
std::string AlertText(const json* alert, const char* prefixed, const char* plain) {
  std::string text = Text(alert, prefixed);
  return text.empty() ? Text(alert, plain) : text;
}

std::string AccountAlerts(const json& value) {
  const json* alert = Member(&value, "alert_info");
  const std::string entity_type = Text(&value, "entity_type");
  const std::string entity_id = Text(&value, "entity_id");
  return Line("Account alert")
      .Add("", AlertText(alert, "alert_severity", "severity"))
      .Add("", AlertText(alert, "alert_type", "type"))
      .Add("status ", AlertText(alert, "alert_status", "status"))
      .Add(entity_id.empty() ? "" : (entity_type.empty() ? "entity " : entity_type + " "),
           entity_id.empty() ? entity_type : entity_id)
      .Add("", AlertText(alert, "alert_description", "description"))
      .TakeIfAny();
}

// The journal's own tombstone: what an erasure removed, by whom and why (never whose).
std::string Erasure(const json& value) {
  const std::string scope = Text(&value, "scope");
  const char* head = scope == "customer" ? "Customer's content erased"
                     : scope == "before" ? "Content erased by age"
                                         : "Erasure";
  auto count = [&value](const char* key, const char* one, const char* many) {
    const std::string n = Text(&value, key);
    return n.empty() ? n : n + " " + (n == "1" ? one : many);
  };
  const std::string first = Text(&value, "first_seq");
  const std::string last = Text(&value, "last_seq");
  std::string seqs;  // none when nothing was erased (first_seq 0)
  if (!first.empty() && first != "0") seqs = first == last ? first : first + "\u2013" + last;
  return Line(head)
      .Add("", count("events", "event", "events"))
      .Add("", count("deliveries", "delivery", "deliveries"))
      .Add("received before ", Text(&value, "received_before"))
      .Add(first == last ? "seq " : "seqs ", seqs)
      .Add("by ", Text(&value, "requested_by"))
      .Add("reason ", Quoted(Text(&value, "reason")))
      .TakeIfAny();
}

std::string Generic(std::string_view field, const json& value) {
  std::string name(field.substr(0, kMaxMemberBytes));
  if (name.empty()) name = "webhook";
  const std::string event = Text(&value, "event");
  return event.empty() ? name + " event" : name + ": " + event;
}

std::string Summarise(std::string_view field, const json& value) {
  if (field == "account_review_update") return AccountReviewUpdate(value);
  if (field == "account_update") return AccountUpdate(value);
  if (field == "phone_number_name_update") return PhoneNumberNameUpdate(value);
  if (field == "phone_number_quality_update") return PhoneNumberQualityUpdate(value);
  if (field == "business_capability_update") return BusinessCapabilityUpdate(value);
  if (field == "security") return Security(value);
  if (field == "message_template_status_update") return TemplateStatusUpdate(value);
  if (field == "message_template_quality_update") return TemplateQualityUpdate(value);
  if (field == "template_category_update") return TemplateCategoryUpdate(value);
  if (field == "account_alerts") return AccountAlerts(value);
  if (field == "erasure") return Erasure(value);
  return "";
}

// Characters that would break the one-line, plain-text promise: C0 controls and DEL (newline,
// tab, escape sequences for a terminal reading logs), C1 controls, the Unicode line and paragraph
// separators, and the bidirectional embedding/override/isolate controls that can make the UI show
// a summary's words in another order than they were sent.
bool IsControl(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Replaces control characters with spaces and invalid UTF-8 with U+FFFD (the API serialises the
// summary into JSON, which must be valid UTF-8), and truncates to kMaxCodePoints code points,
// the last being "…" when anything was cut.
std::string Clean(std::string_view text) {
  std::string out;
  out.reserve(text.size() < kMaxMemberBytes ? text.size() : kMaxMemberBytes);
  std::size_t count = 0;
  std::size_t cut = 0;  // size of `out` after kMaxCodePoints - 1 code points
  for (std::size_t i = 0; i < text.size();) {
    if (count == kMaxCodePoints) {
      out.resize(cut);
      out += kEllipsis;
      return out;
    }
    if (count == kMaxCodePoints - 1) cut = out.size();
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8(text, i, &cp);
    if (length == 0) {
      out += kReplacement;
      ++i;
    } else if (IsControl(cp)) {
      out += ' ';
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
    ++count;
  }
  return out;
}

}  // namespace

std::string AuditSummary(std::string_view field, const nlohmann::json& value) {
  std::string summary;
  // Every accessor above checks types before reading, so nothing should throw; this keeps the
  // contract (one odd event must not fail a whole audit page) should a json call be missed.
  try {
    summary = Summarise(field, value);
  } catch (const std::exception&) {
    summary.clear();
  }
  if (summary.empty()) summary = Generic(field, value);
  return Clean(summary);
}

}  // namespace wj::server
