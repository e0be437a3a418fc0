#include "storage/sqlite/erasure_executor.h"

#include <algorithm>
#include <set>
#include <string>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "storage/content_seal.h"
#include "storage/sqlite/compact_columns.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kFindSubject =
    "SELECT subject_id FROM subjects WHERE waba_id = ? AND customer_digest = ?";
constexpr const char* kDeleteSubject =
    "DELETE FROM subjects WHERE waba_id = ? AND customer_digest = ?";
constexpr const char* kCustomerEvents =
    "SELECT s.seq FROM event_subjects s JOIN events e ON e.seq = s.seq"
    " LEFT JOIN erased_events x ON x.seq = s.seq"
    " WHERE s.subject_id = ? AND e.waba_id = ? AND x.seq IS NULL ORDER BY s.seq";
// Customers' data fields received before a time, not yet erased; the oldest first.
constexpr const char* kEventsBefore =
    "SELECT e.seq, e.waba_id FROM events e LEFT JOIN erased_events x ON x.seq = e.seq"
    " WHERE e.received_at < ?1 AND e.customer_data = 1 AND x.seq IS NULL"
    " AND (?2 IS NULL OR e.waba_id = ?2) ORDER BY e.seq";
// An event to erase with its value wherever it is kept, to recompute the commitment its
// chain hash covers before the value goes.
constexpr const char* kEventToErase =
    "SELECT e.delivery_id, c.salt, c.value, d.salt, d.body, e.value_at, e.value_len,"
    " e.seq - (SELECT min(seq) FROM events f WHERE f.delivery_id = e.delivery_id)"
    " FROM events e LEFT JOIN event_content c ON c.seq = e.seq"
    " LEFT JOIN delivery_content d ON e.value_at IS NOT NULL AND d.delivery_id = e.delivery_id"
    " WHERE e.seq = ?";
constexpr const char* kDeleteEventContent = "DELETE FROM event_content WHERE seq = ?";
constexpr const char* kDeliveryContent =
    "SELECT salt, signature, body FROM delivery_content WHERE delivery_id = ?";
// The other events of a delivery whose values live inside its body and stay.
constexpr const char* kValuesInBody =
    "SELECT e.seq, e.value_at, e.value_len, e.seq - (SELECT min(seq) FROM events"
    " WHERE delivery_id = ?1) FROM events e LEFT JOIN erased_events x ON x.seq = e.seq"
    " WHERE e.delivery_id = ?1 AND e.value_at IS NOT NULL AND x.seq IS NULL";
constexpr const char* kInsertEventContent =
    "INSERT INTO event_content (seq, salt, value) VALUES (?, ?, ?)";
constexpr const char* kDeleteDeliveryContent = "DELETE FROM delivery_content WHERE delivery_id = ?";
constexpr const char* kInsertErasedEvent =
    "INSERT INTO erased_events (seq, erasure_id, late, commitment) VALUES (?, ?, 0, ?)";
constexpr const char* kInsertErasedDelivery =
    "INSERT INTO erased_deliveries (delivery_id, erasure_id, late, commitment)"
    " VALUES (?, ?, 0, ?)";
constexpr const char* kNextErasureId = "SELECT coalesce(max(id), 0) + 1 FROM erasures";
constexpr const char* kWabaKnown = "SELECT 1 FROM events WHERE waba_id = ? LIMIT 1";
constexpr const char* kInsertErasure =
    "INSERT INTO erasures (id, waba_id, scope, reason, requested_by, requested_at, erased_at,"
    " received_before, events, deliveries, first_seq, last_seq, root, tombstone_seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

std::string TimeText(std::int64_t ms) {
  // RFC 3339 in UTC with milliseconds, as the API writes times.
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

// The tombstone's value: what was erased, when, why, by whom, and the commitment over the
// erased rows. No number, name, wamid or text of a customer.
std::string TombstoneValue(const ErasureRecord& r) {
  nlohmann::ordered_json j;
  j["erasure_id"] = r.id;
  j["scope"] = std::string(ToString(r.scope));
  j["reason"] = r.reason;
  j["requested_by"] = r.requested_by;
  j["requested_at"] = TimeText(r.requested_at_ms);
  j["erased_at"] = TimeText(r.erased_at_ms);
  if (r.received_before_ms) j["received_before"] = TimeText(*r.received_before_ms);
  j["events"] = r.events;
  j["deliveries"] = r.deliveries;
  j["first_seq"] = r.first_seq;
  j["last_seq"] = r.last_seq;
  j["root"] = r.root;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class Eraser {
 public:
  Eraser(SQLite::Database& db, JournalRows& rows, std::int64_t now_ms, ChainTip& tip,
         BatchCounts& counts)
      : db_(db), rows_(rows), now_ms_(now_ms), tip_(tip), counts_(counts) {}

  // Erases the content of `seqs` (ascending) and records one erasure of `base`'s kind.
  ErasureRecord Erase(ErasureRecord base, const std::vector<std::int64_t>& seqs) {
    SQLite::Statement next_id(db_, kNextErasureId);
    next_id.executeStep();
    base.id = next_id.getColumn(0).getInt64();
    base.erased_at_ms = now_ms_;

    std::vector<ErasedLeaf> event_leaves;
    std::set<std::int64_t> deliveries;
    const std::set<std::int64_t> erasing(seqs.begin(), seqs.end());
    SQLite::Statement event(db_, kEventToErase);
    SQLite::Statement delete_content(db_, kDeleteEventContent);
    SQLite::Statement erased(db_, kInsertErasedEvent);
    for (std::int64_t seq : seqs) {
      event.reset();
      event.bind(1, seq);
      if (!event.executeStep()) continue;
      if (!event.getColumn(0).isNull()) deliveries.insert(event.getColumn(0).getInt64());
      Sha256Digest commit{};
      if (!event.getColumn(1).isNull()) {
        commit = ValueCommit(BytesOf<16>(event.getColumn(1)), BlobText(event.getColumn(2)));
      } else if (!event.getColumn(3).isNull()) {
        const std::string body = BlobText(event.getColumn(4));
        const auto at = static_cast<std::size_t>(event.getColumn(5).getInt64());
        const auto len = static_cast<std::size_t>(event.getColumn(6).getInt64());
        commit =
            ValueCommit(EventSalt(BytesOf<16>(event.getColumn(3)), event.getColumn(7).getInt64()),
                        at <= body.size() ? std::string_view(body).substr(at, len) : "");
      } else {
        // Content gone without an erasure: someone deleted it behind the service's back.
        throw SQLite::Exception(
            "event " + std::to_string(seq) + " has lost its value outside any erasure; run verify",
            SQLITE_CORRUPT);
      }
      event_leaves.push_back({false, seq, commit});
      delete_content.reset();
      delete_content.bind(1, seq);
      delete_content.exec();
      erased.reset();
      erased.bind(1, seq);
      erased.bind(2, base.id);
      BindBytes(erased, 3, commit);
      erased.exec();
    }
    event.reset();

    std::vector<ErasedLeaf> delivery_leaves;
    SQLite::Statement content(db_, kDeliveryContent);
    SQLite::Statement in_body(db_, kValuesInBody);
    SQLite::Statement keep(db_, kInsertEventContent);
    SQLite::Statement delete_body(db_, kDeleteDeliveryContent);
    SQLite::Statement erased_delivery(db_, kInsertErasedDelivery);
    for (std::int64_t id : deliveries) {
      content.reset();
      content.bind(1, id);
      if (!content.executeStep()) continue;  // its bytes are already gone
      const Salt salt = BytesOf<16>(content.getColumn(0));
      const std::string body = BlobText(content.getColumn(2));
      const Sha256Digest commit = DeliveryCommit(salt, SignatureOf(content.getColumn(1)), body);
      delivery_leaves.push_back({true, id, commit});
      content.reset();
      // Values of the other events stay: copy them out of the body before it goes.
      in_body.reset();
      in_body.bind(1, id);
      while (in_body.executeStep()) {
        const std::int64_t seq = in_body.getColumn(0).getInt64();
        if (erasing.count(seq) != 0) continue;
        const auto at = static_cast<std::size_t>(in_body.getColumn(1).getInt64());
        const auto len = static_cast<std::size_t>(in_body.getColumn(2).getInt64());
        keep.reset();
        keep.bind(1, seq);
        BindBytes(keep, 2, EventSalt(salt, in_body.getColumn(3).getInt64()));
        keep.bind(3, at <= body.size() ? body.substr(at, len) : std::string());
        keep.exec();
      }
      in_body.reset();
      delete_body.reset();
      delete_body.bind(1, id);
      delete_body.exec();
      erased_delivery.reset();
      erased_delivery.bind(1, id);
      erased_delivery.bind(2, base.id);
      BindBytes(erased_delivery, 3, commit);
      erased_delivery.exec();
    }

    std::vector<ErasedLeaf> leaves = std::move(event_leaves);
    leaves.insert(leaves.end(), delivery_leaves.begin(), delivery_leaves.end());
    base.events = static_cast<std::int64_t>(seqs.size());
    base.deliveries = static_cast<std::int64_t>(delivery_leaves.size());
    base.first_seq = seqs.empty() ? 0 : seqs.front();
    base.last_seq = seqs.empty() ? 0 : seqs.back();
    base.root = ToHex(ErasureRoot(leaves));
    base.tombstone_seq =
        rows_.AppendTombstone(base.waba_id, base.id, now_ms_, TombstoneValue(base), tip_, &counts_);

    SQLite::Statement ins(db_, kInsertErasure);
    ins.bind(1, base.id);
    ins.bind(2, base.waba_id);
    ins.bind(3, std::string(ToString(base.scope)));
    ins.bind(4, base.reason);
    ins.bind(5, base.requested_by);
    ins.bind(6, base.requested_at_ms);
    ins.bind(7, base.erased_at_ms);
    BindOptional(ins, 8, base.received_before_ms);
    ins.bind(9, base.events);
    ins.bind(10, base.deliveries);
    ins.bind(11, base.first_seq);
    ins.bind(12, base.last_seq);
    const Sha256Digest root = ErasureRoot(leaves);
    BindBytes(ins, 13, root);
    ins.bind(14, base.tombstone_seq);
    ins.exec();
    return base;
  }

 private:
  SQLite::Database& db_;
  JournalRows& rows_;
  const std::int64_t now_ms_;
  ChainTip& tip_;
  BatchCounts& counts_;
};

}  // namespace

std::vector<ErasureRecord> ExecuteErasure(SQLite::Database& db, JournalRows& rows,
                                          const JournalKey& key, const ErasureRequest& request,
                                          std::int64_t now_ms, ChainTip& tip, BatchCounts& counts) {
  Eraser eraser(db, rows, now_ms, tip, counts);
  ErasureRecord base;
  base.scope = request.scope;
  base.reason = request.reason;
  base.requested_by = request.requested_by;
  base.requested_at_ms = request.requested_at_ms;
  std::vector<ErasureRecord> out;

  if (request.scope == ErasureScope::kCustomer) {
    base.waba_id = request.waba_id.value_or("");
    const KeyedDigest customer = key.Digest(kCustomerDomain, request.wa_id);
    std::vector<std::int64_t> seqs;
    SQLite::Statement find(db, kFindSubject);
    find.bind(1, base.waba_id);
    BindBytes(find, 2, customer);
    if (find.executeStep()) {
      const KeyedDigest subject = BytesOf<16>(find.getColumn(0));
      find.reset();
      SQLite::Statement events(db, kCustomerEvents);
      BindBytes(events, 1, subject);
      events.bind(2, base.waba_id);
      while (events.executeStep()) seqs.push_back(events.getColumn(0).getInt64());
      SQLite::Statement forget(db, kDeleteSubject);
      forget.bind(1, base.waba_id);
      BindBytes(forget, 2, customer);
      forget.exec();
      rows.ForgetSubjects();
    }
    out.push_back(eraser.Erase(base, seqs));
    return out;
  }

  base.received_before_ms = request.received_before_ms;
  std::map<std::string, std::vector<std::int64_t>> by_waba;
  SQLite::Statement events(db, kEventsBefore);
  events.bind(1, request.received_before_ms);
  BindOptional(events, 2, request.waba_id);
  while (events.executeStep()) {
    std::string waba_id = events.getColumn(1).getString();
    if (!request.waba_id && request.within_wabas &&
        std::find(request.within_wabas->begin(), request.within_wabas->end(), waba_id) ==
            request.within_wabas->end()) {
      continue;
    }
    if (!request.waba_id && std::find(request.except_wabas.begin(), request.except_wabas.end(),
                                      waba_id) != request.except_wabas.end()) {
      continue;
    }
    auto& seqs = by_waba[waba_id];
    if (request.max_events == 0 || static_cast<std::int64_t>(seqs.size()) < request.max_events) {
      seqs.push_back(events.getColumn(0).getInt64());
    }
  }
  events.reset();
  if (request.waba_id && by_waba.empty() && !request.skip_empty) by_waba[*request.waba_id];
  for (const auto& [waba_id, seqs] : by_waba) {
    if (seqs.empty() && request.skip_empty) continue;
    base.waba_id = waba_id;
    out.push_back(eraser.Erase(base, seqs));
  }
  return out;
}

// Whether `waba_id` appears in the journal: a customer erasure in an unknown WABA is a
// mistake the caller hears about.
bool WabaKnown(SQLite::Database& db, const std::string& waba_id) {
  SQLite::Statement q(db, kWabaKnown);
  q.bind(1, waba_id);
  return q.executeStep();
}

}  // namespace wj::storage::sqlite
