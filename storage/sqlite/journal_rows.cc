#include "storage/sqlite/journal_rows.h"

#include <algorithm>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "storage/content_seal.h"
#include "storage/customer_data.h"
#include "storage/sqlite/compact_columns.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries (id, received_at, peer, parse_error, event_count,"
    " client_cert_subject, client_cert_issuer, client_cert_serial, client_cert_sha256,"
    " chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertDeliveryContent =
    "INSERT INTO delivery_content (delivery_id, salt, signature, body) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertEvent =
    "INSERT INTO events (seq, delivery_id, object, waba_id, field, event_time, received_at,"
    " duplicate_of, kind, status, item_time, error_codes, customer_data, dedup_digest,"
    " target_digest, value_at, value_len, chain_hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertEventContent =
    "INSERT INTO event_content (seq, salt, value) VALUES (?, ?, ?)";
constexpr const char* kInsertEventSubject =
    "INSERT INTO event_subjects (subject_id, seq) VALUES (?, ?)";
constexpr const char* kInsertErasedEvent =
    "INSERT INTO erased_events (seq, erasure_id, late, commitment) VALUES (?, ?, 1, ?)";
constexpr const char* kInsertErasedDelivery =
    "INSERT INTO erased_deliveries (delivery_id, erasure_id, late, commitment)"
    " VALUES (?, ?, 1, ?)";
// Served by the index events_by_dedup.
constexpr const char* kFirstByDedup =
    "SELECT e.seq, x.erasure_id FROM events e LEFT JOIN erased_events x ON x.seq = e.seq"
    " WHERE e.dedup_digest = ? AND e.duplicate_of IS NULL";
constexpr const char* kFindSubject =
    "SELECT subject_id FROM subjects WHERE waba_id = ? AND customer_digest = ?";
constexpr const char* kInsertSubject =
    "INSERT INTO subjects (waba_id, customer_digest, subject_id) VALUES (?, ?, ?)";
constexpr const char* kAddFieldCounts =
    "INSERT INTO waba_field_counts (waba_id, field, events, duplicates, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (waba_id, field) DO UPDATE SET"
    " events = events + ?3, duplicates = duplicates + ?4, first_seen = min(first_seen, ?5),"
    " last_seen = max(last_seen, ?6)";
constexpr const char* kAddDailyCount =
    "INSERT INTO waba_daily_counts (waba_id, day, events) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (waba_id, day) DO UPDATE SET events = events + ?3";
constexpr std::int64_t kMillisPerDay = 86'400'000;
// Subject ids cached by the writer; beyond this the cache starts over.
constexpr std::size_t kMaxCachedSubjects = 200'000;

std::string JoinCodes(const std::vector<std::int64_t>& codes) {
  std::string out;
  for (std::int64_t c : codes) {
    if (!out.empty()) out.push_back(',');
    out.append(std::to_string(c));
  }
  return out;
}

std::string SubjectKey(const std::string& waba_id, const KeyedDigest& customer) {
  std::string key = waba_id;
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(customer.data()), customer.size());
  return key;
}

}  // namespace

void BatchCounts::Add(const std::string& waba_id, const std::string& field,
                      std::int64_t received_at, bool duplicate) {
  Field& c = by_field[{waba_id, field}];
  if (c.events + c.duplicates == 0) c.first_seen = c.last_seen = received_at;
  c.first_seen = std::min(c.first_seen, received_at);
  c.last_seen = std::max(c.last_seen, received_at);
  if (duplicate) {
    ++c.duplicates;
  } else {
    ++c.events;
    ++by_day[{waba_id, received_at / kMillisPerDay}];
  }
}

JournalRows::JournalRows(SQLite::Database& db, const JournalKey& key)
    : key_(key),
      insert_delivery_(db, kInsertDelivery),
      insert_delivery_content_(db, kInsertDeliveryContent),
      insert_event_(db, kInsertEvent),
      insert_event_content_(db, kInsertEventContent),
      insert_event_subject_(db, kInsertEventSubject),
      insert_erased_event_(db, kInsertErasedEvent),
      insert_erased_delivery_(db, kInsertErasedDelivery),
      first_by_dedup_(db, kFirstByDedup),
      find_subject_(db, kFindSubject),
      insert_subject_(db, kInsertSubject),
      add_field_counts_(db, kAddFieldCounts),
      add_daily_count_(db, kAddDailyCount) {}

KeyedDigest JournalRows::SubjectFor(const std::string& waba_id, const KeyedDigest& customer) {
  std::string key = SubjectKey(waba_id, customer);
  if (auto it = subjects_.find(key); it != subjects_.end()) return it->second;
  KeyedDigest subject{};
  find_subject_.tryReset();
  find_subject_.bindNoCopy(1, waba_id);
  BindBytes(find_subject_, 2, customer);
  if (find_subject_.executeStep()) {
    subject = BytesOf<16>(find_subject_.getColumn(0));
    find_subject_.tryReset();
  } else {
    find_subject_.tryReset();
    // Random, not derived from the number: once the map row is erased, nothing links the
    // id back to the customer.
    if (RAND_bytes(subject.data(), static_cast<int>(subject.size())) != 1) {
      throw SQLite::Exception("the system's random source failed", SQLITE_ERROR);
    }
    insert_subject_.tryReset();
    insert_subject_.bindNoCopy(1, waba_id);
    BindBytes(insert_subject_, 2, customer);
    BindBytes(insert_subject_, 3, subject);
    insert_subject_.exec();
    created_.push_back(key);
  }
  if (subjects_.size() >= kMaxCachedSubjects) ForgetSubjects();
  subjects_.emplace(std::move(key), subject);
  return subject;
}

void JournalRows::Committed() { created_.clear(); }

void JournalRows::RolledBack() {
  for (const std::string& key : created_) subjects_.erase(key);
  created_.clear();
}

void JournalRows::ForgetSubjects() {
  subjects_.clear();
  created_.clear();
}

void JournalRows::Insert(const DeliveryRecord& d, const SealedDelivery& sealed, ChainTip& t,
                         BatchCounts* counts, AppendedDelivery& out) {
  // Which events repeat one already journaled, and which of those were erased: a
  // redelivery of erased content must not bring it back. The same change twice in one
  // delivery repeats the copy inserted just before (found below, once it is in the table).
  struct Known {
    std::int64_t duplicate_of = 0;
    std::int64_t erased_by = 0;
    bool repeats_earlier = false;
  };
  std::vector<Known> known(d.events.size());
  std::int64_t late_erasure = 0;
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    for (std::size_t j = 0; j < i && !known[i].repeats_earlier; ++j) {
      known[i].repeats_earlier = sealed.events[j].dedup == sealed.events[i].dedup;
    }
    if (known[i].repeats_earlier) continue;
    first_by_dedup_.tryReset();
    first_by_dedup_.bindNoCopy(1, sealed.events[i].dedup.data(),
                               static_cast<int>(sealed.events[i].dedup.size()));
    if (first_by_dedup_.executeStep()) {
      known[i].duplicate_of = first_by_dedup_.getColumn(0).getInt64();
      if (!first_by_dedup_.getColumn(1).isNull()) {
        known[i].erased_by = first_by_dedup_.getColumn(1).getInt64();
        late_erasure = known[i].erased_by;
      }
    }
    // An un-reset SELECT would pin a read snapshot and starve WAL checkpoints.
    first_by_dedup_.tryReset();
  }
  const bool keep_body = late_erasure == 0;

  const std::int64_t delivery_id = ++t.delivery_id;
  const auto event_count = static_cast<std::int64_t>(d.events.size());
  t.delivery_chain =
      ChainDelivery(t.delivery_chain, {delivery_id, d.received_at_ms, d.peer,
                                       d.parse_error ? &*d.parse_error : nullptr, event_count,
                                       d.client_certificate ? &*d.client_certificate : nullptr,
                                       sealed.content_commit});
  SQLite::Statement& ins = insert_delivery_;
  ins.tryReset();
  ins.bind(1, delivery_id);
  ins.bind(2, d.received_at_ms);
  ins.bindNoCopy(3, d.peer);
  BindOptional(ins, 4, d.parse_error);
  ins.bind(5, event_count);
  if (const auto& c = d.client_certificate) {
    ins.bindNoCopy(6, c->subject);
    ins.bindNoCopy(7, c->issuer);
    ins.bindNoCopy(8, c->serial);
    ins.bindNoCopy(9, c->sha256);
  } else {
    for (int i = 6; i <= 9; ++i) ins.bind(i);  // NULL
  }
  BindBytes(ins, 10, t.delivery_chain);
  ins.exec();
  if (keep_body) {
    SQLite::Statement& c = insert_delivery_content_;
    c.tryReset();
    c.bind(1, delivery_id);
    BindBytes(c, 2, sealed.salt);
    BindSignature(c, 3, d.signature);
    c.bindNoCopy(4, d.body.data(), static_cast<int>(d.body.size()));
    c.exec();
  } else {
    insert_erased_delivery_.tryReset();
    insert_erased_delivery_.bind(1, delivery_id);
    insert_erased_delivery_.bind(2, late_erasure);
    BindBytes(insert_erased_delivery_, 3, sealed.content_commit);
    insert_erased_delivery_.exec();
  }

  out.delivery_id = delivery_id;
  out.events.clear();
  std::vector<KeyedDigest> subjects;
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    const EventRecord& e = d.events[i];
    const SealedEvent& s = sealed.events[i];
    Known k = known[i];
    if (k.repeats_earlier) {
      // The first copy is in the table now (and shares its erased state).
      first_by_dedup_.tryReset();
      first_by_dedup_.bindNoCopy(1, s.dedup.data(), static_cast<int>(s.dedup.size()));
      if (first_by_dedup_.executeStep()) {
        k.duplicate_of = first_by_dedup_.getColumn(0).getInt64();
        if (!first_by_dedup_.getColumn(1).isNull())
          k.erased_by = first_by_dedup_.getColumn(1).getInt64();
      }
      first_by_dedup_.tryReset();
    }
    const std::int64_t seq = ++t.seq;
    subjects.clear();
    if (k.erased_by == 0) {
      for (const KeyedDigest& customer : s.customers) {
        subjects.push_back(SubjectFor(e.waba_id, customer));
      }
      // Chained in byte order: the order event_subjects gives them back in.
      std::sort(subjects.begin(), subjects.end());
    }
    const bool in_body = keep_body && k.erased_by == 0 && e.value_offset.has_value();
    const std::string codes = JoinCodes(e.error_codes);
    const bool customer_data = CarriesCustomerData(e.field);
    EventRow row{seq,
                 delivery_id,
                 e.object,
                 e.waba_id,
                 e.field,
                 e.event_time,
                 d.received_at_ms,
                 k.duplicate_of,
                 e.kind ? std::optional<std::string_view>(*e.kind) : std::nullopt,
                 e.status ? std::optional<std::string_view>(*e.status) : std::nullopt,
                 e.item_time,
                 codes,
                 customer_data,
                 &subjects,
                 s.dedup,
                 s.target,
                 s.content_commit};
    t.event_chain = ChainEvent(t.event_chain, row);

    SQLite::Statement& ev = insert_event_;
    ev.tryReset();
    ev.bind(1, seq);
    ev.bind(2, delivery_id);
    BindObject(ev, 3, e.object);
    ev.bindNoCopy(4, e.waba_id);
    ev.bindNoCopy(5, e.field);
    BindOptional(ev, 6, e.event_time);
    ev.bind(7, d.received_at_ms);
    if (k.duplicate_of != 0) {
      ev.bind(8, k.duplicate_of);
    } else {
      ev.bind(8);
    }
    BindOptional(ev, 9, e.kind);
    BindOptional(ev, 10, e.status);
    BindOptional(ev, 11, e.item_time);
    ev.bind(12, codes);
    ev.bind(13, customer_data ? 1 : 0);
    ev.bindNoCopy(14, s.dedup.data(), static_cast<int>(s.dedup.size()));
    BindOptionalBytes(ev, 15, s.target);
    if (in_body) {
      ev.bind(16, static_cast<std::int64_t>(*e.value_offset));
      ev.bind(17, static_cast<std::int64_t>(e.value.size()));
    } else {
      ev.bind(16);
      ev.bind(17);
    }
    BindBytes(ev, 18, t.event_chain);
    ev.exec();

    for (const KeyedDigest& subject : subjects) {
      insert_event_subject_.tryReset();
      BindBytes(insert_event_subject_, 1, subject);
      insert_event_subject_.bind(2, seq);
      insert_event_subject_.exec();
    }
    if (k.erased_by != 0) {
      insert_erased_event_.tryReset();
      insert_erased_event_.bind(1, seq);
      insert_erased_event_.bind(2, k.erased_by);
      BindBytes(insert_erased_event_, 3, s.content_commit);
      insert_erased_event_.exec();
    } else if (!in_body) {
      insert_event_content_.tryReset();
      insert_event_content_.bind(1, seq);
      BindBytes(insert_event_content_, 2, s.salt);
      insert_event_content_.bindNoCopy(3, e.value);
      insert_event_content_.exec();
    }
    if (counts != nullptr) counts->Add(e.waba_id, e.field, d.received_at_ms, k.duplicate_of != 0);
    out.events.push_back({seq, k.duplicate_of});
  }
}

std::int64_t JournalRows::AppendTombstone(const std::string& waba_id, std::int64_t erasure_id,
                                          std::int64_t received_at_ms, const std::string& value,
                                          ChainTip& t, BatchCounts* counts) {
  Salt salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw SQLite::Exception("the system's random source failed", SQLITE_ERROR);
  }
  const std::string object = "whatsapp_business_account";
  const std::string field(kErasureField);
  const KeyedDigest dedup = key_.Digest(kDedupDomain, "erasure:" + std::to_string(erasure_id));
  const Sha256Digest commit = ValueCommit(salt, value);
  const std::int64_t seq = ++t.seq;
  EventRow row;
  row.seq = seq;
  row.object = object;
  row.waba_id = waba_id;
  row.field = field;
  row.received_at_ms = received_at_ms;
  const std::string dedup_bytes(reinterpret_cast<const char*>(dedup.data()), dedup.size());
  row.dedup = dedup_bytes;
  row.content_commit = commit;
  t.event_chain = ChainEvent(t.event_chain, row);

  SQLite::Statement& ev = insert_event_;
  ev.tryReset();
  ev.bind(1, seq);
  ev.bind(2);  // no delivery
  BindObject(ev, 3, object);
  ev.bindNoCopy(4, waba_id);
  ev.bind(5, field);
  for (int i : {6, 8, 9, 10, 11}) ev.bind(i);
  ev.bind(7, received_at_ms);
  ev.bind(12, std::string());
  ev.bind(13, 0);
  BindBytes(ev, 14, dedup);
  ev.bind(15);
  ev.bind(16);
  ev.bind(17);
  BindBytes(ev, 18, t.event_chain);
  ev.exec();
  insert_event_content_.tryReset();
  insert_event_content_.bind(1, seq);
  BindBytes(insert_event_content_, 2, salt);
  insert_event_content_.bindNoCopy(3, value);
  insert_event_content_.exec();
  if (counts != nullptr) counts->Add(waba_id, field, received_at_ms, false);
  return seq;
}

void JournalRows::WriteCounts(const BatchCounts& counts) {
  for (const auto& [key, c] : counts.by_field) {
    SQLite::Statement& st = add_field_counts_;
    st.tryReset();
    st.bindNoCopy(1, key.first);
    st.bindNoCopy(2, key.second);
    st.bind(3, c.events);
    st.bind(4, c.duplicates);
    st.bind(5, c.first_seen);
    st.bind(6, c.last_seen);
    st.exec();
  }
  for (const auto& [key, n] : counts.by_day) {
    SQLite::Statement& st = add_daily_count_;
    st.tryReset();
    st.bindNoCopy(1, key.first);
    st.bind(2, key.second);
    st.bind(3, n);
    st.exec();
  }
}

}  // namespace wj::storage::sqlite
