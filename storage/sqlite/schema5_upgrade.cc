#include "storage/sqlite/schema5_upgrade.h"

#include <algorithm>
#include <chrono>
#include <string>

#include <SQLiteCpp/Statement.h>

#include "storage/content_seal.h"
#include "storage/customer_data.h"
#include "storage/sqlite/journal_rows.h"
#include "storage/sqlite/migrator.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kHasSchema5 =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'v5_deliveries'";
constexpr const char* kDeliveries =
    "SELECT id, received_at, peer, signature, body, parse_error, event_count, chain_hash,"
    " client_cert_subject, client_cert_issuer, client_cert_serial, client_cert_sha256"
    " FROM v5_deliveries ORDER BY id";
constexpr const char* kEventsOf =
    "SELECT seq, object, waba_id, field, event_time, dedup_key, duplicate_of, wamid, wa_id,"
    " value, chain_hash, (SELECT target_wamid FROM v5_event_targets t WHERE t.seq = e.seq)"
    " FROM v5_events e WHERE delivery_id = ? ORDER BY seq";
constexpr const char* kEventCount = "SELECT count(*) FROM v5_events";
constexpr const char* kInsertOrigin =
    "INSERT INTO journal_origin (id, key_check, upgraded_at, v5_deliveries, v5_delivery_tip,"
    " v5_events, v5_event_tip) VALUES (1, ?, ?, ?, ?, ?, ?)";

[[noreturn]] void Refuse(std::string problem) {
  throw MigrationFailure{Status::FailedPrecondition(
      "the schema-5 journal does not verify (" + problem +
      "); nothing was changed: restore it from a backup, or run the previous release's"
      " `waba-journal verify` to see what is wrong")};
}

std::optional<std::string> OptionalText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

// The event as the envelope parser would have produced it, from a schema-5 row.
EventRecord RecordOf(SQLite::Statement& q, const std::string& body) {
  EventRecord e;
  e.object = q.getColumn(1).getString();
  e.waba_id = q.getColumn(2).getString();
  e.field = q.getColumn(3).getString();
  if (!q.getColumn(4).isNull()) e.event_time = q.getColumn(4).getInt64();
  e.dedup_key = q.getColumn(5).getString();
  e.wamid = OptionalText(q.getColumn(7));
  e.value = q.getColumn(9).getString();
  e.target_wamid = OptionalText(q.getColumn(11));
  ValueFacts facts = DescribeValue(e.field, e.value);
  e.kind = std::move(facts.kind);
  e.status = std::move(facts.status);
  e.item_time = facts.item_time;
  e.error_codes = std::move(facts.error_codes);
  e.customers = std::move(facts.customers);
  if (auto wa_id = OptionalText(q.getColumn(8))) {
    std::string number = NormalizeNumber(*wa_id);
    if (!number.empty() &&
        std::find(e.customers.begin(), e.customers.end(), number) == e.customers.end()) {
      e.customers.insert(e.customers.begin(), std::move(number));
    }
  }
  if (const std::size_t at = body.find(e.value); at != std::string::npos) e.value_offset = at;
  return e;
}

}  // namespace

void UpgradeFromSchema5(SQLite::Database& db, const JournalKey& key) {
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const bool has_rows_to_convert = db.execAndGet(kHasSchema5).getInt() > 0;
  std::int64_t old_deliveries = 0;
  std::int64_t old_events = 0;
  Sha256Digest delivery_tip = kGenesisHash;
  Sha256Digest event_tip = kGenesisHash;
  ChainTip tip;
  if (has_rows_to_convert) {
    const std::int64_t total_events = db.execAndGet(kEventCount).getInt64();
    JournalRows rows(db, key);
    SQLite::Statement deliveries(db, kDeliveries);
    SQLite::Statement events(db, kEventsOf);
    // The new chains start from a commitment to the old chains' tips, known only at the
    // end: walk twice. First walk: verify the old chains and find their tips.
    while (deliveries.executeStep()) {
      const std::int64_t id = deliveries.getColumn(0).getInt64();
      if (id != old_deliveries + 1) Refuse("delivery ids jump to " + std::to_string(id));
      const std::string body = BlobText(deliveries.getColumn(4));
      const auto parse_error = OptionalText(deliveries.getColumn(5));
      std::optional<ClientCertificate> cert;
      if (!deliveries.getColumn(8).isNull()) {
        cert = ClientCertificate{
            deliveries.getColumn(8).getString(), deliveries.getColumn(9).getString(),
            deliveries.getColumn(10).getString(), deliveries.getColumn(11).getString()};
      }
      const std::string peer = deliveries.getColumn(2).getString();
      const std::string signature = deliveries.getColumn(3).getString();
      delivery_tip = ChainV1Delivery(
          delivery_tip, {id, deliveries.getColumn(1).getInt64(), peer, signature, body,
                         parse_error ? &*parse_error : nullptr, deliveries.getColumn(6).getInt64(),
                         cert ? &*cert : nullptr});
      if (BytesOf<32>(deliveries.getColumn(7)) != delivery_tip) {
        Refuse("delivery " + std::to_string(id) + " does not match its chain hash");
      }
      ++old_deliveries;
      events.reset();
      events.bind(1, id);
      while (events.executeStep()) {
        const std::int64_t seq = events.getColumn(0).getInt64();
        if (seq != old_events + 1) Refuse("event seqs jump to " + std::to_string(seq));
        const std::string object = events.getColumn(1).getString();
        const std::string waba_id = events.getColumn(2).getString();
        const std::string field = events.getColumn(3).getString();
        const std::string dedup_key = events.getColumn(5).getString();
        const auto wamid = OptionalText(events.getColumn(7));
        const auto wa_id = OptionalText(events.getColumn(8));
        const std::string value = events.getColumn(9).getString();
        V1EventRow row{seq,
                       id,
                       object,
                       waba_id,
                       field,
                       Optional<std::int64_t>(events.getColumn(4)),
                       deliveries.getColumn(1).getInt64(),
                       dedup_key,
                       events.getColumn(6).isNull() ? 0 : events.getColumn(6).getInt64(),
                       wamid ? std::optional<std::string_view>(*wamid) : std::nullopt,
                       wa_id ? std::optional<std::string_view>(*wa_id) : std::nullopt,
                       value};
        event_tip = ChainV1Event(event_tip, row);
        if (BytesOf<32>(events.getColumn(10)) != event_tip) {
          Refuse("event " + std::to_string(seq) + " does not match its chain hash");
        }
        ++old_events;
      }
    }
    if (old_events != total_events) Refuse("some events belong to no delivery");
    deliveries.reset();

    // Second walk: rewrite every row, chained from a commitment to the old tips.
    if (old_deliveries > 0) {
      tip.delivery_chain = UpgradedGenesis("deliveries", old_deliveries, delivery_tip);
    }
    if (old_events > 0) tip.event_chain = UpgradedGenesis("events", old_events, event_tip);
    AppendedDelivery appended;
    while (deliveries.executeStep()) {
      DeliveryRecord d;
      const std::int64_t id = deliveries.getColumn(0).getInt64();
      d.received_at_ms = deliveries.getColumn(1).getInt64();
      d.peer = deliveries.getColumn(2).getString();
      d.signature = deliveries.getColumn(3).getString();
      d.body = BlobText(deliveries.getColumn(4));
      d.parse_error = OptionalText(deliveries.getColumn(5));
      if (!deliveries.getColumn(8).isNull()) {
        d.client_certificate = ClientCertificate{
            deliveries.getColumn(8).getString(), deliveries.getColumn(9).getString(),
            deliveries.getColumn(10).getString(), deliveries.getColumn(11).getString()};
      }
      std::vector<std::int64_t> duplicate_of;
      events.reset();
      events.bind(1, id);
      while (events.executeStep()) {
        d.events.push_back(RecordOf(events, d.body));
        duplicate_of.push_back(events.getColumn(6).isNull() ? 0 : events.getColumn(6).getInt64());
      }
      auto sealed = Seal(key, d);
      if (!sealed.ok()) throw MigrationFailure{sealed.status()};
      rows.Insert(d, sealed.value(), tip, nullptr, appended);
      if (appended.delivery_id != id) Refuse("delivery " + std::to_string(id) + " moved");
      for (std::size_t i = 0; i < appended.events.size(); ++i) {
        if (appended.events[i].duplicate_of != duplicate_of[i]) {
          Refuse("event " + std::to_string(appended.events[i].seq) +
                 " is not the duplicate it was recorded as");
        }
      }
    }
  }
  SQLite::Statement origin(db, kInsertOrigin);
  BindBytes(origin, 1, key.Check());
  if (has_rows_to_convert && (old_deliveries > 0 || old_events > 0)) {
    origin.bind(2, now_ms);
  } else {
    origin.bind(2);
  }
  origin.bind(3, old_deliveries);
  if (old_deliveries > 0) {
    BindBytes(origin, 4, delivery_tip);
  } else {
    origin.bind(4);
  }
  origin.bind(5, old_events);
  if (old_events > 0) {
    BindBytes(origin, 6, event_tip);
  } else {
    origin.bind(6);
  }
  origin.exec();
}

}  // namespace wj::storage::sqlite
