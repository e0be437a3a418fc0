// What the SQLite engine's writer does to the file itself: its mode, its triggers' wording,
// column types, and a database held busy by another connection. Behaviour that every engine
// shares is in tests/storage/journal_writer_test.cc.
#include "storage/sqlite/sqlite_journal.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "storage/journal_writer.h"
#include "storage/sqlite/sqlite_journal_verifier.h"
#include "tests/support/journal_records.h"
#include "tests/support/temp_dir.h"
#include <sys/stat.h>

namespace wj::storage::sqlite {
namespace {

using wj::testing::TempDir;

EventRecord Event(const std::string& key, std::optional<std::string> wamid = std::nullopt) {
  return wj::testing::MessageEvent(key, std::move(wamid));
}
DeliveryRecord Delivery(std::vector<EventRecord> events, std::string body = "{}") {
  return wj::testing::DeliveryOf(std::move(events), std::move(body));
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
    return wj::testing::AppendBatch(journal, deliveries);
  }
  Status TryAppend(SqliteJournal& journal, const std::vector<DeliveryRecord>& deliveries) {
    std::vector<AppendedDelivery> out;
    return wj::testing::TryAppendBatch(journal, deliveries, &out);
  }

  long long Count(const std::string& table) {
    SQLite::Database db(Path(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
  }

  void ExpectVerifies(std::int64_t deliveries, std::int64_t events) {
    auto report = VerifySqliteJournal(Path());
    ASSERT_TRUE(report.ok()) << report.status().message();
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->deliveries, deliveries);
    EXPECT_EQ(report->events, events);
  }

  TempDir dir_;
};

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

// The contract test (JournalWriterTest) checks that every engine refuses; this one, that the
// SQLite triggers say why.
TEST_F(SqliteJournalTest, TriggersRefuseUpdateAndDelete) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")}, "original body")});

  SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
  for (const char* sql :
       {"UPDATE events SET kind = 'x' WHERE seq = 1",
        "UPDATE events SET duplicate_of = 1 WHERE seq = 1", "DELETE FROM events WHERE seq = 1",
        "DELETE FROM events", "UPDATE deliveries SET peer = 'x' WHERE id = 1",
        "DELETE FROM deliveries WHERE id = 1", "DELETE FROM event_subjects",
        "UPDATE event_subjects SET seq = 2", "DELETE FROM journal_origin"}) {
    try {
      db.exec(sql);
      ADD_FAILURE() << "not refused: " << sql;
    } catch (const SQLite::Exception& e) {
      EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
    }
  }

  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM events").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM deliveries").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT value FROM event_content WHERE seq = 1").getString(),
            Event("a").value);
  EXPECT_EQ(db.execAndGet("SELECT body FROM delivery_content WHERE delivery_id = 1").getString(),
            "original body");
}

// The single writer decides what is a first occurrence; the database refuses a second one
// all the same, whoever inserts it.
TEST_F(SqliteJournalTest, DatabaseRefusesASecondFirstOccurrenceOfADigest) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")})});

  SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
  try {
    db.exec(
        "INSERT INTO events (seq, delivery_id, object, waba_id, field, received_at, error_codes,"
        " customer_data, dedup_digest, chain_hash) SELECT 2, 1, object, waba_id, field,"
        " received_at, '', 1, dedup_digest, chain_hash FROM events WHERE seq = 1");
    ADD_FAILURE() << "a second first occurrence was stored";
  } catch (const SQLite::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("first occurrence"), std::string::npos) << e.what();
  }
  // As a redelivery it is accepted.
  db.exec(
      "INSERT INTO events (seq, delivery_id, object, waba_id, field, received_at, error_codes,"
      " customer_data, dedup_digest, duplicate_of, chain_hash) SELECT 2, 1, object, waba_id,"
      " field, received_at, '', 1, dedup_digest, 1, chain_hash FROM events WHERE seq = 1");
}

// Content may be erased (deleted) but never rewritten: an edit would have to fool the
// commitment, a deletion is visible to verify unless an erasure covers it.
TEST_F(SqliteJournalTest, ContentRowsRefuseUpdate) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a")}, "original body")});

  SQLite::Database db(Path(), SQLite::OPEN_READWRITE);
  for (const char* sql :
       {"UPDATE event_content SET value = '{}'", "UPDATE delivery_content SET body = x'00'",
        "UPDATE subjects SET subject_id = x'00'"}) {
    try {
      db.exec(sql);
      ADD_FAILURE() << "not refused: " << sql;
    } catch (const SQLite::Exception& e) {
      EXPECT_NE(std::string(e.what()).find("never updated"), std::string::npos) << e.what();
    }
  }
}

// The body is a BLOB (never TEXT, which SQLite may transcode); Meta's canonical signature
// header is kept as its 32 bytes; event_count is a column of its own that no reader returns.
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
                      "SELECT c.body, typeof(c.body), length(c.body), d.peer,"
                      " 'sha256=' || lower(hex(c.signature)),"
                      " d.parse_error, d.event_count FROM deliveries d"
                      " JOIN delivery_content c ON c.delivery_id = d.id WHERE d.id = 1");
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

// A signature header in any other form is kept as the text received, and read back alike.
TEST_F(SqliteJournalTest, KeepsAnUnusualSignatureHeaderAsText) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  DeliveryRecord usual = Delivery({}, "a");
  usual.signature = "sha256=" + std::string(64, 'b');
  DeliveryRecord upper = Delivery({}, "b");
  upper.signature = "sha256=" + std::string(64, 'B');
  DeliveryRecord odd = Delivery({}, "c");
  odd.signature = "sha1=abc";
  Append(*journal, {usual, upper, odd});

  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(
      db.execAndGet("SELECT group_concat(typeof(signature)) FROM delivery_content").getString(),
      "blob,text,text");
  auto reader = OpenJournalStore(Path()).value()->OpenReader(1).value();
  EXPECT_EQ(reader->Delivery(1).value()->signature, usual.signature);
  EXPECT_EQ(reader->Delivery(2).value()->signature, upper.signature);
  EXPECT_EQ(reader->Delivery(3).value()->signature, odd.signature);
  journal.reset();
  auto verified = OpenJournalStore(Path()).value()->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
}

TEST_F(SqliteJournalTest, StoresEventCountOfEachDelivery) {
  auto journal = Open();
  ASSERT_NE(journal, nullptr);
  Append(*journal, {Delivery({Event("a"), Event("b")}), Delivery({}),
                    Delivery({Event("c"), Event("d"), Event("e")})});

  SQLite::Database db(Path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(event_count) FROM (SELECT event_count FROM"
                          " deliveries ORDER BY id)")
                .getString(),
            "2,0,3");
  EXPECT_EQ(db.execAndGet("SELECT event_count FROM deliveries WHERE id = 3").getInt(), 3);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(delivery_id) FROM (SELECT delivery_id FROM events"
                          " ORDER BY seq)")
                .getString(),
            "1,1,3,3,3");
}

TEST_F(SqliteJournalTest, BusyDatabaseFailsBatchWithoutAdvancingSeqs) {
  auto journal = Open(DatabaseOptions{SyncMode::kFull, 10, "", ""});
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

}  // namespace
}  // namespace wj::storage::sqlite
