#include "storage/journal_verifier.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "storage/chain_hash.h"
#include "storage/sqlite_journal.h"
#include "tests/support/temp_dir.h"

namespace wj::storage {
namespace {

using wj::testing::TempDir;

EventRecord Event(const std::string& dedup_key) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = "102290129340398";
  e.field = "messages";
  e.event_time = 1749416383;
  e.dedup_key = dedup_key;
  e.wamid = "wamid." + dedup_key;
  e.wa_id = "16505551234";
  e.value = R"({"key":")" + dedup_key + R"("})";
  return e;
}

DeliveryRecord Delivery(std::vector<EventRecord> events, const std::string& body) {
  DeliveryRecord d;
  d.received_at_ms = 1749416383000;
  d.peer = "127.0.0.1";
  d.signature = "sha256=00";
  d.body = body;
  d.events = std::move(events);
  return d;
}

class JournalVerifierTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.File("journal.db"); }

  // Writes deliveries 1..4 with events 1..5: d1{e1,e2}, d2{}, d3{e3,e4}, d4{e5}.
  void WriteJournal() {
    auto journal = SqliteJournal::Open(Path(), DatabaseOptions{});
    ASSERT_TRUE(journal.ok()) << journal.status().message();
    std::vector<DeliveryRecord> deliveries = {Delivery({Event("a"), Event("b")}, "body one"),
                                              Delivery({}, "body two"),
                                              Delivery({Event("c"), Event("d")}, "body three")};
    std::vector<const DeliveryRecord*> batch;
    for (const DeliveryRecord& d : deliveries) batch.push_back(&d);
    std::vector<AppendedDelivery> out;
    ASSERT_TRUE(journal.value()->AppendBatch(batch, &out).ok());
    DeliveryRecord last = Delivery({Event("a")}, "body four");  // a duplicate of seq 1
    ASSERT_TRUE(journal.value()->AppendBatch({&last}, &out).ok());
  }

  // Runs `sql` on a raw connection, as someone editing the file behind the service's back.
  void Tamper(const std::string& sql) {
    SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  }

  VerifyReport Verify() {
    auto report = VerifyJournal(Path());
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? report.value() : VerifyReport{};
  }

  TempDir dir_;
};

TEST_F(JournalVerifierTest, ReportsOkWithCountsForValidJournal) {
  WriteJournal();

  VerifyReport report = Verify();

  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.deliveries, 4);
  EXPECT_EQ(report.events, 5);
  EXPECT_EQ(report.first_bad_delivery, 0);
  EXPECT_EQ(report.first_bad_seq, 0);
  EXPECT_TRUE(report.problem.empty());
}

TEST_F(JournalVerifierTest, ReportsOkForEmptyJournal) {
  ASSERT_TRUE(SqliteJournal::Open(Path(), DatabaseOptions{}).ok());

  VerifyReport report = Verify();

  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.deliveries, 0);
  EXPECT_EQ(report.events, 0);
}

TEST_F(JournalVerifierTest, DetectsEditedEventValue) {
  WriteJournal();
  Tamper("DROP TRIGGER events_refuse_update");
  Tamper(R"(UPDATE events SET value = '{"key":"forged"}' WHERE seq = 3)");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_EQ(report.first_bad_delivery, 0);
  EXPECT_FALSE(report.problem.empty());
}

TEST_F(JournalVerifierTest, DetectsRemovedWaId) {
  WriteJournal();
  Tamper("DROP TRIGGER events_refuse_update");
  Tamper("UPDATE events SET wa_id = NULL WHERE seq = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_F(JournalVerifierTest, DetectsRedirectedDuplicateMark) {
  WriteJournal();
  Tamper("DROP TRIGGER events_refuse_update");
  Tamper("UPDATE events SET duplicate_of = 2 WHERE seq = 5");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5);
}

TEST_F(JournalVerifierTest, DetectsEditedDeliveryBody) {
  WriteJournal();
  Tamper("DROP TRIGGER deliveries_refuse_update");
  Tamper("UPDATE deliveries SET body = CAST('body 2' AS BLOB) WHERE id = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 2);
  EXPECT_FALSE(report.problem.empty());
}

TEST_F(JournalVerifierTest, DetectsEditedChainHash) {
  WriteJournal();
  Tamper("DROP TRIGGER deliveries_refuse_update");
  Tamper("UPDATE deliveries SET chain_hash = zeroblob(32) WHERE id = 4");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 4);
}

TEST_F(JournalVerifierTest, DetectsDeletedMiddleEventAsGap) {
  WriteJournal();
  Tamper("DROP TRIGGER events_refuse_delete");
  Tamper("DELETE FROM events WHERE seq = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("jump"), std::string::npos) << report.problem;
}

TEST_F(JournalVerifierTest, DetectsDeletedMiddleDeliveryAsGap) {
  WriteJournal();
  Tamper("DROP TRIGGER deliveries_refuse_delete");
  Tamper("DELETE FROM deliveries WHERE id = 2");  // has no events

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 3);
  EXPECT_NE(report.problem.find("jump"), std::string::npos) << report.problem;
}

TEST_F(JournalVerifierTest, ReturnsNotFoundForMissingFile) {
  auto report = VerifyJournal(dir_.File("no-such.db"));

  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("no-such.db"))) << "verify must not create it";
}

// ChainEvent/ChainDelivery: any single field change must change the digest.

EventRecord BaseEvent() {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = "1";
  e.field = "messages";
  e.event_time = 100;
  e.dedup_key = "message:wamid.1";
  e.wamid = "wamid.1";
  e.wa_id = "15550001";
  e.value = "{}";
  return e;
}

Sha256Digest Chain(const EventRecord& e, std::int64_t seq = 7, std::int64_t delivery_id = 3,
                   std::int64_t received_at = 1000, std::int64_t duplicate_of = 0,
                   const Sha256Digest& previous = kGenesisHash) {
  return ChainEvent(previous, {seq, delivery_id, received_at, duplicate_of, &e});
}

TEST(ChainHashTest, ChainEventIsDeterministic) {
  EventRecord a = BaseEvent();
  EventRecord b = BaseEvent();
  EXPECT_EQ(Chain(a), Chain(b));
}

TEST(ChainHashTest, ChainEventDiffersWhenAnySingleFieldDiffers) {
  const EventRecord base = BaseEvent();
  const Sha256Digest reference = Chain(base);
  std::vector<std::pair<std::string, Sha256Digest>> variants;
  Sha256Digest other_previous{};
  other_previous[31] = 1;
  variants.emplace_back("previous", Chain(base, 7, 3, 1000, 0, other_previous));
  variants.emplace_back("seq", Chain(base, 8));
  variants.emplace_back("delivery_id", Chain(base, 7, 4));
  variants.emplace_back("received_at", Chain(base, 7, 3, 1001));
  variants.emplace_back("duplicate_of", Chain(base, 7, 3, 1000, 1));
  auto vary = [&](const std::string& what, auto edit) {
    EventRecord e = BaseEvent();
    edit(e);
    variants.emplace_back(what, Chain(e));
  };
  vary("object", [](EventRecord& e) { e.object = "page"; });
  vary("waba_id", [](EventRecord& e) { e.waba_id = "2"; });
  vary("field", [](EventRecord& e) { e.field = "statuses"; });
  vary("event_time value", [](EventRecord& e) { e.event_time = 101; });
  vary("event_time absent", [](EventRecord& e) { e.event_time = std::nullopt; });
  vary("event_time zero", [](EventRecord& e) { e.event_time = 0; });
  vary("dedup_key", [](EventRecord& e) { e.dedup_key = "message:wamid.2"; });
  vary("wamid value", [](EventRecord& e) { e.wamid = "wamid.2"; });
  vary("wamid absent", [](EventRecord& e) { e.wamid = std::nullopt; });
  vary("wamid empty", [](EventRecord& e) { e.wamid = ""; });
  vary("wa_id absent", [](EventRecord& e) { e.wa_id = std::nullopt; });
  vary("wa_id empty", [](EventRecord& e) { e.wa_id = ""; });
  vary("value", [](EventRecord& e) { e.value = "{ }"; });
  // Bytes moved across a field boundary must not collide (length-prefixed fields).
  vary("object/waba_id boundary", [](EventRecord& e) {
    e.object = "whatsapp_business_account1";
    e.waba_id = "";
  });

  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(variants[i].second, reference) << variants[i].first;
    for (std::size_t j = i + 1; j < variants.size(); ++j) {
      EXPECT_NE(variants[i].second, variants[j].second)
          << variants[i].first << " vs " << variants[j].first;
    }
  }
}

TEST(ChainHashTest, ChainEventDistinguishesAbsentFromEmptyWamid) {
  EventRecord absent = BaseEvent();
  absent.wamid = std::nullopt;
  EventRecord empty = BaseEvent();
  empty.wamid = "";
  EXPECT_NE(Chain(absent), Chain(empty));
}

TEST(ChainHashTest, ChainDeliveryDiffersWhenAnySingleFieldDiffers) {
  const std::string parse_error = "not JSON";
  const std::string empty_error;
  const DeliveryRow base{5, 1000, "127.0.0.1", "sha256=ab", "body", nullptr, 2};
  const Sha256Digest reference = ChainDelivery(kGenesisHash, base);
  EXPECT_EQ(ChainDelivery(kGenesisHash, base), reference);

  std::vector<std::pair<std::string, DeliveryRow>> rows;
  auto vary = [&](const std::string& what, auto edit) {
    DeliveryRow r = base;
    edit(r);
    rows.emplace_back(what, r);
  };
  vary("id", [](DeliveryRow& r) { r.id = 6; });
  vary("received_at", [](DeliveryRow& r) { r.received_at_ms = 1001; });
  vary("peer", [](DeliveryRow& r) { r.peer = "127.0.0.2"; });
  vary("signature", [](DeliveryRow& r) { r.signature = "sha256=ac"; });
  vary("body", [](DeliveryRow& r) { r.body = "bodz"; });
  vary("parse_error set", [&](DeliveryRow& r) { r.parse_error = &parse_error; });
  vary("parse_error empty", [&](DeliveryRow& r) { r.parse_error = &empty_error; });
  vary("event_count", [](DeliveryRow& r) { r.event_count = 3; });
  vary("peer/signature boundary", [](DeliveryRow& r) {
    r.peer = "127.0.0.1s";
    r.signature = "ha256=ab";
  });
  Sha256Digest other_previous{};
  other_previous[0] = 1;

  std::vector<Sha256Digest> digests = {ChainDelivery(other_previous, base)};
  for (const auto& [what, row] : rows) {
    digests.push_back(ChainDelivery(kGenesisHash, row));
    EXPECT_NE(digests.back(), reference) << what;
  }
  EXPECT_NE(digests.front(), reference) << "previous";
  for (std::size_t i = 0; i < digests.size(); ++i) {
    for (std::size_t j = i + 1; j < digests.size(); ++j) EXPECT_NE(digests[i], digests[j]);
  }
}

}  // namespace
}  // namespace wj::storage
