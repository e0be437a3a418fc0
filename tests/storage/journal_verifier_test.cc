#include "storage/journal_verifier.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "storage/journal_writer.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

EventRecord Event(const std::string& dedup_key) {
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = "102290129340398";
  e.field = "messages";
  e.event_time = 1749416383;
  e.dedup_key = dedup_key;
  e.wamid = "wamid." + dedup_key;
  e.customers = {"16505551234"};
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

class JournalVerifierTest : public wj::testing::StorageTest {
 protected:
  std::string Db() const { return NewDb(stem_); }
  std::string stem_ = "journal";  // a test that needs several journals changes it

  // Writes deliveries 1..4 with events 1..5: d1{e1,e2}, d2{}, d3{e3,e4}, d4{e5}.
  void WriteJournal() {
    auto journal = Writer(Db());
    ASSERT_NE(journal, nullptr);
    std::vector<DeliveryRecord> deliveries = {Delivery({Event("a"), Event("b")}, "body one"),
                                              Delivery({}, "body two"),
                                              Delivery({Event("c"), Event("d")}, "body three")};
    std::vector<const DeliveryRecord*> batch;
    for (const DeliveryRecord& d : deliveries) batch.push_back(&d);
    std::vector<AppendedDelivery> out;
    ASSERT_TRUE(journal->AppendBatch(batch, &out).ok());
    DeliveryRecord last = Delivery({Event("a")}, "body four");  // a duplicate of seq 1
    ASSERT_TRUE(journal->AppendBatch({&last}, &out).ok());
  }

  // Edits the journal behind the service's back (its append-only guards removed first).
  void Tamper(const std::string& sql) { StorageTest::Tamper(Db(), sql); }

  VerifyReport Verify() { return StorageTest::Verify(Db()); }
};

TEST_P(JournalVerifierTest, ReportsOkWithCountsForValidJournal) {
  WriteJournal();

  VerifyReport report = Verify();

  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.deliveries, 4);
  EXPECT_EQ(report.events, 5);
  EXPECT_EQ(report.first_bad_delivery, 0);
  EXPECT_EQ(report.first_bad_seq, 0);
  EXPECT_TRUE(report.problem.empty());
}

TEST_P(JournalVerifierTest, ReportsOkForEmptyJournal) {
  ASSERT_NE(Writer(Db()), nullptr);

  VerifyReport report = Verify();

  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.deliveries, 0);
  EXPECT_EQ(report.events, 0);
}

TEST_P(JournalVerifierTest, DetectsEditedEventValue) {
  WriteJournal();
  Tamper(R"(UPDATE event_content SET value = '{"key":"forged"}' WHERE seq = 3)");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_EQ(report.first_bad_delivery, 0);
  EXPECT_FALSE(report.problem.empty());
}

TEST_P(JournalVerifierTest, DetectsRemovedSubject) {
  WriteJournal();
  Tamper("DELETE FROM event_subjects WHERE seq = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_P(JournalVerifierTest, DetectsRedirectedDuplicateMark) {
  WriteJournal();
  Tamper("UPDATE events SET duplicate_of = 2 WHERE seq = 5");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5);
}

TEST_P(JournalVerifierTest, DetectsEditedDeliveryBody) {
  WriteJournal();
  // Delivery 2's body becomes delivery 1's ("body one"), copied so as to keep its type.
  Tamper(
      "UPDATE delivery_content SET body = (SELECT body FROM delivery_content"
      " WHERE delivery_id = 1) WHERE delivery_id = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 2);
  EXPECT_FALSE(report.problem.empty());
}

// A delivery that came with Meta's client certificate, attested by the TLS front.
DeliveryRecord WithCertificate(DeliveryRecord d) {
  d.client_certificate = ClientCertificate{"CN=client.webhooks.fbclientcerts.com", "CN=Meta CA",
                                           "1092", std::string(64, 'a')};
  return d;
}

TEST_P(JournalVerifierTest, ClientCertificatesAreChainedAndReadBack) {
  WriteJournal();
  {
    auto journal = Writer(Db());
    DeliveryRecord d = WithCertificate(Delivery({Event("e")}, "body five"));
    std::vector<AppendedDelivery> out;
    ASSERT_TRUE(journal->AppendBatch({&d}, &out).ok());
  }

  VerifyReport report = Verify();
  auto reader = Reader(Db());
  auto five = reader->Delivery(5);
  auto four = reader->Delivery(4);

  EXPECT_TRUE(report.ok) << report.problem;
  ASSERT_TRUE(five.ok() && five.value() && five.value()->client_certificate);
  EXPECT_EQ(five.value()->client_certificate->subject, "CN=client.webhooks.fbclientcerts.com");
  EXPECT_EQ(five.value()->client_certificate->issuer, "CN=Meta CA");
  EXPECT_EQ(five.value()->client_certificate->serial, "1092");
  EXPECT_EQ(five.value()->client_certificate->sha256, std::string(64, 'a'));
  ASSERT_TRUE(four.ok() && four.value());
  EXPECT_FALSE(four.value()->client_certificate);
}

TEST_P(JournalVerifierTest, DetectsEditedRemovedOrAddedClientCertificate) {
  for (const char* sql :
       {"UPDATE deliveries SET client_cert_serial = '1093' WHERE id = 5",
        "UPDATE deliveries SET client_cert_subject = NULL, client_cert_issuer = NULL,"
        " client_cert_serial = NULL, client_cert_sha256 = NULL WHERE id = 5",
        "UPDATE deliveries SET client_cert_subject = 'CN=x', client_cert_issuer = 'CN=x',"
        " client_cert_serial = '1', client_cert_sha256 = 'ab' WHERE id = 4"}) {
    stem_ += "+";
    WriteJournal();
    {
      auto journal = Writer(Db());
      DeliveryRecord d = WithCertificate(Delivery({Event("e")}, "body five"));
      std::vector<AppendedDelivery> out;
      ASSERT_TRUE(journal->AppendBatch({&d}, &out).ok());
    }
    Tamper(sql);

    VerifyReport report = Verify();

    EXPECT_FALSE(report.ok) << sql;
    EXPECT_EQ(report.first_bad_delivery,
              std::string(sql).find("id = 5") != std::string::npos ? 5 : 4)
        << sql;
  }
}

TEST_P(JournalVerifierTest, DetectsEditedChainHash) {
  WriteJournal();
  // Delivery 4 gets delivery 3's hash: well-formed, but not the one its row chains to.
  Tamper(
      "UPDATE deliveries SET chain_hash = (SELECT chain_hash FROM deliveries WHERE id = 3)"
      " WHERE id = 4");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 4);
}

TEST_P(JournalVerifierTest, DetectsDeletedMiddleEventAsGap) {
  WriteJournal();
  Tamper("DELETE FROM events WHERE seq = 2");

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("jump"), std::string::npos) << report.problem;
}

TEST_P(JournalVerifierTest, DetectsDeletedMiddleDeliveryAsGap) {
  WriteJournal();
  Tamper("DELETE FROM deliveries WHERE id = 2");  // has no events

  VerifyReport report = Verify();

  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_delivery, 3);
  EXPECT_NE(report.problem.find("jump"), std::string::npos) << report.problem;
}

TEST_P(JournalVerifierTest, ReturnsNotFoundForMissingFile) {
  const std::string missing = NewDb("no-such");
  auto store = Store(missing);
  ASSERT_NE(store, nullptr);

  auto report = store->Verify();

  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(Exists(missing)) << "verify must not create it";
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(JournalVerifierTest);

}  // namespace
}  // namespace wj::storage
