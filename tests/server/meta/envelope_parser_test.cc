#include "server/meta/envelope_parser.h"

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/meta/sample_deliveries.h"

namespace wj::server {
namespace {

using nlohmann::json;

bool IsSha256Key(const std::string& key) {
  return std::regex_match(key, std::regex("sha256:[0-9a-f]{64}"));
}

std::string FieldOfSample(std::string_view path) {
  return std::string(path.substr(0, path.find("__")));
}

TEST(EnvelopeParserTest, SamplesAreEmbedded) {
  auto samples = SampleFiles();
  ASSERT_GE(samples.size(), 50u);
  for (const EmbeddedFile& f : samples) {
    EXPECT_NE(f.path.find("__"), std::string_view::npos) << f.path;
    EXPECT_FALSE(f.content.empty()) << f.path;
  }
}

TEST(EnvelopeParserTest, ParsesEverySampleIntoEventsOfItsField) {
  for (const EmbeddedFile& f : SampleFiles()) {
    SCOPED_TRACE(std::string(f.path));
    const std::string field = FieldOfSample(f.path);

    ParsedBody parsed = ParseDeliveryBody(f.content);

    EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
    ASSERT_FALSE(parsed.events.empty());
    bool has_field = false;
    for (const storage::EventRecord& e : parsed.events) {
      has_field |= e.field == field;
      EXPECT_FALSE(e.waba_id.empty());
      EXPECT_FALSE(e.object.empty());
      EXPECT_FALSE(e.dedup_key.empty());
      EXPECT_TRUE(json::accept(e.value)) << e.value;
    }
    EXPECT_TRUE(has_field) << "no event of field " << field;
  }
}

TEST(EnvelopeParserTest, MessagesSamplesWithoutEntryTimeHaveNoEventTime) {
  int checked = 0;
  for (const EmbeddedFile& f : SampleFiles()) {
    if (FieldOfSample(f.path) != "messages") continue;
    SCOPED_TRACE(std::string(f.path));
    json doc = json::parse(f.content);
    bool any_time = false;
    for (const json& entry : doc.at("entry")) any_time |= entry.contains("time");
    if (any_time) continue;

    ParsedBody parsed = ParseDeliveryBody(f.content);

    ASSERT_FALSE(parsed.events.empty());
    for (const storage::EventRecord& e : parsed.events) EXPECT_FALSE(e.event_time.has_value());
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST(EnvelopeParserTest, MessagesSamplesIdentifyMessagesAndStatuses) {
  for (const EmbeddedFile& f : SampleFiles()) {
    if (FieldOfSample(f.path) != "messages") continue;
    SCOPED_TRACE(std::string(f.path));
    ParsedBody parsed = ParseDeliveryBody(f.content);
    for (const storage::EventRecord& e : parsed.events) {
      json value = json::parse(e.value);
      if (value.contains("messages")) {
        ASSERT_EQ(value["messages"].size(), 1u);
        const json& item = value["messages"][0];
        EXPECT_EQ(e.dedup_key, "message:" + item.at("id").get<std::string>());
        EXPECT_EQ(e.wamid, item.at("id").get<std::string>());
        const std::string from = item.value("from", std::string());
        if (!from.empty() && from != value["metadata"].value("display_phone_number", "")) {
          EXPECT_NE(std::find(e.customers.begin(), e.customers.end(), from), e.customers.end())
              << from;
        }
        EXPECT_EQ(e.kind, std::optional<std::string>("message"));
      } else if (value.contains("statuses")) {
        ASSERT_EQ(value["statuses"].size(), 1u);
        const json& item = value["statuses"][0];
        EXPECT_EQ(e.dedup_key, "status:" + item.at("id").get<std::string>() + ":" +
                                   item.at("status").get<std::string>());
        EXPECT_EQ(e.wamid, item.at("id").get<std::string>());
      } else {
        EXPECT_TRUE(IsSha256Key(e.dedup_key)) << e.dedup_key;
        EXPECT_FALSE(e.wamid.has_value());
      }
    }
  }
}

TEST(EnvelopeParserTest, KeepsEntryTimeWhenPresent) {
  ParsedBody parsed = ParseDeliveryBody(
      R"({"object":"whatsapp_business_account","entry":[{"id":"W","time":1700000123,)"
      R"("changes":[{"field":"account_update","value":{"event":"X"}}]}]})");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].event_time, 1700000123);
}

constexpr const char* kMixedMessages = R"({
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "WABA1",
    "time": 1700000000,
    "changes": [{
      "field": "messages",
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001", "phone_number_id": "PN1"},
        "contacts": [{"profile": {"name": "Ann"}, "wa_id": "111"}],
        "messages": [
          {"from": "111", "id": "wamid.M1", "type": "text", "text": {"body": "hi"}},
          {"from": "222", "id": "wamid.M2", "type": "text", "text": {"body": "yo"}}
        ],
        "statuses": [{"id": "wamid.S1", "status": "delivered", "recipient_id": "333"}],
        "errors": [{"code": 131000, "title": "Something went wrong"}]
      }
    }]
  }]
})";

TEST(EnvelopeParserTest, SplitsMessagesChangeIntoOneEventPerItem) {
  ParsedBody parsed = ParseDeliveryBody(kMixedMessages);

  EXPECT_FALSE(parsed.error.has_value());
  ASSERT_EQ(parsed.events.size(), 4u);
  const json original = json::parse(kMixedMessages)["entry"][0]["changes"][0]["value"];
  const char* kinds[] = {"messages", "messages", "statuses", "errors"};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const storage::EventRecord& e = parsed.events[i];
    EXPECT_EQ(e.object, "whatsapp_business_account");
    EXPECT_EQ(e.waba_id, "WABA1");
    EXPECT_EQ(e.field, "messages");
    EXPECT_EQ(e.event_time, 1700000000);
    json value = json::parse(e.value);
    EXPECT_EQ(value["messaging_product"], original["messaging_product"]);
    EXPECT_EQ(value["metadata"], original["metadata"]);
    // Only the first message's sender (111) has a contact entry: only its event keeps it.
    if (i == 0) {
      EXPECT_EQ(value["contacts"], original["contacts"]);
    } else {
      EXPECT_FALSE(value.contains("contacts")) << value.dump();
    }
    for (const char* kind : {"messages", "statuses", "errors"}) {
      if (std::string(kind) == kinds[i]) {
        ASSERT_TRUE(value.contains(kind));
        EXPECT_EQ(value[kind].size(), 1u);
      } else {
        EXPECT_FALSE(value.contains(kind)) << kind;
      }
    }
  }
  EXPECT_EQ(json::parse(parsed.events[0].value)["messages"][0], original["messages"][0]);
  EXPECT_EQ(json::parse(parsed.events[1].value)["messages"][0], original["messages"][1]);
  EXPECT_EQ(json::parse(parsed.events[2].value)["statuses"][0], original["statuses"][0]);
  EXPECT_EQ(json::parse(parsed.events[3].value)["errors"][0], original["errors"][0]);
}

TEST(EnvelopeParserTest, DedupKeysIdentifyMessagesStatusesAndContent) {
  ParsedBody parsed = ParseDeliveryBody(kMixedMessages);
  ASSERT_EQ(parsed.events.size(), 4u);

  EXPECT_EQ(parsed.events[0].dedup_key, "message:wamid.M1");
  EXPECT_EQ(parsed.events[1].dedup_key, "message:wamid.M2");
  EXPECT_EQ(parsed.events[2].dedup_key, "status:wamid.S1:delivered");
  EXPECT_TRUE(IsSha256Key(parsed.events[3].dedup_key)) << parsed.events[3].dedup_key;
}

TEST(EnvelopeParserTest, ExtractsWamidCustomersAndKind) {
  ParsedBody parsed = ParseDeliveryBody(kMixedMessages);
  ASSERT_EQ(parsed.events.size(), 4u);

  EXPECT_EQ(parsed.events[0].wamid, "wamid.M1");
  EXPECT_EQ(parsed.events[0].customers, (std::vector<std::string>{"111"}));
  EXPECT_EQ(parsed.events[0].kind, std::optional<std::string>("message"));
  EXPECT_EQ(parsed.events[1].wamid, "wamid.M2");
  // Each split value keeps only its own customer's contact: 222 has none, 111's is left out.
  EXPECT_EQ(parsed.events[1].customers, (std::vector<std::string>{"222"}));
  EXPECT_EQ(parsed.events[1].value.find("Ann"), std::string::npos) << parsed.events[1].value;
  EXPECT_NE(parsed.events[0].value.find("Ann"), std::string::npos) << parsed.events[0].value;
  EXPECT_EQ(parsed.events[2].wamid, "wamid.S1");
  EXPECT_EQ(parsed.events[2].customers, (std::vector<std::string>{"333"}));
  EXPECT_EQ(parsed.events[2].kind, std::optional<std::string>("status"));
  EXPECT_EQ(parsed.events[2].status, std::optional<std::string>("delivered"));
  EXPECT_FALSE(parsed.events[3].wamid.has_value());
  EXPECT_TRUE(parsed.events[3].customers.empty());  // a value-level error names no one
  EXPECT_EQ(parsed.events[3].kind, std::optional<std::string>("error"));
}

TEST(EnvelopeParserTest, StatusKeyDiffersPerStatus) {
  auto status_body = [](const std::string& status) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":)"
           R"("messages","value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.S",)"
           R"("status":")" +
           status + R"(","recipient_id":"1"}]}}]}]})";
  };
  ParsedBody sent = ParseDeliveryBody(status_body("sent"));
  ParsedBody read = ParseDeliveryBody(status_body("read"));
  ASSERT_EQ(sent.events.size(), 1u);
  ASSERT_EQ(read.events.size(), 1u);
  EXPECT_EQ(sent.events[0].dedup_key, "status:wamid.S:sent");
  EXPECT_EQ(read.events[0].dedup_key, "status:wamid.S:read");
}

std::string AccountUpdate(const std::string& value, const std::string& time = "1700000000",
                          const std::string& waba_id = "W") {
  return R"({"object":"whatsapp_business_account","entry":[{"id":")" + waba_id + R"(","time":)" +
         time + R"(,"changes":[{"field":"account_update","value":)" + value + "}]}]}";
}

std::string OnlyKey(const std::string& body) {
  ParsedBody parsed = ParseDeliveryBody(body);
  EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
  EXPECT_EQ(parsed.events.size(), 1u);
  return parsed.events.empty() ? std::string() : parsed.events[0].dedup_key;
}

TEST(EnvelopeParserTest, ContentKeyIgnoresKeyOrderAndWhitespace) {
  const std::string a = OnlyKey(AccountUpdate(R"({"event":"X","info":{"a":1,"b":[1,2]}})"));
  const std::string b = OnlyKey(AccountUpdate(R"({ "info" : { "b" : [ 1 , 2 ] , "a" : 1 } ,
                                 "event" : "X" })"));
  EXPECT_TRUE(IsSha256Key(a)) << a;
  EXPECT_EQ(a, b);
}

TEST(EnvelopeParserTest, ContentKeyDependsOnValueTimeAndAccount) {
  const std::string base = OnlyKey(AccountUpdate(R"({"event":"X"})"));
  EXPECT_NE(OnlyKey(AccountUpdate(R"({"event":"Y"})")), base);
  EXPECT_NE(OnlyKey(AccountUpdate(R"({"event":"X"})", "1700000001")), base);
  EXPECT_NE(OnlyKey(AccountUpdate(R"({"event":"X"})", "1700000000", "W2")), base);
  EXPECT_NE(OnlyKey(AccountUpdate(R"({"event":["X"]})")), base);
}

TEST(EnvelopeParserTest, ContentKeyDistinguishesAbsentTime) {
  const std::string with_time = OnlyKey(AccountUpdate(R"({"event":"X"})", "0"));
  const std::string without =
      OnlyKey(R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":)"
              R"("account_update","value":{"event":"X"}}]}]})");
  EXPECT_NE(with_time, without);
}

TEST(EnvelopeParserTest, MessageKeyIgnoresEntryTime) {
  auto body = [](const std::string& time) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"W","time":)" + time +
           R"(,"changes":[{"field":"messages","value":{"messaging_product":"whatsapp",)"
           R"("messages":[{"from":"1","id":"wamid.X","type":"text"}]}}]}]})";
  };
  EXPECT_EQ(OnlyKey(body("1")), OnlyKey(body("2")));
  EXPECT_EQ(OnlyKey(body("1")), "message:wamid.X");
}

TEST(EnvelopeParserTest, ContentKeyOfValueErrorsIgnoresKeyOrder) {
  auto body = [](const std::string& error) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":)"
           R"("messages","value":{"messaging_product":"whatsapp","errors":[)" +
           error + "]}}]}]}";
  };
  const std::string a = OnlyKey(body(R"({"code":130429,"title":"Rate limit hit"})"));
  const std::string b = OnlyKey(body(R"({ "title" : "Rate limit hit", "code" : 130429 })"));
  const std::string c = OnlyKey(body(R"({"code":130430,"title":"Rate limit hit"})"));
  EXPECT_TRUE(IsSha256Key(a)) << a;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(EnvelopeParserTest, ParsesTopLevelArrayOfEnvelopes) {
  const std::string body = "[" + AccountUpdate(R"({"event":"A"})", "1", "W1") + "," +
                           AccountUpdate(R"({"event":"B"})", "2", "W2") + "]";

  ParsedBody parsed = ParseDeliveryBody(body);

  EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].waba_id, "W1");
  EXPECT_EQ(parsed.events[1].waba_id, "W2");
  EXPECT_EQ(parsed.events[1].event_time, 2);
}

TEST(EnvelopeParserTest, ReportsEmptyArrayOfEnvelopes) {
  ParsedBody parsed = ParseDeliveryBody("[]");
  EXPECT_TRUE(parsed.error.has_value());
  EXPECT_TRUE(parsed.events.empty());
}

TEST(EnvelopeParserTest, ReportsNotJsonWithoutQuotingBody) {
  for (const std::string& body :
       {std::string(R"({"object":"whatsapp_business_account","text":"Zq9SecretToken", oops})"),
        std::string(R"({"text":"Zq9SecretToken)"), std::string("Zq9SecretToken"),
        std::string("{\"text\":\"Zq9SecretToken\xff\"}"),
        std::string("{\"text\":\"Zq9SecretToken\n\"}")}) {
    SCOPED_TRACE(body);

    ParsedBody parsed = ParseDeliveryBody(body);

    ASSERT_TRUE(parsed.error.has_value());
    EXPECT_EQ(parsed.error->rfind("not JSON", 0), 0u) << *parsed.error;
    EXPECT_EQ(parsed.error->find("Zq9"), std::string::npos) << *parsed.error;
    EXPECT_TRUE(parsed.events.empty());
  }
}

TEST(EnvelopeParserTest, ReportsEmptyBodyAsNotJson) {
  ParsedBody parsed = ParseDeliveryBody("");
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_EQ(parsed.error->rfind("not JSON", 0), 0u) << *parsed.error;
}

// A number too large for a double is valid JSON (RFC 8259 leaves range to implementations)
// that nlohmann cannot hold: the change is still journaled with its exact text, and its
// content key comes from that text. Nothing throws.
TEST(EnvelopeParserTest, KeepsNumberBeyondDoubleRangeAsReceived) {
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","time":5,"changes":[)"
      R"({"field":"security","value":{"n":1e99999}}]}]})";
  ParsedBody parsed;

  EXPECT_NO_THROW(parsed = ParseDeliveryBody(body));

  EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].value, R"({"n":1e99999})");
  EXPECT_EQ(parsed.events[0].dedup_key.rfind("sha256:", 0), 0u);
  EXPECT_EQ(ParseDeliveryBody(body).events[0].dedup_key, parsed.events[0].dedup_key);
}

TEST(EnvelopeParserTest, ReportsJsonWithoutEntry) {
  for (const char* body :
       {R"({"object":"whatsapp_business_account"})",
        R"({"object":"whatsapp_business_account","entry":{}})", R"("a string")", "42", "null"}) {
    SCOPED_TRACE(body);

    ParsedBody parsed = ParseDeliveryBody(body);

    ASSERT_TRUE(parsed.error.has_value());
    EXPECT_NE(parsed.error->rfind("not JSON", 0), 0u) << *parsed.error;
    EXPECT_TRUE(parsed.events.empty());
  }
}

TEST(EnvelopeParserTest, KeepsUnknownObjectAndField) {
  ParsedBody parsed =
      ParseDeliveryBody(R"({"object":"page","entry":[{"id":"P1","time":5,"changes":[)"
                        R"({"field":"feed","value":{"item":"post"}},)"
                        R"({"field":"brand_new_field","value":[1,"two"]}]}]})");

  EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].object, "page");
  EXPECT_EQ(parsed.events[0].field, "feed");
  EXPECT_EQ(json::parse(parsed.events[0].value), json::parse(R"({"item":"post"})"));
  EXPECT_TRUE(IsSha256Key(parsed.events[0].dedup_key));
  EXPECT_EQ(parsed.events[1].field, "brand_new_field");
  EXPECT_EQ(json::parse(parsed.events[1].value), json::parse(R"([1,"two"])"));
}

TEST(EnvelopeParserTest, KeepsMessagesChangeWithoutItemsWhole) {
  ParsedBody parsed = ParseDeliveryBody(
      R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[)"
      R"({"field":"messages","value":{"messaging_product":"whatsapp","other":[1]}}]}]})");

  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(json::parse(parsed.events[0].value),
            json::parse(R"({"messaging_product":"whatsapp","other":[1]})"));
  EXPECT_TRUE(IsSha256Key(parsed.events[0].dedup_key));
}

TEST(EnvelopeParserTest, KeepsGoodChangeOfPartiallyMalformedEnvelope) {
  ParsedBody parsed =
      ParseDeliveryBody(R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[)"
                        R"({"field":"account_update","value":{"event":"OK"}},)"
                        R"({"value":{"event":"no field"}}]}]})");

  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].field, "account_update");
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_NE(parsed.error->find("changes[1]"), std::string::npos) << *parsed.error;
}

TEST(EnvelopeParserTest, KeepsGoodEntryNextToEntryWithoutId) {
  ParsedBody parsed =
      ParseDeliveryBody(R"({"object":"whatsapp_business_account","entry":[)"
                        R"({"changes":[{"field":"account_update","value":{}}]},)"
                        R"({"id":"W","changes":[{"field":"account_update","value":{}}]}]})");

  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].waba_id, "W");
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_NE(parsed.error->find("entry[0]"), std::string::npos) << *parsed.error;
}

TEST(EnvelopeParserTest, AcceptsNumericEntryIdAsString) {
  ParsedBody parsed = ParseDeliveryBody(
      R"({"object":"whatsapp_business_account","entry":[{"id":102290129340398,"changes":[)"
      R"({"field":"account_update","value":{}}]}]})");

  EXPECT_FALSE(parsed.error.has_value()) << *parsed.error;
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].waba_id, "102290129340398");
}

TEST(CanonicalJsonTest, SortsKeysRecursivelyWithoutWhitespace) {
  const auto value = nlohmann::ordered_json::parse(
      R"({"b": 1, "a": {"d": [{"z": 1, "y": 2}, 3], "c": null}, "A": true})");

  EXPECT_EQ(CanonicalJson(value), R"({"A":true,"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1})");
}

TEST(CanonicalJsonTest, EscapesNonAscii) {
  const auto value = nlohmann::ordered_json::parse("{\"t\":\"mang\xc3\xa9\"}");
  EXPECT_EQ(CanonicalJson(value), R"({"t":"mang\u00e9"})");
}

TEST(CanonicalJsonTest, EqualValuesGiveEqualText) {
  const auto a = nlohmann::ordered_json::parse(R"({"x":[1,{"q":"r","p":"s"}],"w":"v"})");
  const auto b =
      nlohmann::ordered_json::parse(R"({ "w" : "v" , "x" : [ 1 , { "p":"s","q":"r" } ] })");
  EXPECT_EQ(CanonicalJson(a), CanonicalJson(b));
  EXPECT_NE(CanonicalJson(a), a.dump());
}

TEST(DedupKeyTest, FormatsMessageAndStatusKeys) {
  EXPECT_EQ(MessageDedupKey("wamid.A"), "message:wamid.A");
  EXPECT_EQ(StatusDedupKey("wamid.A", "read"), "status:wamid.A:read");
  EXPECT_TRUE(IsSha256Key(ContentDedupKey("W", "f", nlohmann::ordered_json::object(), 1)));
}

}  // namespace
}  // namespace wj::server
