// A SQLite journal written before migration 0002 (rows inserted with raw SQL, as the
// version-1 binary stored them): the migration must backfill the counters and targets that
// the reader relies on.
#include "storage/sqlite/sqlite_journal_reader.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/chain_hash.h"
#include "storage/journal_writer.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/journal_schema.h"
#include "storage/sqlite/migrator.h"
#include "storage/sqlite/sqlite_journal.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

using wj::testing::TempDir;
using Seqs = std::vector<std::int64_t>;
using Days = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (day, events)

constexpr std::int64_t kMillisPerDay = 86'400'000;

const std::string kWabaA = "1001";
const std::string kWabaB = "1002";

// A messages item about `wamid`; `target` for a reaction / edit / revoke.
EventRecord Msg(const std::string& waba, const std::string& key, const std::string& wamid,
                const std::string& wa_id, std::optional<std::string> target = std::nullopt) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = waba;
  e.field = "messages";
  e.dedup_key = key;
  e.wamid = wamid;
  e.customers = {wa_id};
  e.target_wamid = std::move(target);
  e.value = R"({"messaging_product":"whatsapp","messages":[{"id":")" + wamid + R"("}]})";
  return e;
}

DeliveryRecord At(std::int64_t received_at_ms, std::vector<EventRecord> events) {
  DeliveryRecord d;
  d.received_at_ms = received_at_ms;
  d.peer = "10.0.0.7";
  d.signature = "sha256=0123abcd";
  d.body = "{}";
  d.events = std::move(events);
  return d;
}

Seqs SeqsOf(const std::vector<StoredEvent>& events) {
  Seqs out;
  for (const StoredEvent& e : events) out.push_back(e.seq);
  return out;
}

class SqliteJournalReaderTest : public ::testing::Test {
 protected:
  Days DailyOf(JournalReader& reader, const std::string& waba, std::int64_t from_day) {
    auto got = reader.DailyCounts(waba, from_day);
    EXPECT_TRUE(got.ok()) << got.status().message();
    Days out;
    if (got.ok()) {
      for (const DailyCount& c : got.value()) out.emplace_back(c.day, c.events);
    }
    return out;
  }

  TempDir dir_;
};

TEST_F(SqliteJournalReaderTest, MigrationBackfillsCountersAndTargetsOfRowsWrittenBeforeIt) {
  const std::string path = dir_.File("v1.db");
  const std::int64_t day = 20'100;
  const std::int64_t t1 = day * kMillisPerDay + 1000;
  const std::int64_t t2 = (day + 1) * kMillisPerDay + 2000;
  {
    auto db = OpenWritable(path, DatabaseOptions{});
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto all = BuiltInMigrations();
    ASSERT_TRUE(all.ok()) << all.status().message();
    ASSERT_GE(all->size(), 2u);
    ASSERT_EQ(all->front().version, 1);
    auto report = Migrate(*db.value(), {all->front()});
    ASSERT_TRUE(report.ok()) << report.status().message();
    ASSERT_EQ(report->to_version, 1);

    SQLite::Database& d = *db.value();
    // Rows as that schema's writer chained them: the upgrade to schema 6 verifies them.
    SQLite::Statement delivery(d,
                               "INSERT INTO deliveries (id, received_at, peer, signature, body,"
                               " parse_error, event_count, chain_hash)"
                               " VALUES (?, ?, '127.0.0.1', 'sha256=aa', x'7b7d', NULL, ?, ?)");
    Sha256Digest delivery_chain = kGenesisHash;
    for (const auto& [id, at, count] : {std::tuple<int, std::int64_t, int>{1, t1, 2},
                                        std::tuple<int, std::int64_t, int>{2, t2, 6}}) {
      delivery_chain =
          ChainV1Delivery(delivery_chain, {id, at, "127.0.0.1", "sha256=aa", "{}", nullptr, count});
      delivery.reset();
      delivery.bind(1, id);
      delivery.bind(2, at);
      delivery.bind(3, count);
      delivery.bind(4, delivery_chain.data(), static_cast<int>(delivery_chain.size()));
      delivery.exec();
    }
    struct Row {
      int seq;
      int delivery;
      std::string waba;
      std::string field;
      std::string key;
      std::optional<int> duplicate_of;
      std::optional<std::string> wamid;
      std::string value;
    };
    const std::string reaction = R"({"messages":[{"id":"wamid.R","type":"reaction",)"
                                 R"("reaction":{"message_id":"wamid.A","emoji":"x"}}]})";
    const std::vector<Row> rows = {
        {1,
         1,
         kWabaA,
         "messages",
         "m-A",
         {},
         "wamid.A",
         R"({"messages":[{"id":"wamid.A","type":"text"}]})"},
        {2, 1, kWabaA, "messages", "r-R", {}, "wamid.R", reaction},
        {3, 2, kWabaA, "messages", "r-R", 2, "wamid.R", reaction},
        {4, 2, kWabaA, "account_update", "au", {}, {}, R"({"event":"VERIFIED_ACCOUNT"})"},
        {5,
         2,
         kWabaB,
         "messages",
         "e-E",
         {},
         "wamid.E",
         R"({"messages":[{"id":"wamid.E","edit":{"original_message_id":"wamid.A"}}]})"},
        {6, 2, kWabaA, "messages", "bad", {}, "wamid.Z", "not json"},
        {7,
         2,
         kWabaA,
         "messages",
         "num",
         {},
         "wamid.N",
         R"({"messages":[{"id":"wamid.N","reaction":{"message_id":5}}]})"},
        {8,
         2,
         kWabaA,
         "messages",
         "v-V",
         {},
         "wamid.V",
         R"({"messages":[{"id":"wamid.V","revoke":{"original_message_id":"wamid.A"}}]})"},
    };
    SQLite::Statement event(d,
                            "INSERT INTO events (seq, delivery_id, object, waba_id, field,"
                            " event_time, received_at, dedup_key, duplicate_of, wamid, wa_id,"
                            " value, chain_hash) VALUES (?, ?, 'whatsapp_business_account', ?,"
                            " ?, NULL, ?, ?, ?, ?, '16505551234', ?, ?)");
    Sha256Digest event_chain = kGenesisHash;
    for (const Row& r : rows) {
      const std::optional<std::string_view> wamid =
          r.wamid ? std::optional<std::string_view>(*r.wamid) : std::nullopt;
      event_chain =
          ChainV1Event(event_chain, {r.seq, r.delivery, "whatsapp_business_account", r.waba,
                                     r.field, std::nullopt, r.delivery == 1 ? t1 : t2, r.key,
                                     r.duplicate_of.value_or(0), wamid, "16505551234", r.value});
      event.reset();
      event.clearBindings();
      event.bind(1, r.seq);
      event.bind(2, r.delivery);
      event.bind(3, r.waba);
      event.bind(4, r.field);
      event.bind(5, r.delivery == 1 ? t1 : t2);
      event.bind(6, r.key);
      if (r.duplicate_of) event.bind(7, *r.duplicate_of);
      if (r.wamid) event.bind(8, *r.wamid);
      event.bind(9, r.value);
      event.bind(10, event_chain.data(), static_cast<int>(event_chain.size()));
      event.exec();
    }
  }

  auto journal = SqliteJournal::Open(path, DatabaseOptions{});
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  auto opened = SqliteJournalReader::Open(path, KeySourceFor(path, DatabaseOptions{}), 2);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  SqliteJournalReader& reader = *opened.value();

  auto message = reader.MessageEvents("wamid.A", false, 100);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(SeqsOf(message.value()), (Seqs{1, 2, 5, 8}));
  auto with_dups = reader.MessageEvents("wamid.A", true, 100);
  ASSERT_TRUE(with_dups.ok());
  EXPECT_EQ(SeqsOf(with_dups.value()), (Seqs{1, 2, 3, 5, 8}));
  auto numeric = reader.MessageEvents("5", true, 100);
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(SeqsOf(numeric.value()), Seqs{});

  auto wabas = reader.Wabas();
  ASSERT_TRUE(wabas.ok()) << wabas.status().message();
  ASSERT_EQ(wabas->size(), 2u);
  const WabaSummary& a = wabas.value()[0];
  EXPECT_EQ(a.waba_id, kWabaA);
  EXPECT_EQ(a.events, 6);
  EXPECT_EQ(a.duplicates, 1);
  EXPECT_EQ(a.first_seen_ms, t1);
  EXPECT_EQ(a.last_seen_ms, t2);
  ASSERT_EQ(a.fields.size(), 2u);
  EXPECT_EQ(a.fields.at("messages").events, 5);
  EXPECT_EQ(a.fields.at("messages").duplicates, 1);
  EXPECT_EQ(a.fields.at("account_update").events, 1);
  EXPECT_EQ(a.fields.at("account_update").duplicates, 0);
  const WabaSummary& b = wabas.value()[1];
  EXPECT_EQ(b.waba_id, kWabaB);
  EXPECT_EQ(b.events, 1);
  EXPECT_EQ(b.duplicates, 0);
  EXPECT_EQ(b.first_seen_ms, t2);
  EXPECT_EQ(b.last_seen_ms, t2);

  EXPECT_EQ(DailyOf(reader, kWabaA, 0), (Days{{day, 2}, {day + 1, 4}}));
  EXPECT_EQ(DailyOf(reader, kWabaA, day + 1), (Days{{day + 1, 4}}));
  EXPECT_EQ(DailyOf(reader, kWabaB, 0), (Days{{day + 1, 1}}));

  // The writer continues from the backfilled counters and sees the old dedup keys.
  DeliveryRecord next = At(t2 + 10, {Msg(kWabaA, "new", "wamid.new", "u1", "wamid.A"),
                                     Msg(kWabaA, "m-A", "wamid.A", "u1")});
  std::vector<AppendedDelivery> out;
  Status appended = journal.value()->AppendBatch({&next}, &out);
  ASSERT_TRUE(appended.ok()) << appended.message();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_EQ(out[0].events[0].seq, 9);
  EXPECT_EQ(out[0].events[1].duplicate_of, 1);

  auto after = reader.Wabas();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ(after.value()[0].fields.at("messages").events, 6);
  EXPECT_EQ(after.value()[0].fields.at("messages").duplicates, 2);
  EXPECT_EQ(after.value()[0].first_seen_ms, t1);
  EXPECT_EQ(after.value()[0].last_seen_ms, t2 + 10);
  EXPECT_EQ(DailyOf(reader, kWabaA, 0), (Days{{day, 2}, {day + 1, 5}}));
  auto message_after = reader.MessageEvents("wamid.A", true, 100);
  ASSERT_TRUE(message_after.ok());
  EXPECT_EQ(SeqsOf(message_after.value()), (Seqs{1, 2, 3, 5, 8, 9, 10}));

  EventFilter f;
  f.waba_ids = {kWabaA};
  f.fields = {"messages"};
  auto page = reader.Events(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(SeqsOf(page->events), (Seqs{1, 2, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace wj::storage::sqlite
