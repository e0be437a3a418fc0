#include "storage/chain_hash.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage/digest.h"

namespace wj::storage {
namespace {

// ChainEvent/ChainDelivery: any single change of a chained column must change the digest.

KeyedDigest DigestOf(std::uint8_t b) {
  KeyedDigest d{};
  d.fill(b);
  return d;
}

const std::vector<KeyedDigest> kOneSubject = {DigestOf(7)};
const std::vector<KeyedDigest> kTwoSubjects = {DigestOf(7), DigestOf(8)};

EventRow BaseRow() {
  EventRow r;
  r.seq = 7;
  r.delivery_id = 3;
  r.object = "whatsapp_business_account";
  r.waba_id = "1";
  r.field = "messages";
  r.event_time = 100;
  r.received_at_ms = 1000;
  r.kind = "status";
  r.status = "read";
  r.item_time = 99;
  r.error_codes = "";
  r.customer_data = true;
  r.subjects = &kOneSubject;
  r.dedup = "dedup-digest-1";
  r.target = std::nullopt;
  r.content_commit[0] = 5;
  return r;
}

TEST(ChainHashTest, ChainEventIsDeterministic) {
  EXPECT_EQ(ChainEvent(kGenesisHash, BaseRow()), ChainEvent(kGenesisHash, BaseRow()));
}

TEST(ChainHashTest, ChainEventDiffersWhenAnySingleColumnDiffers) {
  const Sha256Digest reference = ChainEvent(kGenesisHash, BaseRow());
  std::vector<std::pair<std::string, Sha256Digest>> variants;
  Sha256Digest other_previous{};
  other_previous[31] = 1;
  variants.emplace_back("previous", ChainEvent(other_previous, BaseRow()));
  auto vary = [&](const std::string& what, auto edit) {
    EventRow r = BaseRow();
    edit(r);
    variants.emplace_back(what, ChainEvent(kGenesisHash, r));
  };
  vary("seq", [](EventRow& r) { r.seq = 8; });
  vary("delivery_id", [](EventRow& r) { r.delivery_id = 4; });
  vary("object", [](EventRow& r) { r.object = "page"; });
  vary("waba_id", [](EventRow& r) { r.waba_id = "2"; });
  vary("field", [](EventRow& r) { r.field = "statuses"; });
  vary("event_time value", [](EventRow& r) { r.event_time = 101; });
  vary("event_time absent", [](EventRow& r) { r.event_time = std::nullopt; });
  vary("received_at", [](EventRow& r) { r.received_at_ms = 1001; });
  vary("duplicate_of", [](EventRow& r) { r.duplicate_of = 1; });
  vary("kind", [](EventRow& r) { r.kind = "message"; });
  vary("kind absent", [](EventRow& r) { r.kind = std::nullopt; });
  vary("status", [](EventRow& r) { r.status = "sent"; });
  vary("status empty", [](EventRow& r) { r.status = ""; });
  vary("item_time", [](EventRow& r) { r.item_time = 98; });
  vary("error_codes", [](EventRow& r) { r.error_codes = "131049"; });
  vary("customer_data", [](EventRow& r) { r.customer_data = false; });
  vary("subjects removed", [](EventRow& r) { r.subjects = nullptr; });
  vary("subject added", [](EventRow& r) { r.subjects = &kTwoSubjects; });
  vary("dedup", [](EventRow& r) { r.dedup = "dedup-digest-2"; });
  vary("dedup longer", [](EventRow& r) { r.dedup = "dedup-digest-1+"; });
  vary("target", [](EventRow& r) { r.target = DigestOf(2); });
  vary("content_commit", [](EventRow& r) { r.content_commit[0] = 6; });
  // Bytes moved across a column boundary must not collide (length-prefixed columns).
  vary("object/waba_id boundary", [](EventRow& r) {
    r.object = "whatsapp_business_account1";
    r.waba_id = "";
  });

  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(variants[i].second, reference) << variants[i].first;
    for (std::size_t j = i + 1; j < variants.size(); ++j) {
      EXPECT_NE(variants[i].second, variants[j].second)
          << variants[i].first << " vs " << variants[j].first;
    }
  }
}

TEST(ChainHashTest, ChainDeliveryDiffersWhenAnySingleColumnDiffers) {
  const std::string parse_error = "not JSON";
  const std::string empty_error;
  const ClientCertificate cert{"CN=a", "CN=b", "01", std::string(64, 'a')};
  DeliveryRow base{5, 1000, "127.0.0.1", nullptr, 2, nullptr, {}};
  base.content_commit[0] = 1;
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
  vary("parse_error set", [&](DeliveryRow& r) { r.parse_error = &parse_error; });
  vary("parse_error empty", [&](DeliveryRow& r) { r.parse_error = &empty_error; });
  vary("event_count", [](DeliveryRow& r) { r.event_count = 3; });
  vary("certificate", [&](DeliveryRow& r) { r.client_certificate = &cert; });
  vary("content_commit", [](DeliveryRow& r) { r.content_commit[0] = 2; });
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

TEST(ChainHashTest, UpgradedGenesisCommitsToTheOldTipAndCount) {
  Sha256Digest tip{};
  tip[0] = 1;
  const Sha256Digest reference = UpgradedGenesis("events", 10, tip);
  Sha256Digest other_tip = tip;
  other_tip[1] = 1;
  EXPECT_NE(UpgradedGenesis("events", 11, tip), reference);
  EXPECT_NE(UpgradedGenesis("deliveries", 10, tip), reference);
  EXPECT_NE(UpgradedGenesis("events", 10, other_tip), reference);
  EXPECT_NE(reference, kGenesisHash);
}

}  // namespace
}  // namespace wj::storage
