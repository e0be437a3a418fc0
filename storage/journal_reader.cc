#include "storage/journal_reader.h"

#include <array>

namespace wj::storage {
namespace {

constexpr std::array<std::string_view, 11> kAuditFields = {
    "account_alerts",
    "account_review_update",
    "account_update",
    "business_capability_update",
    "erasure",
    "message_template_quality_update",
    "message_template_status_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "security",
    "template_category_update",
};

}  // namespace

std::span<const std::string_view> AuditFields() { return kAuditFields; }

std::string_view ToString(ErasureScope scope) {
  return scope == ErasureScope::kCustomer ? "customer" : "before";
}

}  // namespace wj::storage
