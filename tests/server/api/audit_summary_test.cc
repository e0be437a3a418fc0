#include "server/api/audit_summary.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wj::server {
namespace {

using nlohmann::json;

// The values below are entry[0].changes[0].value of the payloads in /work/shared/payloads (file
// named in each test), copied so the tests do not depend on that directory.

constexpr std::string_view kEllipsis = "\u2026";

::testing::AssertionResult HasAll(const std::string& summary,
                                  std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (summary.find(word) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "\"" << word << "\" missing from \"" << summary << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasNone(const std::string& summary,
                                   std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (summary.find(word) != std::string::npos) {
      return ::testing::AssertionFailure() << "\"" << word << "\" found in \"" << summary << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// One line, no control byte, valid UTF-8 (serialising it as JSON throws otherwise).
::testing::AssertionResult IsCleanLine(const std::string& summary) {
  for (char c : summary) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return ::testing::AssertionFailure() << "control byte " << int{byte} << " in " << summary;
    }
  }
  try {
    (void)json(summary).dump();
  } catch (const json::exception& e) {
    return ::testing::AssertionFailure() << "not valid UTF-8: " << e.what();
  }
  if (CodePoints(summary) > 200) {
    return ::testing::AssertionFailure() << CodePoints(summary) << " code points";
  }
  return ::testing::AssertionSuccess();
}

std::string Summary(std::string_view field, std::string_view value_json) {
  const std::string summary = AuditSummary(field, json::parse(value_json));
  EXPECT_TRUE(IsCleanLine(summary));
  return summary;
}

// account_review_update__approved.json
TEST(AuditSummaryTest, SummarisesApprovedAccountReview) {
  EXPECT_EQ(Summary("account_review_update", R"({"decision":"APPROVED"})"),
            "Account review: APPROVED");
}

TEST(AuditSummaryTest, SummarisesRejectedAccountReview) {
  EXPECT_EQ(Summary("account_review_update", R"({"decision":"REJECTED"})"),
            "Account review: REJECTED");
}

// account_update__account_violation.json
TEST(AuditSummaryTest, SummarisesAccountViolationWithType) {
  EXPECT_EQ(Summary("account_update",
                    R"({"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ADULT"}})"),
            "Account violation: ADULT");
}

// account_update__account_restriction.json
TEST(AuditSummaryTest, SummarisesAccountRestrictionsWithUtcExpiry) {
  EXPECT_EQ(Summary("account_update", R"({"event":"ACCOUNT_RESTRICTION","restriction_info":[
                {"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1641330498},
                {"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":1641330498}]})"),
            "Account restricted: RESTRICTED_BIZ_INITIATED_MESSAGING until 2022-01-04 21:08 UTC, "
            "RESTRICTED_ADD_PHONE_NUMBER_ACTION until 2022-01-04 21:08 UTC");
}

TEST(AuditSummaryTest, ReadsRestrictionExpiryGivenAsString) {
  EXPECT_TRUE(
      HasAll(Summary("account_update", R"({"event":"ACCOUNT_RESTRICTION","restriction_info":[
                {"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":"0"}]})"),
             {"RESTRICTED_BIZ_INITIATED_MESSAGING until 1970-01-01 00:00 UTC"}));
}

TEST(AuditSummaryTest, SkipsMalformedRestrictionEntries) {
  EXPECT_EQ(Summary("account_update", R"({"event":"ACCOUNT_RESTRICTION","restriction_info":[
                null, 7, "x", [], {"restriction_type":["no"],"expiration":{}},
                {"restriction_type":"RESTRICTED_CUSTOMER_INITIATED_MESSAGING"}]})"),
            "Account restricted: RESTRICTED_CUSTOMER_INITIATED_MESSAGING");
}

// account_update__disabled_update_reinstate.json
TEST(AuditSummaryTest, SummarisesReinstatedAccount) {
  EXPECT_EQ(Summary("account_update", R"({"event":"DISABLED_UPDATE",
                "ban_info":{"waba_ban_state":"REINSTATE","waba_ban_date":"April 17, 2025"}})"),
            "Account reinstated: REINSTATE, ban date April 17, 2025");
}

TEST(AuditSummaryTest, SummarisesDisabledAccount) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"DISABLED_UPDATE",
                "ban_info":{"waba_ban_state":"DISABLE","waba_ban_date":"April 17, 2025"}})"),
                     {"Account disabled", "DISABLE", "April 17, 2025"}));
}

// account_update__account_deleted.json, __account_offboarded.json, __account_reconnected.json
TEST(AuditSummaryTest, SummarisesAccountLifecycleEvents) {
  EXPECT_EQ(Summary("account_update", R"({"event":"ACCOUNT_DELETED"})"), "Account deleted");
  EXPECT_EQ(Summary("account_update", R"({"event":"ACCOUNT_OFFBOARDED"})"), "Account offboarded");
  EXPECT_EQ(Summary("account_update", R"({"event":"ACCOUNT_RECONNECTED"})"), "Account reconnected");
}

// account_update__partner_added.json
TEST(AuditSummaryTest, SummarisesPartnerAddedWithWabaAndPartners) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"PARTNER_ADDED","waba_info":{
                "waba_id":"980198427658004","owner_business_id":"2329417887457253",
                "solution_id":"1715120619246906",
                "solution_partner_business_ids":["2949482758682047","520744086200222"]}})"),
                     {"Partner added", "WABA 980198427658004", "solution 1715120619246906",
                      "partners 2949482758682047 520744086200222"}));
}

// account_update__partner_app_installed.json, __partner_app_uninstalled.json
TEST(AuditSummaryTest, SummarisesPartnerAppInstalledAndUninstalled) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"PARTNER_APP_INSTALLED","waba_info":{
                "waba_id":"1191624265890717","owner_business_id":"2329417887457253",
                "partner_app_id":"5731794616896507","solution_id":"1715120619246906"}})"),
                     {"Partner app installed", "app 5731794616896507", "WABA 1191624265890717"}));
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"PARTNER_APP_UNINSTALLED","waba_info":{
                "waba_id":"184943124712545","owner_business_id":"1284923862322270",
                "partner_app_id":"869361281603019"}})"),
                     {"Partner app uninstalled", "app 869361281603019", "WABA 184943124712545"}));
}

// account_update__partner_removed_disconnection.json
TEST(AuditSummaryTest, SummarisesPartnerRemovedWithDisconnectionReason) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"PARTNER_REMOVED",
                "waba_info":{"waba_id":"980198427658004","owner_business_id":"2329417887457253"},
                "disconnection_info":{"reason":"PRIMARY_INACTIVITY","initiated_by":"SYSTEM"}})"),
                     {"Partner removed", "WABA 980198427658004", "reason PRIMARY_INACTIVITY",
                      "initiated by SYSTEM"}));
}

// account_update__partner_client_certification_approved.json
TEST(AuditSummaryTest, SummarisesPartnerClientCertification) {
  const std::string summary =
      Summary("account_update", R"({"event":"PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE",
                "partner_client_certification_info":{"client_business_id":"2729063490586005",
                "status":"APPROVED","rejection_reasons":["NONE"]}})");
  EXPECT_TRUE(HasAll(summary, {"certification", "APPROVED", "client business 2729063490586005"}));
  EXPECT_TRUE(HasNone(summary, {"NONE", "rejection"}));
  EXPECT_TRUE(
      HasAll(Summary("account_update", R"({"event":"PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE",
                "partner_client_certification_info":{"status":"REJECTED",
                "rejection_reasons":["LEGAL_NAME_NOT_MATCHING"]}})"),
             {"REJECTED", "rejection reason LEGAL_NAME_NOT_MATCHING"}));
}

// account_update__volume_pricing_tier_update.json
TEST(AuditSummaryTest, SummarisesVolumePricingTierUpdate) {
  EXPECT_TRUE(
      HasAll(Summary("account_update", R"({"volume_tier_info":{"tier_update_time":1743451903,
                "pricing_category":"UTILITY","tier":"25000001:50000000","effective_month":"2025-11",
                "region":"INDIA"},"event":"VOLUME_BASED_PRICING_TIER_UPDATE"})"),
             {"pricing tier", "UTILITY", "tier 25000001:50000000", "INDIA", "2025-11"}));
}

// account_update__mm_lite_terms_signed.json
TEST(AuditSummaryTest, SummarisesMmLiteTermsSigned) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"MM_LITE_TERMS_SIGNED","waba_info":{
                "owner_business_id":"2329417887457253","waba_id":"980198427658004"}})"),
                     {"Marketing Messages Lite terms signed", "WABA 980198427658004"}));
}

// account_update__ad_account_linked.json
TEST(AuditSummaryTest, SummarisesAdAccountLinked) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"AD_ACCOUNT_LINKED","waba_info":{
                "owner_business_id":"2329417887457253","ad_account_linked":"980198427534243",
                "waba_id":"980198427658004"}})"),
                     {"Ad account linked", "ad account 980198427534243", "WABA 980198427658004"}));
}

// account_update__auth_intl_price_eligibility.json
TEST(AuditSummaryTest, SummarisesAuthInternationalPriceEligibility) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"auth_international_rate_eligibility":{
                "exception_countries":[{"country_code":"ID","start_time":1751347424}],
                "start_time":1748780624},"event":"AUTH_INTL_PRICE_ELIGIBILITY_UPDATE"})"),
                     {"Authentication international rate eligibility", "from 2025-06-01 12:23 UTC",
                      "ID from 2025-07-01 05:23 UTC"}));
}

// account_update__primary_location_country.json
TEST(AuditSummaryTest, SummarisesPrimaryLocationCountryUpdate) {
  EXPECT_EQ(Summary("account_update",
                    R"({"country":"IN","event":"BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE"})"),
            "Business primary location country update: IN");
}

TEST(AuditSummaryTest, NamesUnknownAccountUpdateEvent) {
  EXPECT_EQ(Summary("account_update", R"({"event":"SOME_EVENT"})"), "Account update: SOME_EVENT");
}

TEST(AuditSummaryTest, FallsBackForAccountUpdateWithoutEvent) {
  EXPECT_EQ(Summary("account_update", R"({"violation_info":{"violation_type":"ADULT"}})"),
            "account_update event");
  EXPECT_EQ(Summary("account_update", R"({"event":null})"), "account_update event");
}

// phone_number_name_update__approved.json
TEST(AuditSummaryTest, SummarisesApprovedDisplayName) {
  const std::string summary =
      Summary("phone_number_name_update", R"({"display_phone_number":"15550783881",
                "decision":"APPROVED","requested_verified_name":"Lucky Shrub",
                "rejection_reason":null})");
  EXPECT_EQ(summary, "Display name review: APPROVED, number 15550783881, name \"Lucky Shrub\"");
}

TEST(AuditSummaryTest, SummarisesRejectedDisplayNameWithReason) {
  EXPECT_TRUE(HasAll(Summary("phone_number_name_update", R"({"display_phone_number":"15550783881",
                "decision":"REJECTED","requested_verified_name":"Lucky Shrub",
                "rejection_reason":"NAME_FORMAT_UNACCEPTABLE"})"),
                     {"REJECTED", "15550783881", "Lucky Shrub", "NAME_FORMAT_UNACCEPTABLE"}));
}

// phone_number_quality_update__throughput_upgrade.json
TEST(AuditSummaryTest, SummarisesThroughputUpgrade) {
  EXPECT_EQ(Summary("phone_number_quality_update", R"({"display_phone_number":"15550783881",
                "event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"})"),
            "Messaging limit update: THROUGHPUT_UPGRADE, number 15550783881, limit TIER_UNLIMITED");
}

TEST(AuditSummaryTest, SummarisesMessagingLimitAsMaxDailyConversations) {
  EXPECT_TRUE(
      HasAll(Summary("phone_number_quality_update", R"({"display_phone_number":"15550783881",
                "event":"ONBOARDING","max_daily_conversations_per_business":2000})"),
             {"ONBOARDING", "15550783881", "max daily conversations 2000"}));
}

// business_capability_update__limits.json
TEST(AuditSummaryTest, SummarisesBusinessCapabilities) {
  EXPECT_EQ(Summary("business_capability_update",
                    R"({"max_daily_conversations_per_business":2000,
                        "max_phone_numbers_per_waba":25})"),
            "Business capabilities: max daily conversations per business 2000, "
            "max phone numbers per waba 25");
}

TEST(AuditSummaryTest, SummarisesBusinessCapabilitiesGivenAsStrings) {
  EXPECT_TRUE(HasAll(
      Summary("business_capability_update",
              R"({"max_daily_conversations_per_business":"TIER_10K",
                                 "max_phone_numbers_per_business":"50","nested":{"x":1}})"),
      {"max daily conversations per business TIER_10K", "max phone numbers per business 50"}));
}

// security__pin_reset_request.json
TEST(AuditSummaryTest, SummarisesPinResetRequest) {
  EXPECT_EQ(Summary("security", R"({"display_phone_number":"15550783881",
                "event":"PIN_RESET_REQUEST","requester":"61555822107539"})"),
            "Security: PIN_RESET_REQUEST, number 15550783881, requested by 61555822107539");
}

// An erasure's tombstone, as the journal writes it (no sample from Meta: the journal's own).
TEST(AuditSummaryTest, SummarisesAnErasureTombstoneWithoutNamingTheCustomer) {
  EXPECT_EQ(Summary("erasure", R"({"erasure_id":4,"scope":"customer","reason":"GDPR request 118",
                "requested_by":"dpo","requested_at":"2026-11-24T10:15:30.123Z",
                "erased_at":"2026-11-24T10:15:30.200Z","events":3,"deliveries":1,
                "first_seq":2,"last_seq":6,"root":"ab12"})"),
            "Customer's content erased: 3 events, 1 delivery, seqs 2\u20136, by dpo, reason "
            "\"GDPR request 118\"");
  EXPECT_EQ(Summary("erasure", R"({"erasure_id":5,"scope":"before","reason":"retention 30d",
                "requested_by":"retention","received_before":"2026-10-25T00:00:00.000Z",
                "events":0,"deliveries":0,"first_seq":0,"last_seq":0,"root":"00"})"),
            "Content erased by age: 0 events, 0 deliveries, received before "
            "2026-10-25T00:00:00.000Z, by retention, reason \"retention 30d\"");
  EXPECT_EQ(Summary("erasure", "{}"), "erasure event");
}

// message_template_status_update__approved.json
TEST(AuditSummaryTest, SummarisesApprovedTemplateWithoutNoneReason) {
  const std::string summary = Summary("message_template_status_update", R"({"event":"APPROVED",
                "message_template_id":1689556908129832,"message_template_name":"order_confirmation",
                "message_template_language":"en-US","reason":"NONE",
                "message_template_category":"UTILITY"})");
  EXPECT_EQ(summary, "Template status: APPROVED, order_confirmation [en-US] (1689556908129832)");
}

// message_template_status_update__rejected_invalid_format.json
TEST(AuditSummaryTest, SummarisesRejectedTemplateWithReason) {
  EXPECT_TRUE(HasAll(Summary("message_template_status_update", R"({"event":"REJECTED",
                "message_template_id":1689556908129835,"message_template_name":"abandoned_cart",
                "message_template_language":"en","reason":"INVALID_FORMAT",
                "message_template_category":"MARKETING","rejection_info":{"reason":"x"}})"),
                     {"REJECTED", "abandoned_cart", "1689556908129835", "reason INVALID_FORMAT"}));
}

TEST(AuditSummaryTest, ShowsTemplateIdGivenAsIntegerStringOrDouble) {
  for (const char* id : {"1689556908129832", "\"1689556908129832\"", "1689556908129832.0"}) {
    const std::string value = std::string(R"({"event":"PAUSED","message_template_id":)") + id + "}";
    EXPECT_EQ(Summary("message_template_status_update", value),
              "Template status: PAUSED, 1689556908129832")
        << value;
  }
}

// message_template_quality_update__green_to_yellow.json
TEST(AuditSummaryTest, SummarisesTemplateQualityChange) {
  EXPECT_EQ(Summary("message_template_quality_update", R"({"previous_quality_score":"GREEN",
                "new_quality_score":"YELLOW","message_template_id":806312974732579,
                "message_template_name":"welcome_template","message_template_language":"en-US"})"),
            "Template quality: GREEN \u2192 YELLOW, welcome_template [en-US] (806312974732579)");
}

TEST(AuditSummaryTest, SummarisesTemplateQualityWithOnlyNewScore) {
  EXPECT_EQ(Summary("message_template_quality_update",
                    R"({"new_quality_score":"RED","message_template_name":"promo"})"),
            "Template quality: \u2192 RED, promo");
}

// template_category_update__impending.json
TEST(AuditSummaryTest, SummarisesImpendingTemplateCategoryChange) {
  EXPECT_EQ(Summary("template_category_update", R"({"message_template_id":278077987957091,
                "message_template_name":"welcome_template","message_template_language":"en-US",
                "new_category":"UTILITY","correct_category":"MARKETING",
                "category_update_timestamp":1746169200})"),
            "Template category will change: UTILITY \u2192 MARKETING, on 2025-05-02 07:00 UTC, "
            "welcome_template [en-US] (278077987957091)");
}

// template_category_update__completed.json
TEST(AuditSummaryTest, SummarisesCompletedTemplateCategoryChange) {
  EXPECT_EQ(Summary("template_category_update", R"({"message_template_id":278077987957091,
                "message_template_name":"welcome_template","message_template_language":"en-US",
                "previous_category":"UTILITY","new_category":"MARKETING"})"),
            "Template category changed: UTILITY \u2192 MARKETING, "
            "welcome_template [en-US] (278077987957091)");
}

// account_alerts__capabilities_deferred.json
TEST(AuditSummaryTest, SummarisesAccountAlert) {
  EXPECT_TRUE(HasAll(Summary("account_alerts", R"({"entity_type":"BUSINESS",
                "entity_id":"506914307656634","alert_info":{"alert_severity":"WARNING",
                "alert_status":"ACTIVE","alert_type":"INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED",
                "alert_description":"Limits cannot be increased for your business."}})"),
                     {"Account alert", "WARNING", "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED",
                      "status ACTIVE", "BUSINESS 506914307656634", "Limits cannot be increased"}));
}

TEST(AuditSummaryTest, ReadsUnprefixedAlertMembers) {
  EXPECT_TRUE(HasAll(Summary("account_alerts", R"({"alert_info":{"severity":"CRITICAL",
                "type":"OBA_REJECTED","status":"ACTIVE","description":"Rejected."}})"),
                     {"CRITICAL", "OBA_REJECTED", "status ACTIVE", "Rejected."}));
}

TEST(AuditSummaryTest, GivesGenericSummaryForOtherFields) {
  EXPECT_EQ(Summary("flows", R"({"event":"FLOW_STATUS_CHANGE","flow_id":"1"})"),
            "flows: FLOW_STATUS_CHANGE");
  EXPECT_EQ(Summary("messages", R"({"messaging_product":"whatsapp"})"), "messages event");
  EXPECT_EQ(Summary("", "{}"), "webhook event");
}

TEST(AuditSummaryTest, FallsBackForNonObjectValues) {
  const char* const kFields[] = {"account_alerts",
                                 "account_review_update",
                                 "account_update",
                                 "business_capability_update",
                                 "message_template_quality_update",
                                 "message_template_status_update",
                                 "phone_number_name_update",
                                 "phone_number_quality_update",
                                 "security",
                                 "template_category_update",
                                 "flows"};
  for (const char* field : kFields) {
    for (const char* value : {R"([{"event":"X","decision":"APPROVED"}])", R"("APPROVED")", "null",
                              "42", "-1.5", "true", "{}", "[]"}) {
      std::string summary;
      EXPECT_NO_THROW(summary = AuditSummary(field, json::parse(value)));
      EXPECT_EQ(summary, std::string(field) + " event") << field << " " << value;
    }
  }
}

TEST(AuditSummaryTest, FallsBackForWrongMemberTypes) {
  const std::string value = R"({"decision":["APPROVED"],"event":{"x":1},"display_phone_number":true,
      "requester":null,"restriction_info":{"restriction_type":"X"},"ban_info":"DISABLE",
      "waba_info":[1,2],"message_template_name":{},"message_template_id":[],
      "previous_quality_score":false,"new_quality_score":[],"alert_info":"WARNING",
      "entity_id":{},"correct_category":7.5e300,"category_update_timestamp":"soon"})";
  for (const char* field :
       {"account_review_update", "account_update", "phone_number_name_update", "security",
        "message_template_status_update", "message_template_quality_update", "account_alerts"}) {
    EXPECT_EQ(Summary(field, value), std::string(field) + " event");
  }
  // A wrong-typed timestamp is shown as given rather than dropped or converted.
  EXPECT_TRUE(HasAll(Summary("template_category_update", value), {"on soon"}));
}

TEST(AuditSummaryTest, ShowsOutOfRangeTimesAsGiven) {
  const std::string max = std::to_string(std::numeric_limits<std::uint64_t>::max());
  for (const std::string& expiration : {max, std::string("-9223372036854775808"),
                                        std::string("1e300"), std::string("253402300800")}) {
    const std::string summary =
        Summary("account_update",
                R"({"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"R",)"
                R"("expiration":)" +
                    expiration + "}]}");
    EXPECT_TRUE(HasAll(summary, {"R until "})) << summary;
    EXPECT_TRUE(HasNone(summary, {"UTC"})) << summary;
  }
}

TEST(AuditSummaryTest, ShowsTimesBefore1970) {
  EXPECT_TRUE(HasAll(Summary("account_update", R"({"event":"ACCOUNT_RESTRICTION",
                "restriction_info":[{"restriction_type":"R","expiration":-1}]})"),
                     {"R until 1969-12-31 23:59 UTC"}));
}

TEST(AuditSummaryTest, TruncatesHugeStrings) {
  const std::string huge(1'000'000, 'x');
  const std::string summary =
      AuditSummary("account_review_update", json{{"decision", "REJECTED " + huge}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_EQ(CodePoints(summary), 200u);
  EXPECT_EQ(summary.substr(0, 25), "Account review: REJECTED ");
  EXPECT_EQ(summary.substr(summary.size() - kEllipsis.size()), kEllipsis);

  EXPECT_TRUE(IsCleanLine(AuditSummary(huge, json::object())));
  EXPECT_TRUE(IsCleanLine(AuditSummary("business_capability_update", json{{huge, huge}})));
}

TEST(AuditSummaryTest, TruncatesOnlyBeyondTwoHundredCodePoints) {
  const std::string head = "Account review: ";  // 16 code points
  const std::string fits(200 - head.size(), 'a');
  EXPECT_EQ(AuditSummary("account_review_update", json{{"decision", fits}}), head + fits);

  const std::string one_more = fits + "b";
  const std::string cut = AuditSummary("account_review_update", json{{"decision", one_more}});
  EXPECT_EQ(cut, head + fits.substr(1) + std::string(kEllipsis));
  EXPECT_EQ(CodePoints(cut), 200u);
}

TEST(AuditSummaryTest, TruncatesMultibyteTextOnCodePointBoundary) {
  std::string name;
  for (int i = 0; i < 500; ++i) name += "\u00e9\U0001F600";  // 2- and 4-byte sequences
  const std::string summary =
      AuditSummary("security", json{{"event", "PIN_RESET_REQUEST"}, {"requester", name}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_EQ(CodePoints(summary), 200u);
  EXPECT_EQ(summary.substr(summary.size() - kEllipsis.size()), kEllipsis);
}

TEST(AuditSummaryTest, KeepsLaterMembersAfterLongMultibyteText) {
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\U0001F600";  // 400 bytes, 100 code points
  const std::string summary = AuditSummary("phone_number_name_update",
                                           json{{"decision", "REJECTED"},
                                                {"requested_verified_name", name},
                                                {"rejection_reason", "NAME_FORMAT_UNACCEPTABLE"}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_TRUE(HasAll(summary, {name, "reason NAME_FORMAT_UNACCEPTABLE"}));
  EXPECT_TRUE(HasNone(summary, {kEllipsis}));
}

TEST(AuditSummaryTest, TruncatesManyArrayEntries) {
  json restrictions = json::array();
  for (int i = 0; i < 10'000; ++i) {
    restrictions.push_back({{"restriction_type", "RESTRICTED_BIZ_INITIATED_MESSAGING"}});
  }
  const std::string summary = AuditSummary(
      "account_update", json{{"event", "ACCOUNT_RESTRICTION"}, {"restriction_info", restrictions}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_EQ(CodePoints(summary), 200u);
}

TEST(AuditSummaryTest, ReplacesControlCharactersWithSpaces) {
  const std::string name =
      std::string("Lucky\nShrub\r\t\x1b[31m\x7f") + '\0' + "\u0085x\u2028y\u2029z\u202Eevil\u2066";
  const std::string summary =
      AuditSummary("phone_number_name_update",
                   json{{"decision", "APPROVED"}, {"requested_verified_name", name}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_EQ(summary, "Display name review: APPROVED, name \"Lucky Shrub   [31m   x y z evil \"");
}

TEST(AuditSummaryTest, ReplacesControlCharactersInFieldName) {
  EXPECT_EQ(AuditSummary("some\nfield\x01", json::object()), "some field  event");
}

TEST(AuditSummaryTest, ReplacesInvalidUtf8) {
  // nlohmann::json::parse refuses invalid UTF-8, but a json built in code can hold any bytes.
  const std::string bytes = "ok\xff\xc0\xaf\xed\xa0\x80\xe2\x82";
  const std::string summary = AuditSummary("account_review_update", json{{"decision", bytes}});
  EXPECT_TRUE(IsCleanLine(summary));
  EXPECT_TRUE(HasAll(summary, {"Account review: ok\uFFFD"}));
  EXPECT_TRUE(HasNone(summary, {"\xff"}));
}

TEST(AuditSummaryTest, KeepsValidNonAsciiText) {
  EXPECT_EQ(
      Summary("phone_number_name_update",
              R"({"decision":"APPROVED","requested_verified_name":"Caf\u00e9 \u65e5\u672c"})"),
      "Display name review: APPROVED, name \"Caf\u00e9 \u65e5\u672c\"");
}

}  // namespace
}  // namespace wj::server
