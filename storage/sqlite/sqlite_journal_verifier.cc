#include "storage/sqlite/sqlite_journal_verifier.h"

#include <cstring>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/chain_hash.h"
#include "storage/sqlite/database.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kDeliveries =
    "SELECT id, received_at, peer, signature, body, parse_error, event_count, chain_hash,"
    " client_cert_subject, client_cert_issuer, client_cert_serial, client_cert_sha256"
    " FROM deliveries ORDER BY id";
constexpr const char* kEvents =
    "SELECT seq, delivery_id, object, waba_id, field, event_time, received_at, dedup_key,"
    " duplicate_of, wamid, wa_id, value, chain_hash FROM events ORDER BY seq";

bool SameDigest(const SQLite::Column& c, const Sha256Digest& d) {
  return c.getBytes() == static_cast<int>(d.size()) &&
         std::memcmp(c.getBlob(), d.data(), d.size()) == 0;
}

std::optional<std::string> OptionalText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

void WalkDeliveries(SQLite::Database& db, VerifyReport& r) {
  SQLite::Statement q(db, kDeliveries);
  Sha256Digest chain = kGenesisHash;
  while (q.executeStep()) {
    const std::int64_t id = q.getColumn(0).getInt64();
    const std::string peer = q.getColumn(2).getString();
    const std::string signature = q.getColumn(3).getString();
    const SQLite::Column body = q.getColumn(4);
    const std::optional<std::string> parse_error = OptionalText(q.getColumn(5));
    // A certificate is present when any of its columns is: a partly erased one then fails
    // the chain instead of being read as "none".
    std::optional<ClientCertificate> cert;
    if (!q.getColumn(8).isNull() || !q.getColumn(9).isNull() || !q.getColumn(10).isNull() ||
        !q.getColumn(11).isNull()) {
      cert = ClientCertificate{q.getColumn(8).getString(), q.getColumn(9).getString(),
                               q.getColumn(10).getString(), q.getColumn(11).getString()};
    }
    DeliveryRow row{id,
                    q.getColumn(1).getInt64(),
                    peer,
                    signature,
                    std::string_view(static_cast<const char*>(body.getBlob()),
                                     static_cast<std::size_t>(body.getBytes())),
                    parse_error ? &*parse_error : nullptr,
                    q.getColumn(6).getInt64(),
                    cert ? &*cert : nullptr};
    ++r.deliveries;
    if (id != r.deliveries) {
      r.problem = "delivery ids jump from " + std::to_string(r.deliveries - 1) + " to " +
                  std::to_string(id);
    } else {
      chain = ChainDelivery(chain, row);
      if (!SameDigest(q.getColumn(7), chain))
        r.problem = "delivery content does not match its chain hash";
    }
    if (!r.problem.empty()) {
      r.ok = false;
      r.first_bad_delivery = id;
      return;
    }
  }
}

void WalkEvents(SQLite::Database& db, VerifyReport& r) {
  SQLite::Statement q(db, kEvents);
  Sha256Digest chain = kGenesisHash;
  while (q.executeStep()) {
    EventRecord e;
    const std::int64_t seq = q.getColumn(0).getInt64();
    EventRow row{seq, q.getColumn(1).getInt64(), q.getColumn(6).getInt64(),
                 q.getColumn(8).isNull() ? 0 : q.getColumn(8).getInt64(), &e};
    e.object = q.getColumn(2).getString();
    e.waba_id = q.getColumn(3).getString();
    e.field = q.getColumn(4).getString();
    if (!q.getColumn(5).isNull()) e.event_time = q.getColumn(5).getInt64();
    e.dedup_key = q.getColumn(7).getString();
    e.wamid = OptionalText(q.getColumn(9));
    e.wa_id = OptionalText(q.getColumn(10));
    e.value = q.getColumn(11).getString();
    ++r.events;
    if (seq != r.events) {
      r.problem =
          "event seqs jump from " + std::to_string(r.events - 1) + " to " + std::to_string(seq);
    } else {
      chain = ChainEvent(chain, row);
      if (!SameDigest(q.getColumn(12), chain))
        r.problem = "event content does not match its chain hash";
    }
    if (!r.problem.empty()) {
      r.ok = false;
      r.first_bad_seq = seq;
      return;
    }
  }
}

}  // namespace

Result<VerifyReport> VerifySqliteJournal(const std::string& path) {
  auto db = OpenReadOnly(path);
  if (!db.ok()) return db.status();
  VerifyReport report;
  try {
    // One read transaction: both walks see the same committed state.
    SQLite::Transaction snapshot(*db.value());
    WalkDeliveries(*db.value(), report);
    if (report.ok) WalkEvents(*db.value(), report);
    return report;
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("reading journal: ") + e.what());
  }
}

}  // namespace wj::storage::sqlite
