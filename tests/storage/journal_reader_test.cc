#include "storage/journal_reader.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "storage/journal_writer.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

using Seqs = std::vector<std::int64_t>;
using Days = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (day, events)

constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr std::int64_t kT0 = 1'750'000'000'000;  // unix ms
constexpr std::int64_t kE0 = kT0 / 1000;         // the same instant in unix seconds

const std::string kWabaA = "1001";
const std::string kWabaB = "1002";
const std::string kWabaC = "1003";

EventRecord Ev(const std::string& waba, const std::string& field, const std::string& key) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = waba;
  e.field = field;
  e.dedup_key = key;
  e.value = R"({"key":")" + key + R"("})";
  return e;
}

// A messages item about `wamid`; `target` for a reaction / edit / revoke.
EventRecord Msg(const std::string& waba, const std::string& key, const std::string& wamid,
                const std::string& wa_id, std::optional<std::string> target = std::nullopt) {
  EventRecord e = Ev(waba, "messages", key);
  e.wamid = wamid;
  e.customers = {wa_id};
  e.target_wamid = std::move(target);
  e.value = R"({"messaging_product":"whatsapp","messages":[{"id":")" + wamid + R"("}]})";
  return e;
}

// An item of a compliance field whose value's "event" member is `event_name`.
EventRecord AuditEv(const std::string& waba, const std::string& field, const std::string& key,
                    const std::string& event_name, std::optional<std::int64_t> event_time) {
  EventRecord e = Ev(waba, field, key);
  e.event_time = event_time;
  e.value = R"({"event":")" + event_name + R"(","key":")" + key + R"("})";
  return e;
}

DeliveryRecord At(std::int64_t received_at_ms, std::vector<EventRecord> events,
                  std::string body = "{}") {
  DeliveryRecord d;
  d.received_at_ms = received_at_ms;
  d.peer = "10.0.0.7";
  d.signature = "sha256=0123abcd";
  d.body = std::move(body);
  d.events = std::move(events);
  return d;
}

Seqs SeqsOf(const std::vector<StoredEvent>& events) {
  Seqs out;
  for (const StoredEvent& e : events) out.push_back(e.seq);
  return out;
}

class JournalReaderTest : public wj::testing::StorageTest {
 protected:
  void SetUp() override {
    writer_ = Writer(NewDb());
    ASSERT_NE(writer_, nullptr);
    reader_ = Reader(NewDb(), 2);
    ASSERT_NE(reader_, nullptr);
  }

  // Appends `deliveries` as one batch; fails the test unless the append succeeds.
  std::vector<AppendedDelivery> Append(const std::vector<DeliveryRecord>& deliveries) {
    std::vector<const DeliveryRecord*> batch;
    for (const DeliveryRecord& d : deliveries) batch.push_back(&d);
    std::vector<AppendedDelivery> out;
    Status status = writer_->AppendBatch(batch, &out);
    EXPECT_TRUE(status.ok()) << status.message();
    return out;
  }

  EventPage Page(const EventFilter& filter) {
    auto page = reader_->Events(filter);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? page.value() : EventPage{};
  }

  Seqs List(const EventFilter& filter) { return SeqsOf(Page(filter).events); }

  // Follows next_after from the first page to the last; checks each page's cursor.
  Seqs Walk(EventFilter filter) {
    Seqs all;
    for (int pages = 0; pages < 10'000; ++pages) {
      EventPage page = Page(filter);
      EXPECT_LE(static_cast<int>(page.events.size()), filter.limit);
      Seqs seqs = SeqsOf(page.events);
      all.insert(all.end(), seqs.begin(), seqs.end());
      if (!page.next_after) return all;
      EXPECT_FALSE(seqs.empty());
      if (seqs.empty()) return all;
      EXPECT_EQ(*page.next_after, seqs.back());
      filter.after = page.next_after;
    }
    ADD_FAILURE() << "next_after never ran out";
    return all;
  }

  Seqs Message(const std::string& wamid, bool duplicates, int limit) {
    auto events = reader_->MessageEvents(wamid, duplicates, limit);
    EXPECT_TRUE(events.ok()) << events.status().message();
    return events.ok() ? SeqsOf(events.value()) : Seqs();
  }

  Days DailyOf(JournalReader& reader, const std::string& waba, std::int64_t from_day) {
    auto got = reader.DailyCounts(waba, from_day);
    EXPECT_TRUE(got.ok()) << got.status().message();
    Days out;
    if (got.ok()) {
      for (const DailyCount& c : got.value()) out.emplace_back(c.day, c.events);
    }
    return out;
  }

  AuditTimeline Timeline(const AuditFilter& filter) {
    auto timeline = reader_->Audit(filter);
    EXPECT_TRUE(timeline.ok()) << timeline.status().message();
    return timeline.ok() ? timeline.value() : AuditTimeline();
  }

  static AuditFilter AuditOfA() {
    AuditFilter f;
    f.waba_id = kWabaA;
    return f;
  }

  // Ten events in five deliveries, one second apart:
  //   seq  delivery received  waba  field                           key  wamid wa_id
  //   1    1        T0        A     messages                        k1   m1    u1
  //   2    1        T0        A     account_update                  k2
  //   3    2        T0+1000   B     messages                        k3   m2    u2
  //   4    2        T0+1000   A     messages (duplicate of 1)       k1   m1    u1
  //   5    3        T0+2000   C     message_template_status_update  k5
  //   6    3        T0+2000   A     messages                        k6   m3    u1
  //   7    4        T0+3000   B     account_update                  k7
  //   8    4        T0+3000   B     messages (duplicate of 3)       k3   m2    u2
  //   9    5        T0+4000   A     messages                        k9   m1    u1
  //   10   5        T0+4000   C     messages                        k10  m4    u2
  void AppendCorpus() {
    EventRecord first = Msg(kWabaA, "k1", "m1", "u1");
    first.event_time = kE0 - 5;
    Append({At(kT0, {first, Ev(kWabaA, "account_update", "k2")}),
            At(kT0 + 1000, {Msg(kWabaB, "k3", "m2", "u2"), first})});
    Append({At(kT0 + 2000, {Ev(kWabaC, "message_template_status_update", "k5"),
                            Msg(kWabaA, "k6", "m3", "u1")})});
    Append({At(kT0 + 3000, {Ev(kWabaB, "account_update", "k7"), Msg(kWabaB, "k3", "m2", "u2")}),
            At(kT0 + 4000, {Msg(kWabaA, "k9", "m1", "u1"), Msg(kWabaC, "k10", "m4", "u2")})});
  }

  // seq 1: message A; 2: status of A; 3: message B; 4: reaction R to A; 5: reaction S to B;
  // 6: redelivered status of A; 7: edit E of A; 8: redelivered reaction R; 9: revoke V of A;
  // 10: another status of A.
  void AppendMessages() {
    Append({At(kT0, {Msg(kWabaA, "msg-A", "wamid.A", "u1")})});
    Append({At(kT0 + 1, {Msg(kWabaA, "st-A-delivered", "wamid.A", "u1"),
                         Msg(kWabaA, "msg-B", "wamid.B", "u2")}),
            At(kT0 + 2, {Msg(kWabaA, "re-R", "wamid.R", "u1", "wamid.A"),
                         Msg(kWabaA, "re-S", "wamid.S", "u2", "wamid.B")})});
    Append({At(kT0 + 3, {Msg(kWabaA, "st-A-delivered", "wamid.A", "u1"),
                         Msg(kWabaA, "ed-E", "wamid.E", "u1", "wamid.A"),
                         Msg(kWabaA, "re-R", "wamid.R", "u1", "wamid.A")})});
    Append({At(kT0 + 4, {Msg(kWabaA, "rv-V", "wamid.V", "u1", "wamid.A"),
                         Msg(kWabaA, "st-A-read", "wamid.A", "u1")})});
  }

  // A compliance timeline (E0 = T0 in seconds):
  //   seq  received   waba  field                           event_time  note
  //   1    T0         A     messages                        -           not an audit field
  //   2    T0         A     message_template_status_update  E0+200      APPROVED, appended
  //                                                                     before the older one
  //   3    T0+1000    A     message_template_status_update  E0+100      REJECTED
  //   4    T0+150999  A     account_update                  -           receipt: E0+150
  //   5    T0+150999  B     account_update                  E0+120      other WABA
  //   6    T0+200000  A     message_template_status_update  E0+100      duplicate of 3
  //   7    T0+200000  A     phone_number_quality_update     E0+150      ties with 4
  //   8    T0+300000  A     security                        E0+50
  // Timeline of A: 8, 3, 4, 7, 2.
  void AppendTimeline() {
    const EventRecord rejected =
        AuditEv(kWabaA, "message_template_status_update", "tpl-rej", "REJECTED", kE0 + 100);
    Append({At(kT0, {Msg(kWabaA, "msg", "wamid.1", "u1"),
                     AuditEv(kWabaA, "message_template_status_update", "tpl-ok", "APPROVED",
                             kE0 + 200)}),
            At(kT0 + 1000, {rejected})});
    Append({At(kT0 + 150'999,
               {AuditEv(kWabaA, "account_update", "acct", "VERIFIED_ACCOUNT", std::nullopt),
                AuditEv(kWabaB, "account_update", "acct-b", "DISABLED_UPDATE", kE0 + 120)})});
    Append({At(kT0 + 200'000, {rejected, AuditEv(kWabaA, "phone_number_quality_update", "q",
                                                 "DOWNGRADE", kE0 + 150)})});
    Append({At(kT0 + 300'000, {AuditEv(kWabaA, "security", "sec", "PIN_CHANGED", kE0 + 50)})});
  }

  std::unique_ptr<JournalWriter> writer_;
  std::unique_ptr<JournalReader> reader_;
};

// ---------------------------------------------------------------------------------------
// Events()

TEST_P(JournalReaderTest, ListsFirstOccurrencesInSeqOrderByDefault) {
  AppendCorpus();
  EventPage page = Page(EventFilter{});
  EXPECT_EQ(SeqsOf(page.events), (Seqs{1, 2, 3, 5, 6, 7, 9, 10}));
  EXPECT_FALSE(page.next_after.has_value());
  for (const StoredEvent& e : page.events) EXPECT_FALSE(e.duplicate_of.has_value()) << e.seq;
}

TEST_P(JournalReaderTest, IncludesDuplicatesWhenAsked) {
  AppendCorpus();
  EventFilter f;
  f.include_duplicates = true;
  EventPage page = Page(f);
  EXPECT_EQ(SeqsOf(page.events), (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  ASSERT_EQ(page.events.size(), 10u);
  EXPECT_EQ(page.events[3].duplicate_of, std::optional<std::int64_t>(1));
  EXPECT_EQ(page.events[7].duplicate_of, std::optional<std::int64_t>(3));
}

TEST_P(JournalReaderTest, EmptyJournalListsNothing) {
  EventPage page = Page(EventFilter{});
  EXPECT_TRUE(page.events.empty());
  EXPECT_FALSE(page.next_after.has_value());
}

TEST_P(JournalReaderTest, FiltersByAnyOfWabaIds) {
  AppendCorpus();
  EventFilter f;
  f.waba_ids = {kWabaA};
  EXPECT_EQ(List(f), (Seqs{1, 2, 6, 9}));
  f.waba_ids = {kWabaC, kWabaA};
  EXPECT_EQ(List(f), (Seqs{1, 2, 5, 6, 9, 10}));
  f.waba_ids = {"no-such-waba"};
  EXPECT_EQ(List(f), Seqs{});
  f.waba_ids = {kWabaA};
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{1, 2, 4, 6, 9}));
}

TEST_P(JournalReaderTest, FiltersByAnyOfFields) {
  AppendCorpus();
  EventFilter f;
  f.fields = {"messages"};
  EXPECT_EQ(List(f), (Seqs{1, 3, 6, 9, 10}));
  f.fields = {"message_template_status_update", "account_update"};
  EXPECT_EQ(List(f), (Seqs{2, 5, 7}));
}

TEST_P(JournalReaderTest, FiltersByWabaAndField) {
  AppendCorpus();
  EventFilter f;
  f.waba_ids = {kWabaA};
  f.fields = {"messages"};
  EXPECT_EQ(List(f), (Seqs{1, 6, 9}));
  f.waba_ids = {kWabaB, kWabaC};
  f.fields = {"account_update"};
  EXPECT_EQ(List(f), (Seqs{7}));
  f.waba_ids = {kWabaC};
  f.fields = {"account_update"};
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, SinceIsInclusiveAndUntilIsExclusiveOnReceivedAt) {
  AppendCorpus();
  EventFilter f;
  f.since_ms = kT0 + 1000;
  EXPECT_EQ(List(f), (Seqs{3, 5, 6, 7, 9, 10}));
  f.since_ms = kT0 + 1001;
  EXPECT_EQ(List(f), (Seqs{5, 6, 7, 9, 10}));
  f.since_ms.reset();
  f.until_ms = kT0 + 3000;
  EXPECT_EQ(List(f), (Seqs{1, 2, 3, 5, 6}));
  f.until_ms = kT0 + 3001;
  EXPECT_EQ(List(f), (Seqs{1, 2, 3, 5, 6, 7}));
  f.since_ms = kT0 + 1000;
  f.until_ms = kT0 + 3000;
  EXPECT_EQ(List(f), (Seqs{3, 5, 6}));
  f.include_duplicates = true;
  f.until_ms = kT0 + 3001;
  EXPECT_EQ(List(f), (Seqs{3, 4, 5, 6, 7, 8}));
  f.since_ms = kT0 + 3000;
  f.until_ms = kT0 + 3000;
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, AfterIsExclusiveInAscendingOrder) {
  AppendCorpus();
  EventFilter f;
  f.after = 3;
  EXPECT_EQ(List(f), (Seqs{5, 6, 7, 9, 10}));
  f.after = 4;  // a duplicate's seq works as a cursor too
  EXPECT_EQ(List(f), (Seqs{5, 6, 7, 9, 10}));
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{5, 6, 7, 8, 9, 10}));
  f.after = 10;
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, AfterIsExclusiveInDescendingOrder) {
  AppendCorpus();
  EventFilter f;
  f.descending = true;
  f.after = 5;
  EXPECT_EQ(List(f), (Seqs{3, 2, 1}));
  f.include_duplicates = true;
  f.after = 9;
  EXPECT_EQ(List(f), (Seqs{8, 7, 6, 5, 4, 3, 2, 1}));
  f.after = 1;
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, UntilSeqIsInclusive) {
  AppendCorpus();
  EventFilter f;
  f.until_seq = 6;
  EXPECT_EQ(List(f), (Seqs{1, 2, 3, 5, 6}));
  f.descending = true;
  EXPECT_EQ(List(f), (Seqs{6, 5, 3, 2, 1}));
  f.until_seq = 0;
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, FiltersByWamid) {
  AppendCorpus();
  EventFilter f;
  f.wamid = "m1";
  EXPECT_EQ(List(f), (Seqs{1, 9}));
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{1, 4, 9}));
  f.wamid = "m-unknown";
  EXPECT_EQ(List(f), Seqs{});
}

TEST_P(JournalReaderTest, FiltersByWaId) {
  AppendCorpus();
  EventFilter f;
  f.wa_id = "u2";
  EXPECT_EQ(List(f), (Seqs{3, 10}));
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{3, 8, 10}));
  f.wa_id = "u1";
  EXPECT_EQ(List(f), (Seqs{1, 4, 6, 9}));
}

TEST_P(JournalReaderTest, CombinesEveryFilter) {
  AppendCorpus();
  EventFilter f;
  f.waba_ids = {kWabaA, kWabaB};
  f.fields = {"messages"};
  f.since_ms = kT0 + 1000;
  f.wa_id = "u1";
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{4, 6, 9}));
  f.until_seq = 6;
  EXPECT_EQ(List(f), (Seqs{4, 6}));
  f.after = 4;
  EXPECT_EQ(List(f), (Seqs{6}));
  f.wamid = "m3";
  EXPECT_EQ(List(f), (Seqs{6}));
  f.wamid = "m1";
  EXPECT_EQ(List(f), Seqs{});
  f.wamid.reset();
  f.after.reset();
  f.until_seq.reset();
  f.until_ms = kT0 + 4000;
  f.descending = true;
  EXPECT_EQ(List(f), (Seqs{6, 4}));
  f.include_duplicates = false;
  EXPECT_EQ(List(f), (Seqs{6}));
}

TEST_P(JournalReaderTest, DescendingOrderListsNewestFirst) {
  AppendCorpus();
  EventFilter f;
  f.descending = true;
  EXPECT_EQ(List(f), (Seqs{10, 9, 7, 6, 5, 3, 2, 1}));
  f.include_duplicates = true;
  EXPECT_EQ(List(f), (Seqs{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
}

TEST_P(JournalReaderTest, ReturnsStoredColumnsOfEachEvent) {
  AppendCorpus();
  EventFilter f;
  f.include_duplicates = true;
  f.after = 3;
  f.limit = 2;
  EventPage page = Page(f);
  ASSERT_EQ(page.events.size(), 2u);
  const StoredEvent& dup = page.events[0];
  EXPECT_EQ(dup.seq, 4);
  EXPECT_EQ(dup.delivery_id, 2);
  EXPECT_EQ(dup.object, "whatsapp_business_account");
  EXPECT_EQ(dup.waba_id, kWabaA);
  EXPECT_EQ(dup.field, "messages");
  EXPECT_EQ(dup.event_time, std::optional<std::int64_t>(kE0 - 5));
  EXPECT_EQ(dup.received_at_ms, kT0 + 1000);
  EXPECT_EQ(dup.dedup_digest, DedupDigest(NewDb(), Msg(kWabaA, "k1", "m1", "u1")));
  EXPECT_EQ(dup.duplicate_of, std::optional<std::int64_t>(1));
  EXPECT_EQ(dup.subject_ids.size(), 1u);
  EXPECT_FALSE(dup.erasure_id.has_value());
  EXPECT_EQ(dup.value, R"({"messaging_product":"whatsapp","messages":[{"id":"m1"}]})");
  const StoredEvent& plain = page.events[1];
  EXPECT_EQ(plain.seq, 5);
  EXPECT_EQ(plain.delivery_id, 3);
  EXPECT_EQ(plain.waba_id, kWabaC);
  EXPECT_EQ(plain.field, "message_template_status_update");
  EXPECT_FALSE(plain.event_time.has_value());
  EXPECT_FALSE(plain.duplicate_of.has_value());
  EXPECT_TRUE(plain.subject_ids.empty());
  EXPECT_EQ(plain.value, R"({"key":"k5"})");
}

TEST_P(JournalReaderTest, NextAfterIsSetOnlyWhenMoreRowsFollow) {
  AppendCorpus();
  EventFilter f;
  f.limit = 3;
  EventPage p1 = Page(f);
  EXPECT_EQ(SeqsOf(p1.events), (Seqs{1, 2, 3}));
  EXPECT_EQ(p1.next_after, std::optional<std::int64_t>(3));
  f.after = p1.next_after;
  EventPage p2 = Page(f);
  EXPECT_EQ(SeqsOf(p2.events), (Seqs{5, 6, 7}));
  EXPECT_EQ(p2.next_after, std::optional<std::int64_t>(7));
  f.after = p2.next_after;
  EventPage p3 = Page(f);
  EXPECT_EQ(SeqsOf(p3.events), (Seqs{9, 10}));
  EXPECT_FALSE(p3.next_after.has_value());

  // Exactly `limit` rows left: the page is full but nothing follows.
  f.limit = 4;
  f.after.reset();
  EventPage full = Page(f);
  EXPECT_EQ(SeqsOf(full.events), (Seqs{1, 2, 3, 5}));
  EXPECT_EQ(full.next_after, std::optional<std::int64_t>(5));
  f.after = full.next_after;
  EventPage last = Page(f);
  EXPECT_EQ(SeqsOf(last.events), (Seqs{6, 7, 9, 10}));
  EXPECT_FALSE(last.next_after.has_value());

  f.limit = 8;
  f.after.reset();
  EventPage all = Page(f);
  EXPECT_EQ(all.events.size(), 8u);
  EXPECT_FALSE(all.next_after.has_value());
}

TEST_P(JournalReaderTest, NextAfterPagesDescendingToTheOldest) {
  AppendCorpus();
  EventFilter f;
  f.descending = true;
  f.limit = 3;
  EventPage p1 = Page(f);
  EXPECT_EQ(SeqsOf(p1.events), (Seqs{10, 9, 7}));
  EXPECT_EQ(p1.next_after, std::optional<std::int64_t>(7));
  f.after = p1.next_after;
  EventPage p2 = Page(f);
  EXPECT_EQ(SeqsOf(p2.events), (Seqs{6, 5, 3}));
  EXPECT_EQ(p2.next_after, std::optional<std::int64_t>(3));
  f.after = p2.next_after;
  EventPage p3 = Page(f);
  EXPECT_EQ(SeqsOf(p3.events), (Seqs{2, 1}));
  EXPECT_FALSE(p3.next_after.has_value());
}

TEST_P(JournalReaderTest, FollowingNextAfterVisitsEveryRowExactlyOnce) {
  AppendCorpus();
  const Seqs firsts = {1, 2, 3, 5, 6, 7, 9, 10};
  const Seqs everything = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  for (bool duplicates : {false, true}) {
    for (bool descending : {false, true}) {
      Seqs expected = duplicates ? everything : firsts;
      if (descending) std::reverse(expected.begin(), expected.end());
      for (int limit = 1; limit <= 11; ++limit) {
        EventFilter f;
        f.include_duplicates = duplicates;
        f.descending = descending;
        f.limit = limit;
        EXPECT_EQ(Walk(f), expected)
            << "duplicates=" << duplicates << " descending=" << descending << " limit=" << limit;
      }
    }
  }
  // With a filter, too.
  EventFilter f;
  f.waba_ids = {kWabaA, kWabaC};
  f.include_duplicates = true;
  f.limit = 2;
  EXPECT_EQ(Walk(f), (Seqs{1, 2, 4, 5, 6, 9, 10}));
}

TEST_P(JournalReaderTest, LimitIsClampedToOneAndMaxPageSize) {
  std::vector<EventRecord> bulk;
  for (int i = 0; i < kMaxPageSize + 5; ++i) {
    bulk.push_back(Ev(kWabaA, "messages", "bulk-" + std::to_string(i)));
  }
  Append({At(kT0, std::move(bulk))});

  EventFilter f;
  f.limit = 0;
  EventPage zero = Page(f);
  EXPECT_EQ(SeqsOf(zero.events), (Seqs{1}));
  EXPECT_EQ(zero.next_after, std::optional<std::int64_t>(1));
  f.limit = -7;
  EventPage negative = Page(f);
  EXPECT_EQ(SeqsOf(negative.events), (Seqs{1}));
  EXPECT_EQ(negative.next_after, std::optional<std::int64_t>(1));

  f.limit = 100'000;
  EventPage big = Page(f);
  ASSERT_EQ(big.events.size(), static_cast<std::size_t>(kMaxPageSize));
  EXPECT_EQ(big.events.front().seq, 1);
  EXPECT_EQ(big.events.back().seq, kMaxPageSize);
  EXPECT_EQ(big.next_after, std::optional<std::int64_t>(kMaxPageSize));
  f.after = big.next_after;
  EventPage rest = Page(f);
  EXPECT_EQ(SeqsOf(rest.events), (Seqs{1001, 1002, 1003, 1004, 1005}));
  EXPECT_FALSE(rest.next_after.has_value());

  f.after.reset();
  f.limit = kMaxPageSize;
  EXPECT_EQ(Page(f).events.size(), static_cast<std::size_t>(kMaxPageSize));
  f.limit = kMaxPageSize + 1;
  EXPECT_EQ(Page(f).events.size(), static_cast<std::size_t>(kMaxPageSize));
}

TEST_P(JournalReaderTest, PagingStaysStableWhileEventsAreAppended) {
  AppendCorpus();
  EventFilter f;
  f.limit = 3;
  EventPage p1 = Page(f);
  EXPECT_EQ(SeqsOf(p1.events), (Seqs{1, 2, 3}));
  ASSERT_EQ(p1.next_after, std::optional<std::int64_t>(3));

  // New events between pages: a first occurrence, a redelivery of k6, another first one.
  Append({At(kT0 + 5000, {Ev(kWabaB, "account_update", "k11"), Msg(kWabaA, "k6", "m3", "u1"),
                          Ev(kWabaA, "security", "k13")})});

  Seqs seen = SeqsOf(p1.events);
  f.after = p1.next_after;
  EventPage p2 = Page(f);
  EXPECT_EQ(SeqsOf(p2.events), (Seqs{5, 6, 7}));
  ASSERT_EQ(p2.next_after, std::optional<std::int64_t>(7));
  Seqs s2 = SeqsOf(p2.events);
  seen.insert(seen.end(), s2.begin(), s2.end());

  Append({At(kT0 + 6000, {Ev(kWabaC, "messages", "k14")})});

  f.after = p2.next_after;
  Seqs rest = Walk(f);
  seen.insert(seen.end(), rest.begin(), rest.end());
  EXPECT_EQ(seen, (Seqs{1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14}));

  // A descending walk started before an append does not see it (it is above the cursor)
  // and still ends at the oldest row.
  EventFilter d;
  d.descending = true;
  d.limit = 4;
  EventPage top = Page(d);
  EXPECT_EQ(SeqsOf(top.events), (Seqs{14, 13, 11, 10}));
  Append({At(kT0 + 7000, {Ev(kWabaC, "messages", "k16")})});
  d.after = top.next_after;
  EXPECT_EQ(Walk(d), (Seqs{9, 7, 6, 5, 3, 2, 1}));
}

// ---------------------------------------------------------------------------------------
// Event(), DuplicatesOf()

TEST_P(JournalReaderTest, EventReturnsTheEventWithThatSeq) {
  AppendCorpus();
  auto event = reader_->Event(8);
  ASSERT_TRUE(event.ok()) << event.status().message();
  ASSERT_TRUE(event->has_value());
  const StoredEvent& e = *event.value();
  EXPECT_EQ(e.seq, 8);
  EXPECT_EQ(e.delivery_id, 4);
  EXPECT_EQ(e.waba_id, kWabaB);
  EXPECT_EQ(e.field, "messages");
  EXPECT_EQ(e.received_at_ms, kT0 + 3000);
  EXPECT_EQ(e.dedup_digest, DedupDigest(NewDb(), Msg(kWabaB, "k3", "m2", "u2")));
  EXPECT_EQ(e.duplicate_of, std::optional<std::int64_t>(3));
  EXPECT_EQ(e.subject_ids.size(), 1u);

  auto first = reader_->Event(1);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(first.value()->event_time, std::optional<std::int64_t>(kE0 - 5));
  EXPECT_FALSE(first.value()->duplicate_of.has_value());
}

TEST_P(JournalReaderTest, EventIsNulloptForUnknownSeq) {
  AppendCorpus();
  for (std::int64_t seq : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{11}}) {
    auto event = reader_->Event(seq);
    ASSERT_TRUE(event.ok()) << event.status().message();
    EXPECT_FALSE(event->has_value()) << seq;
  }
}

TEST_P(JournalReaderTest, DuplicatesOfListsRedeliveriesInSeqOrder) {
  Append({At(kT0, {Ev(kWabaA, "messages", "x"), Ev(kWabaA, "messages", "y")})});
  Append({At(kT0 + 1000, {Ev(kWabaA, "messages", "x"), Ev(kWabaA, "messages", "z")}),
          At(kT0 + 2000, {Ev(kWabaA, "messages", "x")})});
  Append({At(kT0 + 3000, {Ev(kWabaA, "messages", "y"), Ev(kWabaA, "messages", "x")})});
  // x: 1, 3, 5, 7 ; y: 2, 6 ; z: 4

  auto of_x = reader_->DuplicatesOf(1);
  ASSERT_TRUE(of_x.ok()) << of_x.status().message();
  EXPECT_EQ(SeqsOf(of_x.value()), (Seqs{3, 5, 7}));
  for (const StoredEvent& e : of_x.value()) {
    EXPECT_EQ(e.duplicate_of, std::optional<std::int64_t>(1));
    EXPECT_EQ(e.dedup_digest, DedupDigest(NewDb(), Ev(kWabaA, "messages", "x")));
  }
  ASSERT_EQ(of_x->size(), 3u);
  EXPECT_EQ(of_x.value()[1].received_at_ms, kT0 + 2000);
  EXPECT_EQ(of_x.value()[1].delivery_id, 3);

  auto of_y = reader_->DuplicatesOf(2);
  ASSERT_TRUE(of_y.ok());
  EXPECT_EQ(SeqsOf(of_y.value()), (Seqs{6}));

  for (std::int64_t seq : {std::int64_t{4}, std::int64_t{3}, std::int64_t{99}}) {
    auto none = reader_->DuplicatesOf(seq);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty()) << seq;
  }
}

// ---------------------------------------------------------------------------------------
// Delivery()

TEST_P(JournalReaderTest, DeliveryReturnsExactBodyAndItsEvents) {
  const std::string body("{\"a\":\"x\0y\"}\xff\xfe\x80 tail\n", 20);
  ASSERT_EQ(body.size(), 20u);
  ASSERT_EQ(body[7], '\0');
  DeliveryRecord d = At(kT0 + 42,
                        {Ev("300", "messages", "a"), Ev("100", "messages", "b"),
                         Ev("300", "account_update", "c"), Ev("200", "security", "d")},
                        body);
  d.peer = "192.0.2.1";
  d.signature = "sha256=feedface";
  Append({At(kT0, {Ev(kWabaA, "messages", "before")}), d});

  auto got = reader_->Delivery(2);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  const StoredDelivery& s = *got.value();
  EXPECT_EQ(s.id, 2);
  EXPECT_EQ(s.received_at_ms, kT0 + 42);
  EXPECT_EQ(s.peer, "192.0.2.1");
  EXPECT_EQ(s.signature, "sha256=feedface");
  ASSERT_TRUE(s.body.has_value());
  EXPECT_EQ(s.body->size(), 20u);
  EXPECT_EQ(s.body, body);
  EXPECT_FALSE(s.parse_error.has_value());
  EXPECT_EQ(s.event_seqs, (Seqs{2, 3, 4, 5}));
  EXPECT_EQ(s.waba_ids, (std::vector<std::string>{"100", "200", "300"}));
}

TEST_P(JournalReaderTest, DeliveryReturnsParseErrorOfBodyWithoutEvents) {
  const std::string body("not json\0\xc3", 10);
  DeliveryRecord bad = At(kT0, {}, body);
  bad.parse_error = "body is not JSON";
  Append({bad});

  auto got = reader_->Delivery(1);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(got.value()->body, body);
  EXPECT_EQ(got.value()->parse_error, std::optional<std::string>("body is not JSON"));
  EXPECT_TRUE(got.value()->event_seqs.empty());
  EXPECT_TRUE(got.value()->waba_ids.empty());
}

TEST_P(JournalReaderTest, DeliveryIsNulloptForUnknownId) {
  AppendCorpus();
  for (std::int64_t id : {std::int64_t{0}, std::int64_t{6}, std::int64_t{1'000'000}}) {
    auto got = reader_->Delivery(id);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_FALSE(got->has_value()) << id;
  }
  auto known = reader_->Delivery(5);
  ASSERT_TRUE(known.ok());
  ASSERT_TRUE(known->has_value());
  EXPECT_EQ(known.value()->event_seqs, (Seqs{9, 10}));
  EXPECT_EQ(known.value()->waba_ids, (std::vector<std::string>{kWabaA, kWabaC}));
}

// ---------------------------------------------------------------------------------------
// MessageEvents()

TEST_P(JournalReaderTest, MessageEventsListsTheMessageAndEventsPointingAtItInSeqOrder) {
  AppendMessages();
  EXPECT_EQ(Message("wamid.A", false, 100), (Seqs{1, 2, 4, 7, 9, 10}));
  EXPECT_EQ(Message("wamid.B", false, 100), (Seqs{3, 5}));
  // A reaction's own id finds the reaction only.
  EXPECT_EQ(Message("wamid.R", false, 100), (Seqs{4}));
}

TEST_P(JournalReaderTest, MessageEventsIncludeDuplicatesOnlyWhenAsked) {
  AppendMessages();
  EXPECT_EQ(Message("wamid.A", true, 100), (Seqs{1, 2, 4, 6, 7, 8, 9, 10}));
  EXPECT_EQ(Message("wamid.R", true, 100), (Seqs{4, 8}));
  auto events = reader_->MessageEvents("wamid.A", true, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 8u);
  EXPECT_EQ(events.value()[3].duplicate_of, std::optional<std::int64_t>(2));
  EXPECT_EQ(events.value()[5].duplicate_of, std::optional<std::int64_t>(4));
}

TEST_P(JournalReaderTest, MessageEventsRespectLimit) {
  AppendMessages();
  EXPECT_EQ(Message("wamid.A", false, 3), (Seqs{1, 2, 4}));
  EXPECT_EQ(Message("wamid.A", true, 4), (Seqs{1, 2, 4, 6}));
  EXPECT_EQ(Message("wamid.A", false, 1), (Seqs{1}));
  EXPECT_EQ(Message("wamid.A", false, 6), (Seqs{1, 2, 4, 7, 9, 10}));
}

TEST_P(JournalReaderTest, MessageEventsOfUnrelatedWamidAreEmpty) {
  AppendMessages();
  EXPECT_EQ(Message("wamid.unrelated", true, 100), Seqs{});
  EXPECT_EQ(Message("", true, 100), Seqs{});
}

// ---------------------------------------------------------------------------------------
// Wabas(), DailyCounts()

TEST_P(JournalReaderTest, WabaSummariesAccumulateAcrossBatches) {
  // Batch by batch; received_at deliberately not monotonic.
  const std::vector<std::vector<DeliveryRecord>> batches = {
      {At(kT0 + 5000, {Ev(kWabaA, "messages", "k1"), Ev(kWabaA, "messages", "k2"),
                       Ev(kWabaB, "account_update", "k3")}),
       At(kT0 + 6000, {Ev(kWabaA, "messages", "k1"), Ev(kWabaA, "account_update", "k4")})},
      {At(kT0 + 1000, {Ev(kWabaA, "messages", "k5"), Ev(kWabaB, "account_update", "k3"),
                       Ev(kWabaC, "security", "k6")})},
      {At(kT0 + 9000, {Ev(kWabaA, "messages", "k2"), Ev(kWabaA, "messages", "k2"),
                       Ev(kWabaB, "messages", "k7"), Ev(kWabaA, "account_update", "k8")}),
       At(kT0 + 7000, {Ev(kWabaC, "security", "k6")})},
      // Older than what C's counters already hold: must not move last_seen back.
      {At(kT0 + 2000, {Ev(kWabaC, "security", "k9")})},
  };

  // The expected summaries, computed from the records alone.
  std::map<std::string, WabaSummary> expected;
  std::set<std::string> seen_keys;
  for (const auto& batch : batches) {
    Append(batch);
    for (const DeliveryRecord& d : batch) {
      for (const EventRecord& e : d.events) {
        const bool duplicate = !seen_keys.insert(e.dedup_key).second;
        WabaSummary& w = expected[e.waba_id];
        if (w.waba_id.empty()) {
          w.waba_id = e.waba_id;
          w.first_seen_ms = w.last_seen_ms = d.received_at_ms;
        }
        w.first_seen_ms = std::min(w.first_seen_ms, d.received_at_ms);
        w.last_seen_ms = std::max(w.last_seen_ms, d.received_at_ms);
        (duplicate ? w.duplicates : w.events) += 1;
        (duplicate ? w.fields[e.field].duplicates : w.fields[e.field].events) += 1;
      }
    }
  }

  auto wabas = reader_->Wabas();
  ASSERT_TRUE(wabas.ok()) << wabas.status().message();
  ASSERT_EQ(wabas->size(), expected.size());
  std::size_t i = 0;
  for (const auto& [id, want] : expected) {
    const WabaSummary& got = wabas.value()[i++];
    EXPECT_EQ(got.waba_id, id);
    EXPECT_EQ(got.events, want.events) << id;
    EXPECT_EQ(got.duplicates, want.duplicates) << id;
    EXPECT_EQ(got.first_seen_ms, want.first_seen_ms) << id;
    EXPECT_EQ(got.last_seen_ms, want.last_seen_ms) << id;
    ASSERT_EQ(got.fields.size(), want.fields.size()) << id;
    for (const auto& [field, count] : want.fields) {
      ASSERT_EQ(got.fields.count(field), 1u) << id << " " << field;
      EXPECT_EQ(got.fields.at(field).events, count.events) << id << " " << field;
      EXPECT_EQ(got.fields.at(field).duplicates, count.duplicates) << id << " " << field;
    }
  }

  // And spelled out for two WABAs, so that the model above cannot hide a mistake.
  const WabaSummary& a = wabas.value()[0];
  EXPECT_EQ(a.waba_id, kWabaA);
  EXPECT_EQ(a.events, 5);
  EXPECT_EQ(a.duplicates, 3);
  EXPECT_EQ(a.first_seen_ms, kT0 + 1000);
  EXPECT_EQ(a.last_seen_ms, kT0 + 9000);
  EXPECT_EQ(a.fields.at("messages").events, 3);
  EXPECT_EQ(a.fields.at("messages").duplicates, 3);
  EXPECT_EQ(a.fields.at("account_update").events, 2);
  EXPECT_EQ(a.fields.at("account_update").duplicates, 0);
  const WabaSummary& c = wabas.value()[2];
  EXPECT_EQ(c.waba_id, kWabaC);
  EXPECT_EQ(c.events, 2);
  EXPECT_EQ(c.duplicates, 1);
  EXPECT_EQ(c.first_seen_ms, kT0 + 1000);
  EXPECT_EQ(c.last_seen_ms, kT0 + 7000);
}

TEST_P(JournalReaderTest, WabasOfEmptyJournalAreEmpty) {
  auto wabas = reader_->Wabas();
  ASSERT_TRUE(wabas.ok()) << wabas.status().message();
  EXPECT_TRUE(wabas->empty());
}

TEST_P(JournalReaderTest, DailyCountsCountFirstOccurrencesPerUtcDay) {
  const std::int64_t day = 20'000;
  const std::int64_t midnight = day * kMillisPerDay;
  Append({At(midnight - 1, {Ev(kWabaA, "messages", "k1")}),
          At(midnight, {Ev(kWabaA, "messages", "k2"), Ev(kWabaA, "security", "k3")})});
  Append({At(midnight + kMillisPerDay - 1,
             {Ev(kWabaA, "messages", "k4"), Ev(kWabaA, "messages", "k2")})});
  Append({At(
      midnight + 2 * kMillisPerDay + 5,
      {Ev(kWabaA, "messages", "k5"), Ev(kWabaB, "messages", "k6"), Ev(kWabaA, "messages", "k1")})});

  EXPECT_EQ(DailyOf(*reader_, kWabaA, 0), (Days{{day - 1, 1}, {day, 3}, {day + 2, 1}}));
  EXPECT_EQ(DailyOf(*reader_, kWabaA, day), (Days{{day, 3}, {day + 2, 1}}));
  EXPECT_EQ(DailyOf(*reader_, kWabaA, day + 1), (Days{{day + 2, 1}}));
  EXPECT_EQ(DailyOf(*reader_, kWabaA, day + 2), (Days{{day + 2, 1}}));
  EXPECT_EQ(DailyOf(*reader_, kWabaA, day + 3), Days{});
  EXPECT_EQ(DailyOf(*reader_, kWabaB, 0), (Days{{day + 2, 1}}));
  EXPECT_EQ(DailyOf(*reader_, "no-such-waba", 0), Days{});
}

// ---------------------------------------------------------------------------------------
// Audit(), LatestAuditEvent()

TEST_P(JournalReaderTest, AuditFieldsAreTheComplianceFieldsAndErasures) {
  std::set<std::string> got;
  for (std::string_view f : AuditFields()) got.insert(std::string(f));
  EXPECT_EQ(got, (std::set<std::string>{
                     "account_alerts", "account_review_update", "account_update",
                     "business_capability_update", "erasure", "message_template_quality_update",
                     "message_template_status_update", "phone_number_name_update",
                     "phone_number_quality_update", "security", "template_category_update"}));
  EXPECT_EQ(AuditFields().size(), 11u);
}

TEST_P(JournalReaderTest, AuditListsFirstOccurrencesOfAuditFieldsInTimeOrder) {
  AppendTimeline();
  AuditTimeline t = Timeline(AuditOfA());
  EXPECT_EQ(SeqsOf(t.items), (Seqs{8, 3, 4, 7, 2}));
  EXPECT_FALSE(t.truncated);
  const std::set<std::string_view> audit(AuditFields().begin(), AuditFields().end());
  for (const StoredEvent& e : t.items) {
    EXPECT_EQ(audit.count(e.field), 1u) << e.field;
    EXPECT_EQ(e.waba_id, kWabaA);
    EXPECT_FALSE(e.duplicate_of.has_value()) << e.seq;
  }
  ASSERT_EQ(t.items.size(), 5u);
  EXPECT_EQ(t.items[1].value, R"({"event":"REJECTED","key":"tpl-rej"})");

  AuditFilter b;
  b.waba_id = kWabaB;
  EXPECT_EQ(SeqsOf(Timeline(b).items), (Seqs{5}));
  AuditFilter none;
  none.waba_id = "no-such-waba";
  AuditTimeline empty = Timeline(none);
  EXPECT_TRUE(empty.items.empty());
  EXPECT_FALSE(empty.truncated);
}

TEST_P(JournalReaderTest, AuditOrdersByEventTimeEvenWhenAppendedOutOfOrder) {
  // The approval (later event_time) is appended before the rejection it follows.
  Append({At(
      kT0, {AuditEv(kWabaA, "message_template_status_update", "approve", "APPROVED", kE0 + 20)})});
  Append({At(kT0 + 1000,
             {AuditEv(kWabaA, "message_template_status_update", "reject", "REJECTED", kE0 + 10)})});
  // Without event_time: receipt in whole seconds, kE0 + 15, between the two.
  Append({At(kT0 + 15'999, {AuditEv(kWabaA, "account_update", "u", "X", std::nullopt)})});
  // The same instant as the approval: seq breaks the tie.
  Append({At(kT0 + 2000, {AuditEv(kWabaA, "security", "s", "Y", kE0 + 20)})});

  EXPECT_EQ(SeqsOf(Timeline(AuditOfA()).items), (Seqs{2, 3, 1, 4}));
}

TEST_P(JournalReaderTest, AuditFieldsNarrowTheTimeline) {
  AppendTimeline();
  AuditFilter f = AuditOfA();
  f.fields = {"message_template_status_update"};
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{3, 2}));
  f.fields = {"security", "account_update"};
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{8, 4}));
  f.fields = {"account_alerts"};
  EXPECT_EQ(SeqsOf(Timeline(f).items), Seqs{});
}

TEST_P(JournalReaderTest, AuditSinceIsInclusiveAndUntilExclusiveOnReceivedAt) {
  AppendTimeline();
  AuditFilter f = AuditOfA();
  f.since_ms = kT0 + 1000;
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{8, 3, 4, 7}));
  f.since_ms.reset();
  f.until_ms = kT0 + 150'999;
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{3, 2}));
  f.since_ms = kT0 + 1000;
  f.until_ms = kT0 + 200'000;
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{3, 4}));
  f.until_ms = kT0 + 200'001;
  EXPECT_EQ(SeqsOf(Timeline(f).items), (Seqs{3, 4, 7}));
}

TEST_P(JournalReaderTest, AuditLimitKeepsTheNewestItemsAndSetsTruncated) {
  AppendTimeline();
  AuditFilter f = AuditOfA();
  f.limit = 2;
  AuditTimeline two = Timeline(f);
  EXPECT_EQ(SeqsOf(two.items), (Seqs{7, 2}));
  EXPECT_TRUE(two.truncated);
  f.limit = 4;
  AuditTimeline four = Timeline(f);
  EXPECT_EQ(SeqsOf(four.items), (Seqs{3, 4, 7, 2}));
  EXPECT_TRUE(four.truncated);
  f.limit = 5;
  AuditTimeline five = Timeline(f);
  EXPECT_EQ(SeqsOf(five.items), (Seqs{8, 3, 4, 7, 2}));
  EXPECT_FALSE(five.truncated);
  f.limit = 6;
  EXPECT_FALSE(Timeline(f).truncated);
  f.fields = {"message_template_status_update"};
  f.limit = 1;
  AuditTimeline one = Timeline(f);
  EXPECT_EQ(SeqsOf(one.items), (Seqs{2}));
  EXPECT_TRUE(one.truncated);
}

TEST_P(JournalReaderTest, LatestAuditEventIsNewestInTimelineOrder) {
  const std::string tsu = "message_template_status_update";
  const std::string quality = "phone_number_quality_update";
  Append({At(kT0, {AuditEv(kWabaA, tsu, "a1", "APPROVED", kE0 + 300),
                   AuditEv(kWabaA, tsu, "r1", "REJECTED", kE0 + 100)})});
  // Appended later, older in time.
  Append({At(kT0 + 1000, {AuditEv(kWabaA, tsu, "a2", "APPROVED", kE0 + 200)})});
  EventRecord not_json = Ev(kWabaA, tsu, "garbled");
  not_json.value = "not json at all";
  not_json.event_time = kE0 + 400;
  Append({At(kT0 + 2000, {not_json, AuditEv(kWabaB, tsu, "p1", "PAUSED", kE0 + 50)})});
  // Receipt stands in for a missing event_time: kE0 + 500 beats kE0 + 450.
  Append({At(kT0 + 500'000, {AuditEv(kWabaA, quality, "q1", "DOWNGRADE", std::nullopt)})});
  Append({At(kT0 + 3000, {AuditEv(kWabaA, quality, "q2", "UPGRADE", kE0 + 450)})});
  // seqs: a1=1, r1=2, a2=3, garbled=4, p1=5, q1=6, q2=7

  auto latest = [&](const std::string& waba, const std::string& field,
                    std::optional<std::string> name) -> std::optional<std::int64_t> {
    auto got = reader_->LatestAuditEvent(waba, field, name);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !got->has_value()) return std::nullopt;
    return got.value()->seq;
  };
  using Seq = std::optional<std::int64_t>;
  EXPECT_EQ(latest(kWabaA, tsu, std::string("APPROVED")), Seq(1));
  EXPECT_EQ(latest(kWabaA, tsu, std::string("REJECTED")), Seq(2));
  EXPECT_EQ(latest(kWabaA, tsu, std::nullopt), Seq(4));
  EXPECT_EQ(latest(kWabaA, tsu, std::string("PAUSED")), std::nullopt);
  EXPECT_EQ(latest(kWabaB, tsu, std::string("PAUSED")), Seq(5));
  EXPECT_EQ(latest(kWabaA, quality, std::nullopt), Seq(6));
  EXPECT_EQ(latest(kWabaA, quality, std::string("UPGRADE")), Seq(7));
  EXPECT_EQ(latest(kWabaA, "account_update", std::nullopt), std::nullopt);
  EXPECT_EQ(latest("no-such-waba", tsu, std::nullopt), std::nullopt);

  auto full = reader_->LatestAuditEvent(kWabaA, tsu, std::string("APPROVED"));
  ASSERT_TRUE(full.ok());
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ(full.value()->value, R"({"event":"APPROVED","key":"a1"})");
  EXPECT_EQ(full.value()->event_time, std::optional<std::int64_t>(kE0 + 300));
}

TEST_P(JournalReaderTest, LatestAuditEventIgnoresDuplicates) {
  const std::string tsu = "message_template_status_update";
  const EventRecord approved = AuditEv(kWabaA, tsu, "a1", "APPROVED", kE0 + 100);
  Append({At(kT0, {approved})});
  Append({At(kT0 + 1000, {AuditEv(kWabaA, tsu, "r1", "REJECTED", kE0 + 50), approved})});
  auto got = reader_->LatestAuditEvent(kWabaA, tsu, std::string("APPROVED"));
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(got.value()->seq, 1);
  EXPECT_FALSE(got.value()->duplicate_of.has_value());
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(JournalReaderTest);

}  // namespace
}  // namespace wj::storage
