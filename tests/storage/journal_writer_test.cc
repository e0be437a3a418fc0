#include "storage/journal_writer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/journal_verifier.h"
#include "tests/support/journal_records.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

EventRecord Event(const std::string& key, std::optional<std::string> wamid = std::nullopt) {
  return wj::testing::MessageEvent(key, std::move(wamid));
}
DeliveryRecord Delivery(std::vector<EventRecord> events, std::string body = "{}") {
  return wj::testing::DeliveryOf(std::move(events), std::move(body));
}

class JournalWriterTest : public wj::testing::StorageTest {
 protected:
  std::string Db() const { return NewDb(); }

  std::unique_ptr<JournalWriter> Open(const StoreOptions& options = {}) {
    return Writer(Db(), options);
  }

  // Appends `deliveries` as one batch; fails the test unless the append succeeds.
  std::vector<AppendedDelivery> Append(JournalWriter& journal,
                                       const std::vector<DeliveryRecord>& deliveries) {
    return wj::testing::AppendBatch(journal, deliveries);
  }
  Status TryAppend(JournalWriter& journal, const std::vector<DeliveryRecord>& deliveries) {
    std::vector<AppendedDelivery> out;
    return wj::testing::TryAppendBatch(journal, deliveries, &out);
  }

  // What a reader of the journal sees committed.
  JournalStats Stored() {
    auto reader = Reader(Db());
    if (reader == nullptr) return {};
    auto stats = reader->Stats();
    EXPECT_TRUE(stats.ok()) << stats.status().message();
    return stats.ok() ? stats.value() : JournalStats{};
  }

  // Every stored event, duplicates included, in seq order.
  std::vector<StoredEvent> AllEvents() {
    auto reader = Reader(Db());
    if (reader == nullptr) return {};
    EventFilter f;
    f.include_duplicates = true;
    f.limit = kMaxPageSize;
    auto page = reader->Events(f);
    EXPECT_TRUE(page.ok()) << page.status().message();
    if (!page.ok()) return {};
    EXPECT_FALSE(page->next_after.has_value()) << "more than one page";
    return page->events;
  }

  // How many events match `filter`.
  std::int64_t CountOf(const EventFilter& filter) {
    auto reader = Reader(Db());
    if (reader == nullptr) return -1;
    auto count = reader->CountEvents(filter);
    EXPECT_TRUE(count.ok()) << count.status().message();
    return count.ok() ? count.value() : -1;
  }

  std::optional<StoredEvent> EventAt(std::int64_t seq) {
    auto reader = Reader(Db());
    if (reader == nullptr) return std::nullopt;
    auto event = reader->Event(seq);
    EXPECT_TRUE(event.ok()) << event.status().message();
    return event.ok() ? event.value() : std::nullopt;
  }

  std::optional<StoredDelivery> DeliveryAt(std::int64_t id) {
    auto reader = Reader(Db());
    if (reader == nullptr) return std::nullopt;
    auto delivery = reader->Delivery(id);
    EXPECT_TRUE(delivery.ok()) << delivery.status().message();
    return delivery.ok() ? delivery.value() : std::nullopt;
  }

  void ExpectVerifies(std::int64_t deliveries, std::int64_t events) {
    VerifyReport report = Verify(Db());
    EXPECT_TRUE(report.ok) << report.problem;
    EXPECT_EQ(report.deliveries, deliveries);
    EXPECT_EQ(report.events, events);
  }

  static EventFilter Everything() {
    EventFilter f;
    f.include_duplicates = true;
    return f;
  }
};

TEST_P(JournalWriterTest, AppendsBatchWithConsecutiveIdsAndSeqsFromOne) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("a"), Event("b")}), Delivery({}),
                               Delivery({Event("c"), Event("d"), Event("e")})});

  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].delivery_id, 1);
  EXPECT_EQ(out[1].delivery_id, 2);
  EXPECT_EQ(out[2].delivery_id, 3);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_TRUE(out[1].events.empty());
  ASSERT_EQ(out[2].events.size(), 3u);
  std::int64_t expected_seq = 1;
  for (const AppendedDelivery& d : out) {
    for (const AppendedEvent& e : d.events) {
      EXPECT_EQ(e.seq, expected_seq++);
      EXPECT_EQ(e.duplicate_of, 0);
    }
  }
  EXPECT_EQ(Stored().deliveries, 3);
  EXPECT_EQ(Stored().events, 5);
  EXPECT_EQ(CountOf(Everything()), 5);
  std::vector<std::int64_t> delivery_of_each;
  for (const StoredEvent& e : AllEvents()) delivery_of_each.push_back(e.delivery_id);
  EXPECT_EQ(delivery_of_each, (std::vector<std::int64_t>{1, 1, 3, 3, 3}));
  std::optional<StoredDelivery> third = DeliveryAt(3);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->event_seqs.size(), 3u);
  EXPECT_EQ(third->event_seqs, (std::vector<std::int64_t>{3, 4, 5}));
}

TEST_P(JournalWriterTest, NextBatchContinuesIdsAndSeqs) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a"), Event("b")})});

  auto out = Append(*journal, {Delivery({Event("c")}), Delivery({Event("d")})});

  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].delivery_id, 2);
  EXPECT_EQ(out[1].delivery_id, 3);
  ASSERT_EQ(out[0].events.size(), 1u);
  ASSERT_EQ(out[1].events.size(), 1u);
  EXPECT_EQ(out[0].events[0].seq, 3);
  EXPECT_EQ(out[1].events[0].seq, 4);
}

TEST_P(JournalWriterTest, StoresEventColumnsAsGiven) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EventRecord with_time = Event("k1", "wamid.ABC");
  with_time.event_time = 1749416383;
  EventRecord without = Event("k2");
  without.customers.clear();
  Append(*journal, {Delivery({with_time, without})});

  std::optional<StoredEvent> first = EventAt(1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->object, "whatsapp_business_account");
  EXPECT_EQ(first->waba_id, "102290129340398");
  EXPECT_EQ(first->field, "messages");
  EXPECT_EQ(first->event_time, std::optional<std::int64_t>(1749416383));
  EXPECT_EQ(first->dedup_digest, DedupDigest(NewDb(), with_time));
  EXPECT_FALSE(first->duplicate_of.has_value());
  EXPECT_EQ(first->subject_ids.size(), 1u);
  EXPECT_EQ(first->value, with_time.value);
  EXPECT_EQ(first->received_at_ms, 1749416383000);
  std::optional<StoredEvent> second = EventAt(2);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->event_time.has_value());
  EXPECT_TRUE(second->subject_ids.empty());
}

TEST_P(JournalWriterTest, MarksRepeatedDedupKeyAsDuplicateOfFirstOccurrence) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("other"), Event("message:wamid.1")})});  // seqs 1, 2

  auto second = Append(*journal, {Delivery({Event("message:wamid.1")})});  // seq 3
  auto third = Append(*journal, {Delivery({Event("message:wamid.1"), Event("fresh")})});

  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(second[0].events.size(), 1u);
  EXPECT_EQ(second[0].events[0].seq, 3);
  EXPECT_EQ(second[0].events[0].duplicate_of, 2);
  ASSERT_EQ(third.size(), 1u);
  ASSERT_EQ(third[0].events.size(), 2u);
  EXPECT_EQ(third[0].events[0].duplicate_of, 2) << "must point at the first occurrence";
  EXPECT_EQ(third[0].events[1].duplicate_of, 0);
  std::optional<StoredEvent> seq3 = EventAt(3);
  ASSERT_TRUE(seq3.has_value());
  EXPECT_EQ(seq3->duplicate_of, std::optional<std::int64_t>(2));
  std::optional<StoredEvent> seq4 = EventAt(4);
  ASSERT_TRUE(seq4.has_value());
  EXPECT_EQ(seq4->duplicate_of, std::optional<std::int64_t>(2));
  EXPECT_EQ(CountOf(EventFilter{}), 3) << "first occurrences: no duplicate_of";
  EXPECT_EQ(CountOf(Everything()), 5);
}

TEST_P(JournalWriterTest, MarksDuplicateWithinOneDelivery) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("same"), Event("same")})});

  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_EQ(out[0].events[0].duplicate_of, 0);
  EXPECT_EQ(out[0].events[1].duplicate_of, out[0].events[0].seq);
}

TEST_P(JournalWriterTest, MarksDuplicateAcrossDeliveriesOfOneBatch) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("x"), Event("same")}), Delivery({Event("same")})});

  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].events.size(), 1u);
  EXPECT_EQ(out[1].events[0].seq, 3);
  EXPECT_EQ(out[1].events[0].duplicate_of, 2);
}

TEST_P(JournalWriterTest, MarksDuplicateAcrossReopen) {
  {
    auto journal = Open();
    ASSERT_NE(journal, nullptr);
    Append(*journal, {Delivery({Event("status:wamid.1:read")})});
  }
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("status:wamid.1:read")})});

  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].events.size(), 1u);
  EXPECT_EQ(out[0].events[0].seq, 2);
  EXPECT_EQ(out[0].events[0].duplicate_of, 1);
}

// Every engine must refuse to change or remove journal rows, whoever asks. (The SQLite
// engine's own wording of the refusal is checked in tests/storage/sqlite.)
TEST_P(JournalWriterTest, TriggersRefuseUpdateAndDelete) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")}, "original body"), Delivery({}, "other body")});

  for (const char* sql :
       {"UPDATE events SET value = '{}' WHERE seq = 1",
        "UPDATE events SET duplicate_of = 1 WHERE seq = 1", "DELETE FROM events WHERE seq = 1",
        "DELETE FROM events",
        "UPDATE deliveries SET body = (SELECT body FROM deliveries WHERE id = 2) WHERE id = 1",
        "DELETE FROM deliveries WHERE id = 1"}) {
    EXPECT_NE(TryRaw(Db(), sql), "") << "not refused: " << sql;
  }

  EXPECT_EQ(CountOf(Everything()), 1);
  EXPECT_EQ(Stored().deliveries, 2);
  EXPECT_EQ(Stored().events, 1);
  std::optional<StoredEvent> event = EventAt(1);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->value, Event("a").value);
  EXPECT_FALSE(event->duplicate_of.has_value());
  std::optional<StoredDelivery> delivery = DeliveryAt(1);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->body, "original body");
  journal.reset();
  ExpectVerifies(2, 1);
}

TEST_P(JournalWriterTest, ReopenContinuesSeqsAndChains) {
  {
    auto journal = Open();
    ASSERT_NE(journal, nullptr);
    Append(*journal, {Delivery({Event("a"), Event("b")}), Delivery({Event("c")})});
  }
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("d"), Event("e")})});

  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].delivery_id, 3);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_EQ(out[0].events[0].seq, 4);
  EXPECT_EQ(out[0].events[1].seq, 5);
  journal.reset();
  ExpectVerifies(3, 5);
}

TEST_P(JournalWriterTest, CommittedCountsDeliveriesAndEvents) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->Committed().deliveries, 0);
  EXPECT_EQ(journal->Committed().events, 0);

  Append(*journal, {Delivery({Event("a"), Event("b")}), Delivery({})});
  EXPECT_EQ(journal->Committed().deliveries, 2);
  EXPECT_EQ(journal->Committed().events, 2);

  Append(*journal, {Delivery({Event("a")})});
  EXPECT_EQ(journal->Committed().deliveries, 3);
  EXPECT_EQ(journal->Committed().events, 3);

  journal.reset();  // one writer per journal
  journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->Committed().deliveries, 3);
  EXPECT_EQ(journal->Committed().events, 3);
}

TEST_P(JournalWriterTest, StoresBodyBytesExactly) {
  using namespace std::string_literals;
  const std::string body = "{\"a\":\"\0\"}\xff\xfe\x80 \xc3(\r\n\0tail"s;
  ASSERT_EQ(body.size(), 22u);
  ASSERT_EQ(body.find('\0'), 6u);
  const std::string peer = "[::1]:54321";
  const std::string signature = "sha256=" + std::string(64, 'a');
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  DeliveryRecord d = Delivery({}, body);
  d.peer = peer;
  d.signature = signature;
  d.parse_error = "not JSON: whatever";
  Append(*journal, {d});

  std::optional<StoredDelivery> stored = DeliveryAt(1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->body, body);
  ASSERT_TRUE(stored->body.has_value());
  EXPECT_EQ(stored->body->size(), 22u);
  EXPECT_EQ(stored->peer, peer);
  EXPECT_EQ(stored->signature, signature);
  EXPECT_EQ(stored->parse_error, std::optional<std::string>("not JSON: whatever"));
  EXPECT_TRUE(stored->event_seqs.empty());
  EXPECT_TRUE(stored->waba_ids.empty());
  journal.reset();
  ExpectVerifies(1, 0);
}

TEST_P(JournalWriterTest, StoresEmptyBody) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({}, "")});

  std::optional<StoredDelivery> stored = DeliveryAt(1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->body, std::optional<std::string>(""));
  EXPECT_FALSE(stored->parse_error.has_value());
  journal.reset();
  ExpectVerifies(1, 0);
}

TEST_P(JournalWriterTest, FailureInLaterDeliveryLeavesNothingOfTheBatch) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")})});
  // The database itself refuses one particular event, behind the writer's back.
  RefuseEventsOfField(Db(), "boom", "boom refused");
  EventRecord boom = Event("boom-key");
  boom.field = "boom";

  Status status =
      TryAppend(*journal, {Delivery({Event("b")}), Delivery({Event("c"), boom}), Delivery({})});

  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kInternal) << status.message();
  EXPECT_EQ(status.message().find("boom"), std::string::npos)
      << "the engine's text is for the log only: " << status.message();
  EXPECT_EQ(journal->Committed().deliveries, 1);
  EXPECT_EQ(journal->Committed().events, 1);
  EXPECT_EQ(Stored().deliveries, 1);
  EXPECT_EQ(Stored().events, 1);
  EXPECT_EQ(CountOf(Everything()), 1);
  EXPECT_FALSE(DeliveryAt(2).has_value());
  EXPECT_FALSE(EventAt(2).has_value());

  // The rolled-back events are not first occurrences, and ids continue without a gap.
  auto out = Append(*journal, {Delivery({Event("b")})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].delivery_id, 2);
  ASSERT_EQ(out[0].events.size(), 1u);
  EXPECT_EQ(out[0].events[0].seq, 2);
  EXPECT_EQ(out[0].events[0].duplicate_of, 0);
  journal.reset();
  ExpectVerifies(2, 2);
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(JournalWriterTest);

}  // namespace
}  // namespace wj::storage
