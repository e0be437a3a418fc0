#include "server/reconciler/subscription_state.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using storage::SubscriptionState;

// A usage counter (percent) at or above this pauses calls.
constexpr double kPauseThresholdPercent = 90.0;
// estimated_time_to_regain_access above this is capped (a garbage header must not pause
// calls for years, nor overflow the caller's arithmetic).
constexpr double kMaxRegainMinutes = 7.0 * 24 * 60;
constexpr std::size_t kMaxMessageBytes = 300;

bool IsThrottleCode(std::int64_t code) {
  return code == 4 || code == 17 || code == 32 || code == 613 || code == 80008;
}

bool IsAppWideCode(std::int64_t code) {
  return code == 4 || code == 17 || code == 32 || code == 613;
}

std::string_view Trim(std::string_view text) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

Json ParseJson(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

// A finite number, given as a JSON number or as a string holding one.
std::optional<double> AsNumber(const Json& value) {
  double number = 0;
  if (value.is_number()) {
    number = value.get<double>();
  } else if (value.is_string()) {
    const std::string_view text = Trim(value.get_ref<const std::string&>());
    if (text.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

// An integer, given as a JSON integer, an integral float or a string holding one.
std::optional<std::int64_t> AsInt64(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (value.is_string()) {
    const std::string_view text = Trim(value.get_ref<const std::string&>());
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) return number;
  }
  // Floats: only integral values well inside the int64 range.
  const std::optional<double> number = value.is_number_float() ? AsNumber(value) : std::nullopt;
  if (number && std::trunc(*number) == *number && std::fabs(*number) < 9.0e18) {
    return static_cast<std::int64_t>(*number);
  }
  return std::nullopt;
}

// A string member, or an integer one written as text (ids sometimes come as numbers).
std::optional<std::string> MemberText(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

// Cuts `text` to at most kMaxMessageBytes on a UTF-8 boundary, turns control characters into
// spaces and blanks any access_token value (defensive: answers should never carry one).
std::string ShortMessage(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
  }
  constexpr std::string_view kToken = "access_token=";
  for (std::size_t at = out.find(kToken); at != std::string::npos;
       at = out.find(kToken, at + kToken.size())) {
    const std::size_t value_at = at + kToken.size();
    std::size_t end = value_at;
    while (end < out.size() && out[end] != '&' && out[end] != ' ' && out[end] != '"' &&
           out[end] != '\'') {
      ++end;
    }
    out.replace(value_at, end - value_at, "<redacted>");
  }
  if (out.size() <= kMaxMessageBytes) return out;
  constexpr std::string_view kEllipsis = "...";
  std::size_t cut = kMaxMessageBytes - kEllipsis.size();
  // Do not split a UTF-8 sequence: back up to the start of the sequence at `cut`.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  out += kEllipsis;
  return out;
}

// Largest usage counter of an {"call_count","total_cputime","total_time"} object, if any.
std::optional<double> MaxCounter(const Json& counters) {
  std::optional<double> max;
  if (!counters.is_object()) return max;
  for (const char* name : {"call_count", "total_cputime", "total_time"}) {
    const auto it = counters.find(name);
    if (it == counters.end()) continue;
    const std::optional<double> value = AsNumber(*it);
    if (value && (!max || *value > *max)) max = value;
  }
  return max;
}

// Reads X-Business-Use-Case-Usage: {"<object id>":[{counters…,
// "estimated_time_to_regain_access"}]}. A malformed header is ignored; so is any entry that
// is not an object (a lone object instead of an array is tolerated).
void ReadBusinessUsage(const std::string& header, Throttle& throttle) {
  const Json usage = ParseJson(header);
  if (!usage.is_object()) return;
  std::optional<double> regain;
  for (const auto& [object_id, value] : usage.items()) {
    (void)object_id;
    const auto read_entry = [&](const Json& entry) {
      if (!entry.is_object()) return;
      const std::optional<double> max = MaxCounter(entry);
      if (max && *max >= kPauseThresholdPercent) throttle.pause = true;
      const auto it = entry.find("estimated_time_to_regain_access");
      if (it == entry.end()) return;
      const std::optional<double> minutes = AsNumber(*it);
      if (minutes && (!regain || *minutes > *regain)) regain = minutes;
    };
    if (value.is_array()) {
      for (const Json& entry : value) read_entry(entry);
    } else {
      read_entry(value);
    }
  }
  // A zero (or negative) estimate says nothing useful: back off exponentially instead.
  if (regain && *regain > 0) {
    const double minutes = std::min(std::ceil(*regain), kMaxRegainMinutes);
    throttle.regain_after_minutes = static_cast<std::int64_t>(minutes);
  }
}

// Reads X-App-Usage: {"call_count","total_time","total_cputime"}; >= 90 pauses every WABA.
void ReadAppUsage(const std::string& header, Throttle& throttle) {
  const std::optional<double> max = MaxCounter(ParseJson(header));
  if (max && *max >= kPauseThresholdPercent) {
    throttle.pause = true;
    throttle.app_wide = true;
  }
}

struct GraphError {
  std::optional<std::int64_t> code;
  std::optional<std::string> message;
};

// The Graph error of {"error":{"code","message",…}}, if the body is one.
std::optional<GraphError> ReadGraphError(const Json& body) {
  if (!body.is_object()) return std::nullopt;
  const auto it = body.find("error");
  if (it == body.end() || !it->is_object()) return std::nullopt;
  GraphError error;
  if (const auto code = it->find("code"); code != it->end()) error.code = AsInt64(*code);
  if (auto message = MemberText(*it, "message"); message && !Trim(*message).empty()) {
    error.message = ShortMessage(Trim(*message));
  }
  return error;
}

// Fills state, our_app_present, apps_json and override_callback_uri from the `data` array.
void DeriveFromData(const Json& data, const std::string& app_id,
                    storage::SubscriptionCheck& check) {
  OrderedJson apps = OrderedJson::array();
  bool ours_found = false;
  std::optional<std::string> override_uri;
  for (const Json& entry : data) {
    // The app is described in whatsapp_business_api_data; tolerate an entry carrying the
    // members itself.
    const Json* app = &entry;
    if (entry.is_object()) {
      const auto it = entry.find("whatsapp_business_api_data");
      if (it != entry.end() && it->is_object()) app = &*it;
    }
    const std::optional<std::string> id = MemberText(*app, "id");
    const std::optional<std::string> name = MemberText(*app, "name");
    const std::optional<std::string> link = MemberText(*app, "link");
    std::optional<std::string> entry_override = MemberText(entry, "override_callback_uri");
    if (entry_override && entry_override->empty()) entry_override.reset();

    OrderedJson listed = OrderedJson::object();
    listed["id"] = id ? OrderedJson(*id) : OrderedJson(nullptr);
    listed["name"] = name ? OrderedJson(*name) : OrderedJson(nullptr);
    listed["link"] = link ? OrderedJson(*link) : OrderedJson(nullptr);
    listed["override_callback_uri"] =
        entry_override ? OrderedJson(*entry_override) : OrderedJson(nullptr);
    apps.push_back(std::move(listed));

    const bool ours = app_id.empty() || (id && *id == app_id);
    if (!ours) continue;
    ours_found = true;
    // Several entries of ours (only when app_id is empty): any override is reported.
    if (entry_override && !override_uri) override_uri = std::move(entry_override);
  }
  check.our_app_present = ours_found;
  check.apps_json = apps.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  check.override_callback_uri = override_uri;
  if (!ours_found) {
    check.state = SubscriptionState::kMissing;
  } else if (override_uri) {
    check.state = SubscriptionState::kOverridden;
  } else {
    check.state = SubscriptionState::kSubscribed;
  }
}

void SetError(Interpretation& out, const std::optional<GraphError>& graph_error,
              std::string fallback_message) {
  out.check.state = SubscriptionState::kError;
  if (graph_error) out.check.error_code = graph_error->code;
  out.check.error_message =
      graph_error && graph_error->message ? *graph_error->message : ShortMessage(fallback_message);
}

}  // namespace

Interpretation InterpretSubscribedApps(const std::string& waba_id, const std::string& app_id,
                                       std::string_view action, const GraphAnswer& answer,
                                       std::int64_t now_ms) {
  Interpretation out;
  storage::SubscriptionCheck& check = out.check;
  check.waba_id = waba_id;
  check.checked_at_ms = now_ms;
  check.action = std::string(action);
  check.http_status = answer.http_status;
  check.usage = answer.usage;
  check.state = SubscriptionState::kError;

  if (!answer.http_status) {
    check.error_message =
        ShortMessage(answer.transport_error.empty() ? "no HTTP answer" : answer.transport_error);
    out.retry_soon = true;
    return out;
  }
  const int status = *answer.http_status;
  const bool success = status >= 200 && status < 300;
  const std::string http_message = "HTTP " + std::to_string(status);

  const Json body = ParseJson(answer.body);
  const std::optional<GraphError> graph_error = ReadGraphError(body);

  if (answer.usage) ReadBusinessUsage(*answer.usage, out.throttle);
  if (answer.app_usage) ReadAppUsage(*answer.app_usage, out.throttle);
  if (graph_error && graph_error->code && IsThrottleCode(*graph_error->code)) {
    out.throttle.pause = true;
    if (IsAppWideCode(*graph_error->code)) out.throttle.app_wide = true;
  }

  // A successful resubscribe (POST) answers {"success":true}.
  if (success && action == "resubscribe" && body.is_object()) {
    const auto it = body.find("success");
    if (it != body.end() && it->is_boolean() && it->get<bool>()) {
      check.state = SubscriptionState::kSubscribed;
      check.our_app_present = true;
      return out;
    }
  }

  // A readable list: its derived state stands even when the throttle says pause.
  if (success && body.is_object()) {
    const auto it = body.find("data");
    if (it != body.end() && it->is_array()) {
      DeriveFromData(*it, app_id, check);
      return out;
    }
  }

  if (out.throttle.pause) {
    SetError(out, graph_error, http_message);
    check.state = SubscriptionState::kRateLimited;
    return out;
  }

  if (success) {
    // A 2xx that is not the expected JSON.
    if (graph_error) {
      SetError(out, graph_error, http_message);
      return out;
    }
    if (body.is_discarded()) {
      SetError(out, std::nullopt, answer.body.empty() ? "empty answer" : "answer is not JSON");
      out.retry_soon = true;
      return out;
    }
    if (action == "resubscribe" && body.is_object()) {
      const auto it = body.find("success");
      if (it != body.end()) {
        // Name the value without dumping it (an arbitrarily deep value must not recurse).
        SetError(out, std::nullopt,
                 std::string("resubscribe answered success ") +
                     (it->is_boolean() ? "false" : it->type_name()));
        return out;
      }
    }
    SetError(out, std::nullopt,
             action == "resubscribe" ? R"(answer is not {"success":true})"
                                     : R"(answer has no "data" array)");
    out.retry_soon = true;
    return out;
  }

  SetError(out, graph_error, http_message);
  if (status >= 500) out.retry_soon = true;
  return out;
}

}  // namespace wj::server
