#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wj::server {

// A one-line, human summary of one event of a WABA's compliance timeline, for the audit API and UI.
// `field` is the webhook field (changes[].field), `value` the change's value as Meta sent it.
// Never throws, whatever the shape of `value` (missing members, wrong types, non-object): it then
// falls back to a generic summary such as "account_update event".
//
// Summarised fields: account_alerts, account_review_update, account_update,
// business_capability_update, message_template_quality_update, message_template_status_update,
// phone_number_name_update, phone_number_quality_update, security, template_category_update,
// and the journal's own erasure tombstones (field "erasure").
// Any other field gives "<field> event", or "<field>: <EVENT>" when the value has a string
// `event`. Only the value's own members are used; numbers may be JSON integers or strings, and
// unix-second times are shown as "2022-01-04 21:08 UTC".
//
// The result is plain text (render it as text, never as HTML), valid UTF-8, on one line, and at
// most 200 characters (code points): longer summaries end in "…". Control characters (C0, DEL,
// C1), line/paragraph separators and bidirectional embedding/override/isolate controls become
// spaces; invalid UTF-8 becomes U+FFFD.
std::string AuditSummary(std::string_view field, const nlohmann::json& value);

}  // namespace wj::server
