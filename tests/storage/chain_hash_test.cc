#include "storage/chain_hash.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage/digest.h"
#include "storage/journal_writer.h"

namespace wj::storage {
namespace {

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
