#include "storage/sqlite/sqlite_journal.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>

#include "storage/chain_hash.h"
#include "storage/sqlite/forward_writes.h"
#include "storage/sqlite/migrator.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kLastDelivery =
    "SELECT id, chain_hash FROM deliveries ORDER BY id DESC LIMIT 1";
constexpr const char* kLastEvent = "SELECT seq, chain_hash FROM events ORDER BY seq DESC LIMIT 1";
constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries (id, received_at, peer, signature, body, parse_error, event_count,"
    " chain_hash, client_cert_subject, client_cert_issuer, client_cert_serial,"
    " client_cert_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertEvent =
    "INSERT INTO events (seq, delivery_id, object, waba_id, field, event_time, received_at,"
    " dedup_key, duplicate_of, wamid, wa_id, value, chain_hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertTarget = "INSERT INTO event_targets (seq, target_wamid) VALUES (?, ?)";
constexpr const char* kAddFieldCounts =
    "INSERT INTO waba_field_counts (waba_id, field, events, duplicates, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (waba_id, field) DO UPDATE SET"
    " events = events + ?3, duplicates = duplicates + ?4, first_seen = min(first_seen, ?5),"
    " last_seen = max(last_seen, ?6)";
constexpr const char* kAddDailyCount =
    "INSERT INTO waba_daily_counts (waba_id, day, events) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (waba_id, day) DO UPDATE SET events = events + ?3";
constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr const char* kInsertSubscriptionCheck =
    "INSERT INTO subscription_checks (waba_id, checked_at, action, http_status, state,"
    " our_app_present, apps, override_callback_uri, error_code, error_message, usage,"
    " paused_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// Served by the partial unique index events_first_by_dedup_key.
constexpr const char* kFirstByDedupKey =
    "SELECT seq FROM events WHERE dedup_key = ? AND duplicate_of IS NULL";

// Per-WABA counters of one batch, written once per key at the end of the batch rather
// than once per event.
struct FieldCounts {
  std::int64_t events = 0;
  std::int64_t duplicates = 0;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
};
struct BatchCounts {
  std::map<std::pair<std::string, std::string>, FieldCounts> by_field;
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> by_day;

  void Add(const EventRecord& e, std::int64_t received_at, bool duplicate) {
    FieldCounts& c = by_field[{e.waba_id, e.field}];
    if (c.events + c.duplicates == 0) c.first_seen = c.last_seen = received_at;
    c.first_seen = std::min(c.first_seen, received_at);
    c.last_seen = std::max(c.last_seen, received_at);
    if (duplicate) {
      ++c.duplicates;
    } else {
      ++c.events;
      ++by_day[{e.waba_id, received_at / kMillisPerDay}];
    }
  }
};

// Where the chains and counters stand after the last commit.
struct Tip {
  std::int64_t delivery_id = 0;
  Sha256Digest delivery_chain = kGenesisHash;
  std::int64_t seq = 0;
  Sha256Digest event_chain = kGenesisHash;
};

void BindDigest(SQLite::Statement& st, int index, const Sha256Digest& d) {
  st.bind(index, d.data(), static_cast<int>(d.size()));
}

Sha256Digest DigestFromColumn(const SQLite::Column& c) {
  Sha256Digest d{};
  if (c.getBytes() == static_cast<int>(d.size())) std::memcpy(d.data(), c.getBlob(), d.size());
  return d;
}

}  // namespace

struct SqliteJournal::Impl {
  explicit Impl(std::unique_ptr<SQLite::Database> database)
      : db(std::move(database)),
        insert_delivery(*db, kInsertDelivery),
        insert_event(*db, kInsertEvent),
        insert_target(*db, kInsertTarget),
        add_field_counts(*db, kAddFieldCounts),
        add_daily_count(*db, kAddDailyCount),
        first_by_dedup_key(*db, kFirstByDedupKey) {}

  // Inserts one delivery and its events, advancing `tip` and `counts`.
  // Throws SQLite::Exception.
  void Insert(const DeliveryRecord& d, Tip& tip, BatchCounts& counts, AppendedDelivery& out);
  // Adds a batch's counters to the per-WABA tables. Throws SQLite::Exception.
  void WriteCounts(const BatchCounts& counts);

  std::unique_ptr<SQLite::Database> db;
  SQLite::Statement insert_delivery;
  SQLite::Statement insert_event;
  SQLite::Statement insert_target;
  SQLite::Statement add_field_counts;
  SQLite::Statement add_daily_count;
  SQLite::Statement first_by_dedup_key;
  Tip tip;  // as committed
};

void SqliteJournal::Impl::Insert(const DeliveryRecord& d, Tip& t, BatchCounts& counts,
                                 AppendedDelivery& out) {
  const std::int64_t delivery_id = ++t.delivery_id;
  const auto event_count = static_cast<std::int64_t>(d.events.size());
  t.delivery_chain =
      ChainDelivery(t.delivery_chain, {delivery_id, d.received_at_ms, d.peer, d.signature, d.body,
                                       d.parse_error ? &*d.parse_error : nullptr, event_count,
                                       d.client_certificate ? &*d.client_certificate : nullptr});

  SQLite::Statement& ins = insert_delivery;
  ins.tryReset();
  ins.bind(1, delivery_id);
  ins.bind(2, d.received_at_ms);
  ins.bindNoCopy(3, d.peer);
  ins.bindNoCopy(4, d.signature);
  ins.bindNoCopy(5, d.body.data(), static_cast<int>(d.body.size()));
  BindOptional(ins, 6, d.parse_error);
  ins.bind(7, event_count);
  BindDigest(ins, 8, t.delivery_chain);
  if (const auto& c = d.client_certificate) {
    ins.bindNoCopy(9, c->subject);
    ins.bindNoCopy(10, c->issuer);
    ins.bindNoCopy(11, c->serial);
    ins.bindNoCopy(12, c->sha256);
  } else {
    for (int i = 9; i <= 12; ++i) ins.bind(i);  // NULL
  }
  ins.exec();
  ins.tryReset();

  out.delivery_id = delivery_id;
  out.events.clear();
  for (const EventRecord& e : d.events) {
    // The single writer makes check-then-insert race-free; the unique index guards it.
    std::int64_t duplicate_of = 0;
    first_by_dedup_key.tryReset();
    first_by_dedup_key.bindNoCopy(1, e.dedup_key);
    if (first_by_dedup_key.executeStep()) duplicate_of = first_by_dedup_key.getColumn(0).getInt64();
    // An un-reset SELECT would pin a read snapshot and starve WAL checkpoints.
    first_by_dedup_key.tryReset();

    const std::int64_t seq = ++t.seq;
    t.event_chain =
        ChainEvent(t.event_chain, {seq, delivery_id, d.received_at_ms, duplicate_of, &e});

    SQLite::Statement& ev = insert_event;
    ev.tryReset();
    ev.bind(1, seq);
    ev.bind(2, delivery_id);
    ev.bindNoCopy(3, e.object);
    ev.bindNoCopy(4, e.waba_id);
    ev.bindNoCopy(5, e.field);
    BindOptional(ev, 6, e.event_time);
    ev.bind(7, d.received_at_ms);
    ev.bindNoCopy(8, e.dedup_key);
    if (duplicate_of != 0) {
      ev.bind(9, duplicate_of);
    } else {
      ev.bind(9);
    }
    BindOptional(ev, 10, e.wamid);
    BindOptional(ev, 11, e.wa_id);
    ev.bindNoCopy(12, e.value);
    BindDigest(ev, 13, t.event_chain);
    ev.exec();
    ev.tryReset();
    if (e.target_wamid) {
      insert_target.tryReset();
      insert_target.bind(1, seq);
      insert_target.bindNoCopy(2, *e.target_wamid);
      insert_target.exec();
    }
    counts.Add(e, d.received_at_ms, duplicate_of != 0);
    out.events.push_back({seq, duplicate_of});
  }
}

void SqliteJournal::Impl::WriteCounts(const BatchCounts& counts) {
  for (const auto& [key, c] : counts.by_field) {
    SQLite::Statement& st = add_field_counts;
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
    SQLite::Statement& st = add_daily_count;
    st.tryReset();
    st.bindNoCopy(1, key.first);
    st.bind(2, key.second);
    st.bind(3, n);
    st.exec();
  }
}

SqliteJournal::SqliteJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteJournal::~SqliteJournal() = default;

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::string& path,
                                                           const DatabaseOptions& options) {
  auto db = OpenWritable(path, options);
  if (!db.ok()) return db.status();
  auto migrations = BuiltInMigrations();
  if (!migrations.ok()) return migrations.status();
  auto report = Migrate(*db.value(), migrations.value());
  if (!report.ok()) return report.status();
  for (const std::string& name : report->applied) spdlog::info("applied migration {}", name);
  try {
    auto impl = std::make_unique<Impl>(std::move(db.value()));
    SQLite::Statement last_delivery(*impl->db, kLastDelivery);
    if (last_delivery.executeStep()) {
      impl->tip.delivery_id = last_delivery.getColumn(0).getInt64();
      impl->tip.delivery_chain = DigestFromColumn(last_delivery.getColumn(1));
    }
    SQLite::Statement last_event(*impl->db, kLastEvent);
    if (last_event.executeStep()) {
      impl->tip.seq = last_event.getColumn(0).getInt64();
      impl->tip.event_chain = DigestFromColumn(last_event.getColumn(1));
    }
    return std::unique_ptr<SqliteJournal>(new SqliteJournal(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("loading journal state: ") + e.what());
  }
}

Status SqliteJournal::AppendBatch(const std::vector<const DeliveryRecord*>& batch,
                                  std::vector<AppendedDelivery>* out) {
  out->resize(batch.size());
  Tip tip = impl_->tip;  // only published once the commit succeeded
  try {
    SQLite::Transaction tx(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    BatchCounts counts;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      impl_->Insert(*batch[i], tip, counts, (*out)[i]);
    }
    impl_->WriteCounts(counts);
    // commit() throws if COMMIT fails; the destructor then rolls back. Nothing is
    // acknowledged unless this line returns.
    tx.commit();
  } catch (const SQLite::Exception& e) {
    // SQLite's text is for the operator's log only; callers get a generic message.
    spdlog::error("journal commit of {} deliveries failed: {} (code {})", batch.size(), e.what(),
                  e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "journal commit failed");
  }
  impl_->tip = tip;
  return Status::Ok();
}

Result<std::int64_t> SqliteJournal::AppendSubscriptionCheck(const SubscriptionCheck& c) {
  try {
    SQLite::Statement ins(*impl_->db, kInsertSubscriptionCheck);
    ins.bind(1, c.waba_id);
    ins.bind(2, c.checked_at_ms);
    ins.bind(3, c.action);
    BindOptional(ins, 4, c.http_status);
    ins.bind(5, ToString(c.state));
    if (c.our_app_present) {
      ins.bind(6, *c.our_app_present ? 1 : 0);
    } else {
      ins.bind(6);
    }
    BindOptional(ins, 7, c.apps_json);
    BindOptional(ins, 8, c.override_callback_uri);
    BindOptional(ins, 9, c.error_code);
    BindOptional(ins, 10, c.error_message);
    BindOptional(ins, 11, c.usage);
    BindOptional(ins, 12, c.paused_until_ms);
    ins.exec();
    return impl_->db->getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    spdlog::error("recording a subscription check failed: {} (code {})", e.what(),
                  e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "recording a subscription check failed");
  }
}

Status SqliteJournal::ApplyForwardUpdate(const ForwardUpdate& update) {
  return sqlite::ApplyForwardUpdate(*impl_->db, update);
}

Result<std::int64_t> SqliteJournal::CreateReplay(const Replay& replay) {
  return InsertReplay(*impl_->db, replay);
}

JournalStats SqliteJournal::Committed() const { return {impl_->tip.delivery_id, impl_->tip.seq}; }

}  // namespace wj::storage::sqlite
