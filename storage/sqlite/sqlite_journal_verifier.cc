#include "storage/sqlite/sqlite_journal_verifier.h"

#include <cstring>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <nlohmann/json.hpp>

#include "storage/chain_hash.h"
#include "storage/content_seal.h"
#include "storage/sqlite/compact_columns.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kOrigin =
    "SELECT v5_deliveries, v5_delivery_tip, v5_events, v5_event_tip FROM journal_origin";
constexpr const char* kDeliveries =
    "SELECT d.id, d.received_at, d.peer, d.parse_error, d.event_count, x.commitment,"
    " d.chain_hash, d.client_cert_subject, d.client_cert_issuer, d.client_cert_serial,"
    " d.client_cert_sha256, c.salt, c.signature, c.body, x.erasure_id, x.late"
    " FROM deliveries d LEFT JOIN delivery_content c ON c.delivery_id = d.id"
    " LEFT JOIN erased_deliveries x ON x.delivery_id = d.id ORDER BY d.id";
constexpr const char* kEvents =
    "SELECT e.seq, e.delivery_id, " WJ_EVENT_OBJECT("e") ", e.waba_id, e.field, e.event_time, e.received_at,"
    " e.duplicate_of, e.kind, e.status, e.item_time, e.error_codes, e.customer_data,"
    " e.dedup_digest, NULL, e.target_digest, x.commitment, e.value_at,"
    " e.value_len, e.chain_hash,"
    " (SELECT group_concat(hex(subject_id), ',') FROM (SELECT subject_id FROM event_subjects s"
    "   WHERE s.seq = e.seq ORDER BY subject_id)),"
    " c.salt, c.value, d.salt, d.body,"
    " e.seq - (SELECT min(seq) FROM events f WHERE f.delivery_id = e.delivery_id),"
    " x.erasure_id, x.late, (SELECT erasure_id FROM erased_events o WHERE o.seq = e.duplicate_of)"
    " FROM events e LEFT JOIN event_content c ON c.seq = e.seq"
    " LEFT JOIN delivery_content d ON d.delivery_id = e.delivery_id"
    " LEFT JOIN erased_events x ON x.seq = e.seq ORDER BY e.seq";
constexpr const char* kErasures =
    "SELECT id, root, tombstone_seq, events, deliveries, first_seq, last_seq FROM erasures"
    " ORDER BY id";
constexpr const char* kErasedEventsOf =
    "SELECT seq, commitment FROM erased_events WHERE erasure_id = ? AND late = 0 ORDER BY seq";
constexpr const char* kErasedDeliveriesOf =
    "SELECT delivery_id, commitment FROM erased_deliveries WHERE erasure_id = ? AND late = 0"
    " ORDER BY delivery_id";
// A delivery erased late must hold an event erased late by the same erasure.
constexpr const char* kLateDeliveryJustified =
    "SELECT 1 FROM events e JOIN erased_events x ON x.seq = e.seq"
    " WHERE e.delivery_id = ? AND x.erasure_id = ? AND x.late = 1 LIMIT 1";
constexpr const char* kTombstoneValue =
    "SELECT e.field, e.waba_id, c.value FROM events e LEFT JOIN event_content c ON c.seq = e.seq"
    " WHERE e.seq = ?";
constexpr const char* kDanglingErasedEvents =
    "SELECT min(seq) FROM erased_events WHERE erasure_id NOT IN (SELECT id FROM erasures)";

std::optional<std::string> OptionalText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::optional<std::string_view> View(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

std::vector<KeyedDigest> Subjects(const SQLite::Column& c) {
  std::vector<KeyedDigest> out;
  if (c.isNull()) return out;
  const std::string text = c.getString();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string bytes;
    KeyedDigest d{};
    if (FromHex(text.substr(start, end - start), &bytes) && bytes.size() == d.size()) {
      std::memcpy(d.data(), bytes.data(), d.size());
    }
    out.push_back(d);
    start = end + 1;
  }
  return out;
}

class Walker {
 public:
  Walker(SQLite::Database& db, VerifyReport& r) : db_(db), r_(r) {}

  void Run() {
    Origin();
    Deliveries();
    if (r_.ok) Events();
    if (r_.ok) Erasures();
    if (r_.ok) LateDeliveries();
  }

 private:
  void BadDelivery(std::int64_t id, std::string problem) {
    r_.ok = false;
    r_.first_bad_delivery = id;
    r_.problem = std::move(problem);
  }
  void BadEvent(std::int64_t seq, std::string problem) {
    r_.ok = false;
    r_.first_bad_seq = seq;
    r_.problem = std::move(problem);
  }
  void BadErasure(std::int64_t id, std::string problem) {
    r_.ok = false;
    r_.first_bad_erasure = id;
    r_.problem = "erasure " + std::to_string(id) + ": " + problem;
  }

  void Origin() {
    SQLite::Statement q(db_, kOrigin);
    if (!q.executeStep()) return;
    if (q.getColumn(0).getInt64() > 0) {
      delivery_genesis_ =
          UpgradedGenesis("deliveries", q.getColumn(0).getInt64(), BytesOf<32>(q.getColumn(1)));
    }
    if (q.getColumn(2).getInt64() > 0) {
      event_genesis_ =
          UpgradedGenesis("events", q.getColumn(2).getInt64(), BytesOf<32>(q.getColumn(3)));
    }
  }

  void Deliveries() {
    SQLite::Statement q(db_, kDeliveries);
    Sha256Digest chain = delivery_genesis_;
    while (q.executeStep()) {
      const std::int64_t id = q.getColumn(0).getInt64();
      const std::string peer = q.getColumn(2).getString();
      const std::optional<std::string> parse_error = OptionalText(q.getColumn(3));
      // A certificate is present when any of its columns is: a partly erased one then fails
      // the chain instead of being read as "none".
      std::optional<ClientCertificate> cert;
      if (!q.getColumn(7).isNull() || !q.getColumn(8).isNull() || !q.getColumn(9).isNull() ||
          !q.getColumn(10).isNull()) {
        cert = ClientCertificate{q.getColumn(7).getString(), q.getColumn(8).getString(),
                                 q.getColumn(9).getString(), q.getColumn(10).getString()};
      }
      ++r_.deliveries;
      if (id != r_.deliveries) {
        return BadDelivery(id, "delivery ids jump from " + std::to_string(r_.deliveries - 1) +
                                   " to " + std::to_string(id));
      }
      // The commitment the chain covers: recomputed from the content while it is kept, else
      // as the erasure recorded it.
      Sha256Digest commit{};
      if (!q.getColumn(11).isNull()) {
        commit = DeliveryCommit(BytesOf<16>(q.getColumn(11)), SignatureOf(q.getColumn(12)),
                                BlobText(q.getColumn(13)));
      } else if (q.getColumn(14).isNull()) {
        return BadDelivery(id, "delivery body is missing and no erasure covers it");
      } else {
        commit = BytesOf<32>(q.getColumn(5));
        if (q.getColumn(15).getInt() == 1)
          late_deliveries_.push_back({id, q.getColumn(14).getInt64()});
      }
      chain = ChainDelivery(
          chain, {id, q.getColumn(1).getInt64(), peer, parse_error ? &*parse_error : nullptr,
                  q.getColumn(4).getInt64(), cert ? &*cert : nullptr, commit});
      if (BytesOf<32>(q.getColumn(6)) != chain) {
        return BadDelivery(id,
                           "delivery (its body, signature or chained columns) does not match"
                           " its chain hash");
      }
    }
  }

  void Events() {
    SQLite::Statement q(db_, kEvents);
    Sha256Digest chain = event_genesis_;
    while (q.executeStep()) {
      const std::int64_t seq = q.getColumn(0).getInt64();
      ++r_.events;
      if (seq != r_.events) {
        return BadEvent(seq, "event seqs jump from " + std::to_string(r_.events - 1) + " to " +
                                 std::to_string(seq));
      }
      const std::string object = q.getColumn(2).getString();
      const std::string waba_id = q.getColumn(3).getString();
      const std::string field = q.getColumn(4).getString();
      const auto kind = OptionalText(q.getColumn(8));
      const auto status = OptionalText(q.getColumn(9));
      const std::string codes = q.getColumn(11).getString();
      const std::vector<KeyedDigest> subjects = Subjects(q.getColumn(20));
      const std::int64_t duplicate_of = q.getColumn(7).isNull() ? 0 : q.getColumn(7).getInt64();
      const std::string dedup = BlobText(q.getColumn(13));
      // The commitment the chain covers: recomputed from the value while it is kept (in its
      // own row or inside the delivery's body), else as the erasure recorded it.
      Sha256Digest commit{};
      if (!q.getColumn(21).isNull()) {
        commit = ValueCommit(BytesOf<16>(q.getColumn(21)), BlobText(q.getColumn(22)));
      } else if (!q.getColumn(17).isNull() && !q.getColumn(23).isNull()) {
        const std::string body = BlobText(q.getColumn(24));
        const auto at = static_cast<std::size_t>(q.getColumn(17).getInt64());
        const auto len = static_cast<std::size_t>(q.getColumn(18).getInt64());
        const Salt salt = EventSalt(BytesOf<16>(q.getColumn(23)), q.getColumn(25).getInt64());
        commit = ValueCommit(salt, at <= body.size() ? std::string_view(body).substr(at, len) : "");
      } else if (q.getColumn(26).isNull()) {
        return BadEvent(seq, "event value is missing and no erasure covers it");
      } else {
        ++r_.erased_events;
        commit = BytesOf<32>(q.getColumn(16));
        const std::int64_t erasure = q.getColumn(26).getInt64();
        // Journaled after the erasure without its content: only a redelivery of content that
        // erasure removed may be.
        if (q.getColumn(27).getInt() == 1 &&
            (q.getColumn(28).isNull() || q.getColumn(28).getInt64() != erasure)) {
          return BadEvent(seq,
                          "event is recorded as a redelivery of erased content, but its"
                          " first occurrence was not erased by erasure " +
                              std::to_string(erasure));
        }
      }
      EventRow row{seq,
                   q.getColumn(1).isNull() ? 0 : q.getColumn(1).getInt64(),
                   object,
                   waba_id,
                   field,
                   Optional<std::int64_t>(q.getColumn(5)),
                   q.getColumn(6).getInt64(),
                   duplicate_of,
                   View(kind),
                   View(status),
                   Optional<std::int64_t>(q.getColumn(10)),
                   codes,
                   q.getColumn(12).getInt() != 0,
                   &subjects,
                   dedup,
                   OptionalBytes<16>(q.getColumn(15)),
                   commit};
      chain = ChainEvent(chain, row);
      if (BytesOf<32>(q.getColumn(19)) != chain) {
        return BadEvent(seq, "event (its value or chained columns) does not match its chain hash");
      }
    }
  }

  void Erasures() {
    SQLite::Statement q(db_, kErasures);
    SQLite::Statement events(db_, kErasedEventsOf);
    SQLite::Statement deliveries(db_, kErasedDeliveriesOf);
    SQLite::Statement tombstone(db_, kTombstoneValue);
    while (q.executeStep()) {
      const std::int64_t id = q.getColumn(0).getInt64();
      ++r_.erasures;
      std::vector<ErasedLeaf> leaves;
      std::int64_t event_count = 0;
      std::int64_t first = 0;
      std::int64_t last = 0;
      events.reset();
      events.bind(1, id);
      while (events.executeStep()) {
        const std::int64_t seq = events.getColumn(0).getInt64();
        if (first == 0) first = seq;
        last = seq;
        ++event_count;
        leaves.push_back({false, seq, BytesOf<32>(events.getColumn(1))});
      }
      std::int64_t delivery_count = 0;
      deliveries.reset();
      deliveries.bind(1, id);
      while (deliveries.executeStep()) {
        ++delivery_count;
        leaves.push_back(
            {true, deliveries.getColumn(0).getInt64(), BytesOf<32>(deliveries.getColumn(1))});
      }
      const std::string root = ToHex(ErasureRoot(leaves));
      const std::int64_t tombstone_seq = q.getColumn(2).getInt64();
      tombstone.reset();
      tombstone.bind(1, tombstone_seq);
      if (!tombstone.executeStep() || tombstone.getColumn(0).getString() != "erasure" ||
          tombstone.getColumn(2).isNull()) {
        return BadErasure(id,
                          "its tombstone (event " + std::to_string(tombstone_seq) + ") is missing");
      }
      const auto value = nlohmann::json::parse(tombstone.getColumn(2).getString(), nullptr, false);
      // The tombstone's value is committed in the chain (checked above): it is the
      // authoritative record of what this erasure removed.
      auto member = [&](const char* name) -> nlohmann::json {
        return value.is_object() && value.contains(name) ? value[name] : nlohmann::json();
      };
      if (member("erasure_id") != id) {
        return BadErasure(id, "its tombstone names another erasure");
      }
      if (member("root") != root || ToHex(BlobText(q.getColumn(1))) != root) {
        return BadErasure(id,
                          "the erased rows do not match the commitment in its tombstone"
                          " (event " +
                              std::to_string(tombstone_seq) + ")");
      }
      if (member("events") != event_count || member("deliveries") != delivery_count ||
          member("first_seq") != first || member("last_seq") != last ||
          q.getColumn(3).getInt64() != event_count || q.getColumn(4).getInt64() != delivery_count) {
        return BadErasure(id, "the erased rows do not match the counts in its tombstone");
      }
    }
    SQLite::Statement dangling(db_, kDanglingErasedEvents);
    if (dangling.executeStep() && !dangling.getColumn(0).isNull()) {
      return BadEvent(dangling.getColumn(0).getInt64(),
                      "event is recorded as erased by an erasure that does not exist");
    }
  }

  void LateDeliveries() {
    SQLite::Statement q(db_, kLateDeliveryJustified);
    for (const auto& [id, erasure] : late_deliveries_) {
      q.reset();
      q.bind(1, id);
      q.bind(2, erasure);
      if (!q.executeStep()) {
        return BadDelivery(id, "delivery body is missing and no erasure covers it");
      }
    }
  }

  SQLite::Database& db_;
  VerifyReport& r_;
  Sha256Digest delivery_genesis_ = kGenesisHash;
  Sha256Digest event_genesis_ = kGenesisHash;
  std::vector<std::pair<std::int64_t, std::int64_t>> late_deliveries_;  // id, erasure
};

}  // namespace

Result<VerifyReport> VerifySqliteJournal(const std::string& path) {
  auto db = OpenReadOnly(path);
  if (!db.ok()) return db.status();
  VerifyReport report;
  try {
    // One read transaction: every walk sees the same committed state.
    SQLite::Transaction snapshot(*db.value());
    if (db.value()
            ->execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'journal_origin'")
            .getInt() == 0) {
      return Status::FailedPrecondition(
          "the journal's schema is older than this binary's: run `waba-journal migrate` (or"
          " start `serve`) to upgrade it; the upgrade verifies it first");
    }
    Walker(*db.value(), report).Run();
    return report;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading journal: ") + e.what());
  }
}

}  // namespace wj::storage::sqlite
