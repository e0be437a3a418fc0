// Erasing content from the journal while it stays verifiable (storage/erasure.h), on every
// engine: what goes, what stays, what verify accepts, and what it catches.
#include "storage/erasure.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/journal_verifier.h"
#include "storage/journal_writer.h"
#include "tests/support/journal_records.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

const std::string kWaba = "102290129340398";
const std::string kOtherWaba = "200000000000001";
const std::string kAnn = "16505551234";
const std::string kBob = "447700900123";
constexpr std::int64_t kT0 = 1'749'416'383'000;

// A messages event from `customer` whose value is `text` in an inbound message `wamid`.
EventRecord Message(const std::string& waba, const std::string& customer, const std::string& wamid,
                    const std::string& text) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = waba;
  e.field = "messages";
  e.dedup_key = "message:" + wamid;
  e.wamid = wamid;
  e.customers = {customer};
  e.kind = "message";
  e.value = R"({"messages":[{"from":")" + customer + R"(","id":")" + wamid +
            R"(","text":{"body":")" + text + R"("}}]})";
  return e;
}

// A status of an outbound message to `customer`.
EventRecord Status(const std::string& customer, const std::string& wamid,
                   const std::string& status) {
  EventRecord e = Message(kWaba, customer, wamid, "");
  e.dedup_key = "status:" + wamid + ":" + status;
  e.kind = "status";
  e.status = status;
  e.item_time = 1749416400;
  e.value = R"({"statuses":[{"id":")" + wamid + R"(","status":")" + status +
            R"(","recipient_id":")" + customer + R"("}]})";
  return e;
}

EventRecord AccountUpdate(const std::string& waba, const std::string& event) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = waba;
  e.field = "account_update";
  e.dedup_key = "account:" + waba + ":" + event;
  e.value = R"({"event":")" + event + R"("})";
  return e;
}

// A delivery whose body holds the events' values side by side, each value marked as lying
// inside it: the journal then keeps every value only in the body.
DeliveryRecord Delivery(std::vector<EventRecord> events, std::int64_t received_at = kT0) {
  DeliveryRecord d = wj::testing::DeliveryOf({}, "");
  d.received_at_ms = received_at;
  d.body = "[";
  for (EventRecord& e : events) {
    if (d.body.size() > 1) d.body.push_back(',');
    e.value_offset = d.body.size();
    d.body.append(e.value);
  }
  d.body.push_back(']');
  d.events = std::move(events);
  return d;
}

class ErasureTest : public wj::testing::StorageTest {
 protected:
  void SetUp() override {
    writer_ = Writer(NewDb());
    ASSERT_NE(writer_, nullptr);
  }

  void Append(std::vector<DeliveryRecord> deliveries) {
    wj::testing::AppendBatch(*writer_, deliveries);
  }

  // Seqs 1..6 in deliveries 1..4:
  //   d1: Ann's wamid.A1 (1) and Bob's wamid.B1 (2), one mixed delivery
  //   d2: Ann's wamid.A2 (3)
  //   d3: status "read" of wamid.O1 sent to Ann (4), an account update (5)
  //   d4: Bob's wamid.B2 (6)
  void AppendCorpus() {
    Append(
        {Delivery({Message(kWaba, kAnn, "wamid.A1", "canary ann one"),
                   Message(kWaba, kBob, "wamid.B1", "canary bob one")}),
         Delivery({Message(kWaba, kAnn, "wamid.A2", "canary ann two")}, kT0 + 1000),
         Delivery({Status(kAnn, "wamid.O1", "read"), AccountUpdate(kWaba, "VERIFIED")}, kT0 + 2000),
         Delivery({Message(kWaba, kBob, "wamid.B2", "canary bob two")}, kT0 + 3000)});
  }

  Result<std::vector<ErasureRecord>> Erase(const ErasureRequest& r) { return writer_->Erase(r); }

  ErasureRecord EraseCustomer(const std::string& wa_id, const std::string& waba = kWaba) {
    ErasureRequest r;
    r.scope = ErasureScope::kCustomer;
    r.waba_id = waba;
    r.wa_id = wa_id;
    r.reason = "GDPR Art. 17 request #7";
    r.requested_by = "dpo";
    r.requested_at_ms = kT0 + 10'000;
    auto erased = Erase(r);
    EXPECT_TRUE(erased.ok()) << erased.status().message();
    if (!erased.ok() || erased->size() != 1) {
      ADD_FAILURE() << "expected one erasure";
      return {};
    }
    return erased->front();
  }

  StoredEvent EventAt(std::int64_t seq) {
    auto reader = Reader(NewDb());
    auto e = reader->Event(seq);
    EXPECT_TRUE(e.ok() && e.value().has_value()) << seq;
    return e.ok() && e.value() ? *e.value() : StoredEvent{};
  }

  std::vector<std::int64_t> SeqsOf(const EventFilter& f) {
    auto reader = Reader(NewDb());
    auto page = reader->Events(f);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<std::int64_t> out;
    if (page.ok()) {
      for (const StoredEvent& e : page->events) out.push_back(e.seq);
    }
    return out;
  }

  std::unique_ptr<JournalWriter> writer_;
};

TEST_P(ErasureTest, CustomerErasureRemovesTheirValuesAndTheBodiesThatHeldThem) {
  AppendCorpus();

  const ErasureRecord r = EraseCustomer(kAnn);

  EXPECT_EQ(r.id, 1);
  EXPECT_EQ(r.waba_id, kWaba);
  EXPECT_EQ(r.scope, ErasureScope::kCustomer);
  EXPECT_EQ(r.reason, "GDPR Art. 17 request #7");
  EXPECT_EQ(r.requested_by, "dpo");
  EXPECT_EQ(r.events, 3);      // seqs 1, 3, 4
  EXPECT_EQ(r.deliveries, 3);  // d1, d2, d3
  EXPECT_EQ(r.first_seq, 1);
  EXPECT_EQ(r.last_seq, 4);
  EXPECT_EQ(r.tombstone_seq, 7);
  EXPECT_EQ(r.root.size(), 64u);
  for (std::int64_t seq : {1, 3, 4}) {
    const StoredEvent e = EventAt(seq);
    EXPECT_FALSE(e.value.has_value()) << seq;
    EXPECT_EQ(e.erasure_id, std::optional<std::int64_t>(1)) << seq;
  }
  // Bob's value in the mixed delivery and the account update outlive the bodies they came in.
  EXPECT_EQ(EventAt(2).value, Message(kWaba, kBob, "wamid.B1", "canary bob one").value);
  EXPECT_EQ(EventAt(5).value, AccountUpdate(kWaba, "VERIFIED").value);
  EXPECT_EQ(EventAt(6).value, Message(kWaba, kBob, "wamid.B2", "canary bob two").value);
  auto reader = Reader(NewDb());
  for (std::int64_t id : {1, 2, 3}) {
    auto d = reader->Delivery(id);
    ASSERT_TRUE(d.ok() && d.value());
    EXPECT_FALSE(d.value()->body.has_value()) << id;
    EXPECT_FALSE(d.value()->signature.has_value()) << id;
    EXPECT_EQ(d.value()->erasure_id, std::optional<std::int64_t>(1)) << id;
  }
  auto kept = reader->Delivery(4);
  ASSERT_TRUE(kept.ok() && kept.value());
  EXPECT_TRUE(kept.value()->body.has_value());
}

TEST_P(ErasureTest, ErasedEventsKeepTheirPlaceAndMetadata) {
  AppendCorpus();
  EraseCustomer(kAnn);

  const StoredEvent status = EventAt(4);
  EXPECT_EQ(status.kind, std::optional<std::string>("status"));
  EXPECT_EQ(status.status, std::optional<std::string>("read"));
  EXPECT_EQ(status.item_time, std::optional<std::int64_t>(1749416400));
  EXPECT_EQ(status.subject_ids.size(), 1u);  // the random id stays, unlinked
  EventFilter all;
  EXPECT_EQ(SeqsOf(all), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST_P(ErasureTest, LookupsByNumberFindNothingOnceTheCustomerIsErased) {
  AppendCorpus();
  EventFilter by_ann;
  by_ann.wa_id = kAnn;
  EventFilter by_bob;
  by_bob.wa_id = "+44 7700 900123";  // the same number, as a person writes it
  ASSERT_EQ(SeqsOf(by_ann), (std::vector<std::int64_t>{1, 3, 4}));

  EraseCustomer(kAnn);

  EXPECT_TRUE(SeqsOf(by_ann).empty());
  EXPECT_EQ(SeqsOf(by_bob), (std::vector<std::int64_t>{2, 6}));
  // The message's digest is chained: its lifecycle is still found, without its content.
  auto reader = Reader(NewDb());
  auto message = reader->MessageEvents("wamid.O1", true, 10);
  ASSERT_TRUE(message.ok());
  ASSERT_EQ(message->size(), 1u);
  EXPECT_EQ(message->front().status, std::optional<std::string>("read"));
  EXPECT_FALSE(message->front().value.has_value());
}

TEST_P(ErasureTest, TombstoneIsAnEventOfTheWabaWithoutCustomersData) {
  AppendCorpus();
  const ErasureRecord r = EraseCustomer(kAnn);

  const StoredEvent t = EventAt(r.tombstone_seq);
  EXPECT_EQ(t.field, "erasure");
  EXPECT_EQ(t.waba_id, kWaba);
  EXPECT_EQ(t.delivery_id, 0);
  EXPECT_FALSE(t.customer_data);
  ASSERT_TRUE(t.value.has_value());
  for (const std::string& secret : {kAnn, std::string("wamid.A1"), std::string("canary")}) {
    EXPECT_EQ(t.value->find(secret), std::string::npos) << secret;
  }
  for (const std::string& fact :
       {std::string("\"scope\":\"customer\""), std::string("\"events\":3"),
        std::string("\"requested_by\":\"dpo\""), "\"root\":\"" + r.root + "\""}) {
    EXPECT_NE(t.value->find(fact), std::string::npos) << fact << " in " << *t.value;
  }
  auto reader = Reader(NewDb());
  auto listed = reader->Erasures({}, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().tombstone_seq, r.tombstone_seq);
  auto by_id = reader->ErasureById(1);
  ASSERT_TRUE(by_id.ok() && by_id.value());
  EXPECT_EQ(by_id.value()->root, r.root);
  EXPECT_TRUE(reader->Erasures({kOtherWaba}, 10)->empty());
  EXPECT_FALSE(reader->ErasureById(2).value().has_value());
}

TEST_P(ErasureTest, RedeliveryOfAnErasedMessageIsADuplicateWithoutContent) {
  AppendCorpus();
  EraseCustomer(kAnn);

  // Meta retries for days: the same message arrives again, beside a fresh one of Bob's.
  Append({Delivery({Message(kWaba, kAnn, "wamid.A2", "canary ann two"),
                    Message(kWaba, kBob, "wamid.B3", "canary bob three")},
                   kT0 + 20'000)});

  const StoredEvent again = EventAt(8);
  EXPECT_EQ(again.duplicate_of, std::optional<std::int64_t>(3));
  EXPECT_FALSE(again.value.has_value());
  EXPECT_EQ(again.erasure_id, std::optional<std::int64_t>(1));
  EXPECT_TRUE(again.subject_ids.empty());  // not linked to Ann again
  EXPECT_EQ(EventAt(9).value, Message(kWaba, kBob, "wamid.B3", "canary bob three").value);
  auto reader = Reader(NewDb());
  auto d = reader->Delivery(5);
  ASSERT_TRUE(d.ok() && d.value());
  EXPECT_FALSE(d.value()->body.has_value());
  EventFilter by_ann;
  by_ann.wa_id = kAnn;
  by_ann.include_duplicates = true;
  EXPECT_TRUE(SeqsOf(by_ann).empty());

  writer_.reset();
  const VerifyReport v = Verify(NewDb());
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.erased_events, 4);
}

TEST_P(ErasureTest, CustomerErasureInAWabaWithNoEventsIsNotFound) {
  AppendCorpus();
  ErasureRequest r;
  r.waba_id = kOtherWaba;
  r.wa_id = kAnn;
  r.reason = "x";
  auto erased = Erase(r);
  ASSERT_FALSE(erased.ok());
  EXPECT_EQ(erased.status().code(), Status::Code::kNotFound);
}

TEST_P(ErasureTest, ErasingAnUnknownCustomerRecordsAnEmptyErasure) {
  AppendCorpus();
  const ErasureRecord r = EraseCustomer("999");
  EXPECT_EQ(r.events, 0);
  EXPECT_EQ(r.deliveries, 0);
  EXPECT_EQ(r.tombstone_seq, 7);
  writer_.reset();
  EXPECT_TRUE(Verify(NewDb()).ok);
}

TEST_P(ErasureTest, ErasureByTimeTakesCustomersDataOnlyAndOneErasurePerWaba) {
  Append({Delivery({Message(kWaba, kAnn, "wamid.A1", "old"), AccountUpdate(kWaba, "OLD")}),
          Delivery({Message(kOtherWaba, kBob, "wamid.B1", "old too")}, kT0 + 1000),
          Delivery({Message(kWaba, kAnn, "wamid.A2", "new")}, kT0 + 5000)});
  ErasureRequest r;
  r.scope = ErasureScope::kBefore;
  r.received_before_ms = kT0 + 2000;
  r.reason = "retention 30d";
  r.requested_by = "retention";
  auto erased = Erase(r);
  ASSERT_TRUE(erased.ok()) << erased.status().message();
  ASSERT_EQ(erased->size(), 2u);
  EXPECT_EQ(erased.value()[0].waba_id, kWaba);
  EXPECT_EQ(erased.value()[0].events, 1);
  EXPECT_EQ(erased.value()[0].scope, ErasureScope::kBefore);
  EXPECT_EQ(erased.value()[0].received_before_ms, std::optional<std::int64_t>(kT0 + 2000));
  EXPECT_EQ(erased.value()[1].waba_id, kOtherWaba);
  EXPECT_EQ(erased.value()[1].events, 1);

  EXPECT_FALSE(EventAt(1).value.has_value());
  EXPECT_EQ(EventAt(2).value, AccountUpdate(kWaba, "OLD").value);  // account-level: kept
  EXPECT_FALSE(EventAt(3).value.has_value());
  EXPECT_TRUE(EventAt(4).value.has_value());  // received after the cut
  // Nothing left to erase: with skip_empty nothing is recorded.
  r.skip_empty = true;
  auto again = Erase(r);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  writer_.reset();
  const VerifyReport v = Verify(NewDb());
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.erasures, 2);
}

TEST_P(ErasureTest, ErasureByTimeInBatchesEndsWithEverythingErased) {
  std::vector<DeliveryRecord> deliveries;
  for (int i = 0; i < 7; ++i) {
    deliveries.push_back(
        Delivery({Message(kWaba, kAnn, "wamid.X" + std::to_string(i), "x")}, kT0 + i));
  }
  Append(deliveries);
  ErasureRequest r;
  r.scope = ErasureScope::kBefore;
  r.waba_id = kWaba;
  r.received_before_ms = kT0 + 100;
  r.max_events = 3;
  r.skip_empty = true;
  r.reason = "retention";
  std::vector<std::int64_t> counts;
  for (int round = 0; round < 5; ++round) {
    auto erased = Erase(r);
    ASSERT_TRUE(erased.ok());
    if (erased->empty()) break;
    counts.push_back(erased->front().events);
  }
  EXPECT_EQ(counts, (std::vector<std::int64_t>{3, 3, 1}));
  writer_.reset();
  EXPECT_TRUE(Verify(NewDb()).ok);
}

TEST_P(ErasureTest, VerifyCountsErasedEventsAndErasures) {
  AppendCorpus();
  EraseCustomer(kAnn);
  EraseCustomer(kBob);
  writer_.reset();

  const VerifyReport v = Verify(NewDb());

  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.events, 8);
  EXPECT_EQ(v.erased_events, 5);
  EXPECT_EQ(v.erasures, 2);
}

// What someone editing the database behind the service's back could do; verify names it.
class ErasureTamperTest : public ErasureTest {
 protected:
  VerifyReport EraseAnnThenTamper(const std::string& sql) {
    AppendCorpus();
    EraseCustomer(kAnn);
    writer_.reset();
    EXPECT_TRUE(Verify(NewDb()).ok);
    Tamper(NewDb(), sql);
    return Verify(NewDb());
  }
};

TEST_P(ErasureTamperTest, EditedKeptValueIsNamed) {
  const VerifyReport v =
      EraseAnnThenTamper(R"(UPDATE event_content SET value = '{"messages":[]}' WHERE seq = 2)");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_NE(v.problem.find("chain hash"), std::string::npos) << v.problem;
}

TEST_P(ErasureTamperTest, ContentDeletedWithoutATombstoneIsNamed) {
  const VerifyReport v = EraseAnnThenTamper("DELETE FROM event_content WHERE seq = 5");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 5);
  EXPECT_NE(v.problem.find("no erasure covers it"), std::string::npos) << v.problem;
}

TEST_P(ErasureTamperTest, BodyDeletedWithoutATombstoneIsNamed) {
  const VerifyReport v = EraseAnnThenTamper("DELETE FROM delivery_content WHERE delivery_id = 4");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_delivery, 4);
}

TEST_P(ErasureTamperTest, EditedTombstoneIsNamed) {
  const VerifyReport v = EraseAnnThenTamper(
      "UPDATE event_content SET value = replace(value, 'GDPR', 'none') WHERE seq = 7");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 7);
}

TEST_P(ErasureTamperTest, ErasureRecordPointingAtMoreRowsIsNamed) {
  // Deleting Bob's kept value and claiming erasure 1 removed it too.
  const VerifyReport v = EraseAnnThenTamper(
      "DELETE FROM event_content WHERE seq = 6;"
      " INSERT INTO erased_events (seq, erasure_id, late, commitment)"
      " SELECT 6, 1, 0, commitment FROM erased_events WHERE seq = 1");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_erasure, 1);
  EXPECT_NE(v.problem.find("commitment"), std::string::npos) << v.problem;
}

TEST_P(ErasureTamperTest, ForgedLateRedeliveryIsNamed) {
  // Bob's value (kept apart since its mixed delivery lost its bytes) deleted as if it were a
  // redelivery of erased content: it is not one.
  const VerifyReport v = EraseAnnThenTamper(
      "DELETE FROM event_content WHERE seq = 2;"
      " INSERT INTO erased_events (seq, erasure_id, late, commitment)"
      " SELECT 2, 1, 1, commitment FROM erased_events WHERE seq = 1");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(ErasureTest);
WJ_INSTANTIATE_ON_EVERY_ENGINE(ErasureTamperTest);

}  // namespace
}  // namespace wj::storage
