#include "storage/sqlite_journal.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/journal.h"
#include "storage/journal_verifier.h"
#include "tests/support/temp_dir.h"
#include <sys/stat.h>

namespace wj::storage {
namespace {

using wj::testing::TempDir;

EventRecord Event(const std::string& dedup_key, std::optional<std::string> wamid = std::nullopt) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = "102290129340398";
  e.field = "messages";
  e.dedup_key = dedup_key;
  e.wamid = std::move(wamid);
  e.wa_id = "16505551234";
  e.value = R"({"messaging_product":"whatsapp","key":")" + dedup_key + R"("})";
  return e;
}

DeliveryRecord Delivery(std::vector<EventRecord> events, std::string body = "{}") {
  DeliveryRecord d;
  d.received_at_ms = 1749416383000;
  d.peer = "127.0.0.1";
  d.signature = "sha256=00";
  d.body = std::move(body);
  d.events = std::move(events);
  return d;
}

class SqliteJournalTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.File("journal.db"); }

  std::unique_ptr<SqliteJournal> Open(DatabaseOptions options = {}) {
    auto journal = SqliteJournal::Open(Path(), options);
    EXPECT_TRUE(journal.ok()) << journal.status().message();
    return journal.ok() ? std::move(journal.value()) : nullptr;
  }

  // Appends `deliveries` as one batch; fails the test unless the append succeeds.
  std::vector<AppendedDelivery> Append(SqliteJournal& journal,
                                       const std::vector<DeliveryRecord>& deliveries) {
    std::vector<const DeliveryRecord*> batch;
    for (const DeliveryRecord& d : deliveries) batch.push_back(&d);
    std::vector<AppendedDelivery> out;
    Status status = journal.AppendBatch(batch, &out);
    EXPECT_TRUE(status.ok()) << status.message();
    return out;
  }

  Status TryAppend(SqliteJournal& journal, const std::vector<DeliveryRecord>& deliveries) {
    std::vector<const DeliveryRecord*> batch;
    for (const DeliveryRecord& d : deliveries) batch.push_back(&d);
    std::vector<AppendedDelivery> out;
    return journal.AppendBatch(batch, &out);
  }

  long long Count(const std::string& table) {
    SQLite::Database db(Path(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
  }

  void ExpectVerifies(std::int64_t deliveries, std::int64_t events) {
    auto report = VerifyJournal(Path());
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->deliveries, deliveries);
    EXPECT_EQ(report->events, events);
  }

  TempDir dir_;
};

TEST_F(SqliteJournalTest, AppendsBatchWithConsecutiveIdsAndSeqsFromOne) {
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
  EXPECT_EQ(Count("deliveries"), 3);
  EXPECT_EQ(Count("events"), 5);
  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(delivery_id) FROM (SELECT delivery_id FROM events"
                          " ORDER BY seq)")
                .getString(),
            "1,1,3,3,3");
  EXPECT_EQ(db.execAndGet("SELECT event_count FROM deliveries WHERE id = 3").getInt(), 3);
}

TEST_F(SqliteJournalTest, NextBatchContinuesIdsAndSeqs) {
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

TEST_F(SqliteJournalTest, StoresEventColumnsAsGiven) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  EventRecord with_time = Event("k1", "wamid.ABC");
  with_time.event_time = 1749416383;
  EventRecord without = Event("k2");
  without.wa_id = std::nullopt;
  Append(*journal, {Delivery({with_time, without})});

  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT object, waba_id, field, event_time, dedup_key, duplicate_of, wamid,"
                      " wa_id, value, received_at FROM events ORDER BY seq");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getString(), "whatsapp_business_account");
  EXPECT_EQ(q.getColumn(1).getString(), "102290129340398");
  EXPECT_EQ(q.getColumn(2).getString(), "messages");
  EXPECT_EQ(q.getColumn(3).getInt64(), 1749416383);
  EXPECT_EQ(q.getColumn(4).getString(), "k1");
  EXPECT_TRUE(q.getColumn(5).isNull());
  EXPECT_EQ(q.getColumn(6).getString(), "wamid.ABC");
  EXPECT_EQ(q.getColumn(7).getString(), "16505551234");
  EXPECT_EQ(q.getColumn(8).getString(), with_time.value);
  EXPECT_EQ(q.getColumn(9).getInt64(), 1749416383000);
  ASSERT_TRUE(q.executeStep());
  EXPECT_TRUE(q.getColumn(3).isNull());
  EXPECT_TRUE(q.getColumn(6).isNull());
  EXPECT_TRUE(q.getColumn(7).isNull());
}

TEST_F(SqliteJournalTest, MarksRepeatedDedupKeyAsDuplicateOfFirstOccurrence) {
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
  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT duplicate_of FROM events WHERE seq = 3").getInt64(), 2);
  EXPECT_EQ(db.execAndGet("SELECT duplicate_of FROM events WHERE seq = 4").getInt64(), 2);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM events WHERE duplicate_of IS NULL").getInt64(), 3);
}

TEST_F(SqliteJournalTest, MarksDuplicateWithinOneDelivery) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("same"), Event("same")})});

  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_EQ(out[0].events[0].duplicate_of, 0);
  EXPECT_EQ(out[0].events[1].duplicate_of, out[0].events[0].seq);
}

TEST_F(SqliteJournalTest, MarksDuplicateAcrossDeliveriesOfOneBatch) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  auto out = Append(*journal, {Delivery({Event("x"), Event("same")}), Delivery({Event("same")})});

  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].events.size(), 1u);
  EXPECT_EQ(out[1].events[0].seq, 3);
  EXPECT_EQ(out[1].events[0].duplicate_of, 2);
}

TEST_F(SqliteJournalTest, MarksDuplicateAcrossReopen) {
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

TEST_F(SqliteJournalTest, CreatesDatabaseFileWithMode0600) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")})});

  struct stat st {};
  ASSERT_EQ(::stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // While the writer is open, its WAL exists and must be as private as the database.
  struct stat wal {};
  ASSERT_EQ(::stat((Path() + "-wal").c_str(), &wal), 0);
  EXPECT_EQ(wal.st_mode & 0777, 0600u);
}

TEST_F(SqliteJournalTest, KeepsModeOfExistingFile) {
  { std::ofstream create(Path()); }
  std::filesystem::permissions(Path(), std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read);

  auto journal = Open();
  ASSERT_NE(journal, nullptr);

  struct stat st {};
  ASSERT_EQ(::stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(SqliteJournalTest, TriggersRefuseUpdateAndDelete) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")}, "original body")});

  SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
  for (const char* sql :
       {"UPDATE events SET value = '{}' WHERE seq = 1",
        "UPDATE events SET duplicate_of = 1 WHERE seq = 1", "DELETE FROM events WHERE seq = 1",
        "DELETE FROM events", "UPDATE deliveries SET body = x'00' WHERE id = 1",
        "DELETE FROM deliveries WHERE id = 1"}) {
    try {
      db.exec(sql);
      ADD_FAILURE() << "not refused: " << sql;
    } catch (const SQLite::Exception& e) {
      EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
    }
  }

  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM events").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM deliveries").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT value FROM events WHERE seq = 1").getString(), Event("a").value);
  EXPECT_EQ(db.execAndGet("SELECT body FROM deliveries WHERE id = 1").getString(), "original body");
}

TEST_F(SqliteJournalTest, ReopenContinuesSeqsAndChains) {
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

TEST_F(SqliteJournalTest, CommittedCountsDeliveriesAndEvents) {
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

  journal = Open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->Committed().deliveries, 3);
  EXPECT_EQ(journal->Committed().events, 3);
}

TEST_F(SqliteJournalTest, StoresBodyBytesExactly) {
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

  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT body, typeof(body), length(body), peer, signature, parse_error,"
                      " event_count FROM deliveries WHERE id = 1");
  ASSERT_TRUE(q.executeStep());
  const SQLite::Column stored = q.getColumn(0);
  EXPECT_EQ(std::string(static_cast<const char*>(stored.getBlob()),
                        static_cast<std::size_t>(stored.getBytes())),
            body);
  EXPECT_EQ(q.getColumn(1).getString(), "blob");
  EXPECT_EQ(q.getColumn(2).getInt(), 22);
  EXPECT_EQ(q.getColumn(3).getString(), peer);
  EXPECT_EQ(q.getColumn(4).getString(), signature);
  EXPECT_EQ(q.getColumn(5).getString(), "not JSON: whatever");
  EXPECT_EQ(q.getColumn(6).getInt(), 0);
}

TEST_F(SqliteJournalTest, StoresEmptyBody) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({}, "")});

  {
    SQLite::Database db(Path(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT length(body) FROM deliveries WHERE id = 1").getInt(), 0);
    EXPECT_TRUE(db.execAndGet("SELECT parse_error FROM deliveries WHERE id = 1").isNull());
  }
  journal.reset();
  ExpectVerifies(1, 0);
}

TEST_F(SqliteJournalTest, BusyDatabaseFailsBatchWithoutAdvancingSeqs) {
  auto journal = Open(DatabaseOptions{SyncMode::kFull, 10});
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")})});

  {
    SQLite::Database blocker(Path(), SQLite::OPEN_READWRITE);
    blocker.exec("BEGIN IMMEDIATE");

    Status status = TryAppend(*journal, {Delivery({Event("b"), Event("c")})});

    EXPECT_EQ(status.code(), Status::Code::kUnavailable) << status.message();
    EXPECT_EQ(journal->Committed().deliveries, 1);
    EXPECT_EQ(journal->Committed().events, 1);
    blocker.exec("ROLLBACK");
  }
  EXPECT_EQ(Count("deliveries"), 1);
  EXPECT_EQ(Count("events"), 1);

  auto out = Append(*journal, {Delivery({Event("b"), Event("c")})});

  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].delivery_id, 2);
  ASSERT_EQ(out[0].events.size(), 2u);
  EXPECT_EQ(out[0].events[0].seq, 2);
  EXPECT_EQ(out[0].events[1].seq, 3);
  EXPECT_EQ(out[0].events[0].duplicate_of, 0);
  journal.reset();
  ExpectVerifies(2, 3);
}

TEST_F(SqliteJournalTest, FailureInLaterDeliveryLeavesNothingOfTheBatch) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")})});
  {
    // Another connection makes the journal refuse one particular event.
    SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON events WHEN NEW.field = 'boom'"
        " BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
  }
  EventRecord boom = Event("boom-key");
  boom.field = "boom";

  Status status =
      TryAppend(*journal, {Delivery({Event("b")}), Delivery({Event("c"), boom}), Delivery({})});

  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kInternal) << status.message();
  EXPECT_EQ(status.message().find("boom"), std::string::npos)
      << "SQLite's text is for the log only: " << status.message();
  EXPECT_EQ(journal->Committed().deliveries, 1);
  EXPECT_EQ(journal->Committed().events, 1);
  EXPECT_EQ(Count("deliveries"), 1);
  EXPECT_EQ(Count("events"), 1);

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

}  // namespace
}  // namespace wj::storage
