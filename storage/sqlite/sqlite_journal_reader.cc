#include "storage/sqlite/sqlite_journal_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/content_seal.h"
#include "storage/customer_data.h"
#include "storage/sqlite/compact_columns.h"
#include "storage/sqlite/connection_pool.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/journal_schema.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

// Ids and seqs are gapless from 1 (append-only, assigned by the writer), so the maximum
// is the count, found in O(log n) on the primary keys.
constexpr const char* kStats =
    "SELECT (SELECT coalesce(max(id), 0) FROM deliveries), (SELECT coalesce(max(seq), 0) FROM "
    "events)";

// Every query that returns events selects these columns in this order (see ReadEvent),
// from WJ_EVENT_FROM: the chained row, its value wherever it is kept (its own content row,
// or its bytes inside the stored raw body), the erasure that removed it, its subjects.
#define WJ_EVENT_COLUMNS \
  "e.seq, e.delivery_id, " WJ_EVENT_OBJECT("e") ", e.waba_id, e.field, e.event_time, e.received_at,"          \
  " e.duplicate_of, e.kind, e.status, e.item_time, e.error_codes, e.customer_data,"           \
  " e.dedup_digest, coalesce(c.value, CAST(substr(d.body, e.value_at + 1, e.value_len) AS"    \
  " TEXT)), x.erasure_id, (SELECT group_concat(hex(s.subject_id)) FROM event_subjects s"       \
  " WHERE s.seq = e.seq)"
#define WJ_EVENT_VALUE \
  "coalesce(c.value, CAST(substr(d.body, e.value_at + 1, e.value_len) AS TEXT))"
#define WJ_EVENT_FROM                                                                      \
  " FROM events e LEFT JOIN event_content c ON c.seq = e.seq LEFT JOIN delivery_content d" \
  " ON e.value_at IS NOT NULL AND d.delivery_id = e.delivery_id LEFT JOIN erased_events x" \
  " ON x.seq = e.seq"

constexpr const char* kEventBySeq = "SELECT " WJ_EVENT_COLUMNS WJ_EVENT_FROM " WHERE e.seq = ?";
constexpr const char* kDuplicatesOf =
    "SELECT " WJ_EVENT_COLUMNS WJ_EVENT_FROM " WHERE e.duplicate_of = ? ORDER BY e.seq";
constexpr const char* kDeliveryById =
    "SELECT d.id, d.received_at, d.peer, c.signature, c.body, d.parse_error,"
    " d.client_cert_subject, d.client_cert_issuer, d.client_cert_serial, d.client_cert_sha256,"
    " x.erasure_id FROM deliveries d LEFT JOIN delivery_content c ON c.delivery_id = d.id"
    " LEFT JOIN erased_deliveries x ON x.delivery_id = d.id WHERE d.id = ?";
constexpr const char* kEventsOfDelivery =
    "SELECT seq, waba_id FROM events WHERE delivery_id = ? ORDER BY seq";
// The message's own events (message, statuses: a range of dedup digests) and those pointing
// at it (target digest).
constexpr const char* kMessageEvents =
    "SELECT " WJ_EVENT_COLUMNS ", NOT (e.dedup_digest >= ?1 AND e.dedup_digest < ?2)" WJ_EVENT_FROM
    " WHERE e.seq IN (SELECT seq FROM events WHERE dedup_digest >= ?1 AND dedup_digest < ?2"
    " UNION SELECT seq FROM events WHERE target_digest = ?3)"
    " AND (?4 OR e.duplicate_of IS NULL) ORDER BY e.seq LIMIT ?5";
#define WJ_ERASURE_COLUMNS                                                              \
  "id, waba_id, scope, reason, requested_by, requested_at, erased_at, received_before," \
  " events, deliveries, first_seq, last_seq, root, tombstone_seq"
constexpr const char* kErasureById = "SELECT " WJ_ERASURE_COLUMNS " FROM erasures WHERE id = ?";
constexpr const char* kWabaCounts =
    "SELECT waba_id, field, events, duplicates, first_seen, last_seen FROM waba_field_counts"
    " ORDER BY waba_id, field";
constexpr const char* kDailyCounts =
    "SELECT day, events FROM waba_daily_counts WHERE waba_id = ? AND day >= ? ORDER BY day";

// The fields of AuditFields(), in the order of the partial index events_audit_timeline
// (migrations/sqlite/0002_query_api.sql): SQLite uses that index only for a query that repeats
// its WHERE clause.
constexpr const char* kAuditWhere = WJ_EVENT_FROM
    " WHERE e.waba_id = ? AND e.field IN ('account_alerts', 'account_review_update',"
    " 'account_update', 'business_capability_update', 'erasure',"
    " 'message_template_quality_update', 'message_template_status_update',"
    " 'phone_number_name_update', 'phone_number_quality_update', 'security',"
    " 'template_category_update') AND e.duplicate_of IS NULL";
constexpr const char* kAuditNewestFirst =
    " ORDER BY coalesce(e.event_time, e.received_at / 1000) DESC, e.seq DESC";

#define WJ_CHECK_COLUMNS                                                        \
  "id, waba_id, checked_at, action, http_status, state, our_app_present, apps," \
  " override_callback_uri, error_code, error_message, usage, paused_until"

constexpr const char* kLatestChecks =
    "SELECT " WJ_CHECK_COLUMNS
    " FROM subscription_checks WHERE id IN"
    " (SELECT max(id) FROM subscription_checks GROUP BY waba_id) ORDER BY waba_id";
constexpr const char* kCheckHistory =
    "SELECT " WJ_CHECK_COLUMNS
    " FROM subscription_checks WHERE waba_id = ? ORDER BY id DESC LIMIT ?";
constexpr const char* kCheckChanges = "SELECT " WJ_CHECK_COLUMNS
                                      " FROM (SELECT *, lag(state) OVER (ORDER BY id) AS previous"
                                      " FROM subscription_checks WHERE waba_id = ?)"
                                      " WHERE previous IS NULL OR previous != state ORDER BY id";

std::vector<std::int64_t> SplitCodes(const std::string& text) {
  std::vector<std::int64_t> codes;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    codes.push_back(std::strtoll(text.c_str() + start, nullptr, 10));
    start = end + 1;
  }
  return codes;
}

std::vector<std::string> SplitSubjects(const SQLite::Column& c) {
  std::vector<std::string> out;
  if (c.isNull()) return out;
  std::string text = c.getString();
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

StoredEvent ReadEvent(SQLite::Statement& q) {
  StoredEvent e;
  e.seq = q.getColumn(0).getInt64();
  e.delivery_id = q.getColumn(1).isNull() ? 0 : q.getColumn(1).getInt64();
  e.object = q.getColumn(2).getString();
  e.waba_id = q.getColumn(3).getString();
  e.field = q.getColumn(4).getString();
  e.event_time = Optional<std::int64_t>(q.getColumn(5));
  e.received_at_ms = q.getColumn(6).getInt64();
  e.duplicate_of = Optional<std::int64_t>(q.getColumn(7));
  e.kind = Optional<std::string>(q.getColumn(8));
  e.status = Optional<std::string>(q.getColumn(9));
  e.item_time = Optional<std::int64_t>(q.getColumn(10));
  e.error_codes = SplitCodes(q.getColumn(11).getString());
  e.customer_data = q.getColumn(12).getInt() != 0;
  e.dedup_digest = ToHex(BlobText(q.getColumn(13)));
  e.value = Optional<std::string>(q.getColumn(14));
  e.erasure_id = Optional<std::int64_t>(q.getColumn(15));
  e.subject_ids = SplitSubjects(q.getColumn(16));
  return e;
}

ErasureRecord ReadErasure(SQLite::Statement& q) {
  ErasureRecord r;
  r.id = q.getColumn(0).getInt64();
  r.waba_id = q.getColumn(1).getString();
  r.scope =
      q.getColumn(2).getString() == "before" ? ErasureScope::kBefore : ErasureScope::kCustomer;
  r.reason = q.getColumn(3).getString();
  r.requested_by = q.getColumn(4).getString();
  r.requested_at_ms = q.getColumn(5).getInt64();
  r.erased_at_ms = q.getColumn(6).getInt64();
  r.received_before_ms = Optional<std::int64_t>(q.getColumn(7));
  r.events = q.getColumn(8).getInt64();
  r.deliveries = q.getColumn(9).getInt64();
  r.first_seq = q.getColumn(10).getInt64();
  r.last_seq = q.getColumn(11).getInt64();
  r.root = ToHex(BlobText(q.getColumn(12)));
  r.tombstone_seq = q.getColumn(13).getInt64();
  return r;
}

SubscriptionCheck ReadCheck(SQLite::Statement& q) {
  SubscriptionCheck c;
  c.id = q.getColumn(0).getInt64();
  c.waba_id = q.getColumn(1).getString();
  c.checked_at_ms = q.getColumn(2).getInt64();
  c.action = q.getColumn(3).getString();
  if (!q.getColumn(4).isNull()) c.http_status = q.getColumn(4).getInt();
  // The CHECK constraint admits only stored states.
  c.state = ParseSubscriptionState(q.getColumn(5).getString()).value_or(SubscriptionState::kError);
  if (!q.getColumn(6).isNull()) c.our_app_present = q.getColumn(6).getInt() != 0;
  c.apps_json = Optional<std::string>(q.getColumn(7));
  c.override_callback_uri = Optional<std::string>(q.getColumn(8));
  c.error_code = Optional<std::int64_t>(q.getColumn(9));
  c.error_message = Optional<std::string>(q.getColumn(10));
  c.usage = Optional<std::string>(q.getColumn(11));
  c.paused_until_ms = Optional<std::int64_t>(q.getColumn(12));
  return c;
}

std::vector<SubscriptionCheck> ReadChecks(SQLite::Statement& q) {
  std::vector<SubscriptionCheck> out;
  while (q.executeStep()) out.push_back(ReadCheck(q));
  return out;
}

std::vector<StoredEvent> ReadEvents(SQLite::Statement& q) {
  std::vector<StoredEvent> out;
  while (q.executeStep()) out.push_back(ReadEvent(q));
  return out;
}

// A query assembled from constant fragments, with every value bound: callers never put a
// value into the SQL text, only "?" placeholders.
class QueryBuilder {
 public:
  explicit QueryBuilder(std::string head) : sql_(std::move(head)) {}

  void Sql(std::string_view fragment) { sql_.append(fragment); }
  // Appends `fragment`, which holds exactly one "?", bound to `value` (kept by reference).
  void Condition(std::string_view fragment, std::int64_t value) {
    sql_.append(fragment);
    ints_.push_back({next_++, value});
  }
  void Condition(std::string_view fragment, const std::string& value) {
    sql_.append(fragment);
    texts_.push_back({next_++, &value});
  }
  void Condition(std::string_view fragment, const KeyedDigest& value) {
    sql_.append(fragment);
    blobs_.push_back(
        {next_++, std::string(reinterpret_cast<const char*>(value.data()), value.size())});
  }
  // `fragment` holds two "?": the bounds of a range of digests.
  void Range(std::string_view fragment, const DigestRange& range) {
    sql_.append(fragment);
    blobs_.push_back({next_++, range.first});
    blobs_.push_back({next_++, range.last});
  }
  // " AND column IN (?, ?, ...)" with one placeholder per value; nothing when empty.
  void In(std::string_view column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql_.append(" AND ").append(column).append(" IN (");
    for (std::size_t i = 0; i < values.size(); ++i) {
      sql_.append(i == 0 ? "?" : ", ?");
      texts_.push_back({next_++, &values[i]});
    }
    sql_.append(")");
  }

  SQLite::Statement Prepare(SQLite::Database& db) const {
    SQLite::Statement q(db, sql_);
    for (const auto& [index, v] : ints_) q.bind(index, v);
    for (const auto& [index, v] : texts_) q.bindNoCopy(index, *v);
    for (const auto& [index, v] : blobs_) q.bind(index, v.data(), static_cast<int>(v.size()));
    return q;
  }

 private:
  std::string sql_;
  int next_ = 1;
  std::vector<std::pair<int, std::int64_t>> ints_;
  std::vector<std::pair<int, const std::string*>> texts_;
  std::vector<std::pair<int, std::string>> blobs_;
};

// The WHERE conditions of an EventFilter (everything but order and limit). Identifiers are
// looked up by their keyed digests.
void AddEventConditions(QueryBuilder& b, const EventFilter& f, const JournalKey& key) {
  b.In("e.waba_id", f.waba_ids);
  b.In("e.field", f.fields);
  if (f.since_ms) b.Condition(" AND e.received_at >= ?", *f.since_ms);
  if (f.until_ms) b.Condition(" AND e.received_at < ?", *f.until_ms);
  if (f.after) b.Condition(f.descending ? " AND e.seq < ?" : " AND e.seq > ?", *f.after);
  if (f.until_seq) b.Condition(" AND e.seq <= ?", *f.until_seq);
  if (f.wamid) {
    b.Range(" AND e.dedup_digest >= ? AND e.dedup_digest < ?", WamidRange(key, *f.wamid));
  }
  if (f.wa_id) {
    b.Condition(
        " AND e.seq IN (SELECT s.seq FROM subjects m JOIN event_subjects s"
        " ON s.subject_id = m.subject_id WHERE m.customer_digest = ?)",
        key.Digest(kCustomerDomain, NormalizeNumber(*f.wa_id)));
  }
  if (!f.include_duplicates) b.Sql(" AND e.duplicate_of IS NULL");
}

}  // namespace

struct SqliteJournalReader::Impl {
  Impl(std::unique_ptr<ConnectionPool> p, JournalKey k) : pool(std::move(p)), key(std::move(k)) {}
  std::unique_ptr<ConnectionPool> pool;
  const JournalKey key;
};

SqliteJournalReader::SqliteJournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteJournalReader::~SqliteJournalReader() = default;

Result<std::unique_ptr<SqliteJournalReader>> SqliteJournalReader::Open(const std::string& path,
                                                                       const KeySource& key_source,
                                                                       int connections) {
  auto pool = ConnectionPool::OpenReadOnly(path, connections);
  if (!pool.ok()) return pool.status();
  auto db = OpenReadOnly(path);
  if (!db.ok()) return db.status();
  auto key = ReadJournalKey(*db.value(), key_source);
  if (!key.ok()) return key.status();
  auto impl = std::make_unique<Impl>(std::move(pool.value()), std::move(key.value()));
  return std::unique_ptr<SqliteJournalReader>(new SqliteJournalReader(std::move(impl)));
}

Result<JournalStats> SqliteJournalReader::Stats() {
  return impl_->pool->Read<JournalStats>("reading journal stats", [](SQLite::Database& db) {
    SQLite::Statement q(db, kStats);
    q.executeStep();
    return JournalStats{q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
  });
}

Result<EventPage> SqliteJournalReader::Events(const EventFilter& f) {
  const int limit = std::clamp(f.limit, 1, kMaxPageSize);
  QueryBuilder b("SELECT " WJ_EVENT_COLUMNS WJ_EVENT_FROM " WHERE 1");
  AddEventConditions(b, f, impl_->key);
  b.Sql(f.descending ? " ORDER BY e.seq DESC" : " ORDER BY e.seq ASC");
  // One row more than asked tells whether another page follows.
  b.Condition(" LIMIT ?", limit + 1);
  return impl_->pool->Read<EventPage>("listing events", [&](SQLite::Database& db) {
    SQLite::Statement q = b.Prepare(db);
    EventPage page;
    page.events.reserve(static_cast<std::size_t>(limit));
    while (q.executeStep()) {
      if (static_cast<int>(page.events.size()) == limit) {
        page.next_after = page.events.back().seq;
        break;
      }
      page.events.push_back(ReadEvent(q));
    }
    return page;
  });
}

Result<std::int64_t> SqliteJournalReader::CountEvents(const EventFilter& f) {
  QueryBuilder b("SELECT count(*) FROM events e WHERE 1");
  AddEventConditions(b, f, impl_->key);
  return impl_->pool->Read<std::int64_t>("counting events", [&](SQLite::Database& db) {
    SQLite::Statement q = b.Prepare(db);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

Result<std::optional<StoredEvent>> SqliteJournalReader::Event(std::int64_t seq) {
  return impl_->pool->Read<std::optional<StoredEvent>>(
      "reading an event", [&](SQLite::Database& db) -> std::optional<StoredEvent> {
        SQLite::Statement q(db, kEventBySeq);
        q.bind(1, seq);
        if (!q.executeStep()) return std::nullopt;
        return ReadEvent(q);
      });
}

Result<std::vector<StoredEvent>> SqliteJournalReader::DuplicatesOf(std::int64_t seq) {
  return impl_->pool->Read<std::vector<StoredEvent>>("reading duplicates",
                                                     [&](SQLite::Database& db) {
                                                       SQLite::Statement q(db, kDuplicatesOf);
                                                       q.bind(1, seq);
                                                       return ReadEvents(q);
                                                     });
}

Result<std::optional<StoredDelivery>> SqliteJournalReader::Delivery(std::int64_t id) {
  return impl_->pool->Read<std::optional<StoredDelivery>>(
      "reading a delivery", [&](SQLite::Database& db) -> std::optional<StoredDelivery> {
        SQLite::Statement q(db, kDeliveryById);
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        StoredDelivery d;
        d.id = q.getColumn(0).getInt64();
        d.received_at_ms = q.getColumn(1).getInt64();
        d.peer = q.getColumn(2).getString();
        if (!q.getColumn(3).isNull()) d.signature = SignatureOf(q.getColumn(3));
        if (!q.getColumn(4).isNull()) d.body = BlobText(q.getColumn(4));
        d.erasure_id = Optional<std::int64_t>(q.getColumn(10));
        d.parse_error = Optional<std::string>(q.getColumn(5));
        if (!q.getColumn(6).isNull()) {
          d.client_certificate =
              ClientCertificate{q.getColumn(6).getString(), q.getColumn(7).getString(),
                                q.getColumn(8).getString(), q.getColumn(9).getString()};
        }
        SQLite::Statement events(db, kEventsOfDelivery);
        events.bind(1, id);
        std::set<std::string> wabas;
        while (events.executeStep()) {
          d.event_seqs.push_back(events.getColumn(0).getInt64());
          wabas.insert(events.getColumn(1).getString());
        }
        d.waba_ids.assign(wabas.begin(), wabas.end());
        return d;
      });
}

Result<std::vector<StoredEvent>> SqliteJournalReader::MessageEvents(const std::string& wamid,
                                                                    bool include_duplicates,
                                                                    int limit) {
  return impl_->pool->Read<std::vector<StoredEvent>>(
      "reading a message", [&](SQLite::Database& db) {
        SQLite::Statement q(db, kMessageEvents);
        const DigestRange range = WamidRange(impl_->key, wamid);
        q.bind(1, range.first.data(), static_cast<int>(range.first.size()));
        q.bind(2, range.last.data(), static_cast<int>(range.last.size()));
        BindBytes(q, 3, impl_->key.Digest(kWamidDomain, wamid));
        q.bind(4, include_duplicates ? 1 : 0);
        q.bind(5, limit);
        std::vector<StoredEvent> out;
        while (q.executeStep()) {
          out.push_back(ReadEvent(q));
          out.back().points_at_message = q.getColumn(17).getInt() != 0;
        }
        return out;
      });
}

Result<std::vector<WabaSummary>> SqliteJournalReader::Wabas() {
  return impl_->pool->Read<std::vector<WabaSummary>>(
      "reading WABA counts", [](SQLite::Database& db) {
        SQLite::Statement q(db, kWabaCounts);
        std::vector<WabaSummary> out;
        while (q.executeStep()) {
          std::string waba_id = q.getColumn(0).getString();
          if (out.empty() || out.back().waba_id != waba_id) {
            out.push_back({});
            out.back().waba_id = std::move(waba_id);
            out.back().first_seen_ms = q.getColumn(4).getInt64();
          }
          WabaSummary& w = out.back();
          const FieldCount c{q.getColumn(2).getInt64(), q.getColumn(3).getInt64()};
          w.fields[q.getColumn(1).getString()] = c;
          w.events += c.events;
          w.duplicates += c.duplicates;
          w.first_seen_ms = std::min(w.first_seen_ms, q.getColumn(4).getInt64());
          w.last_seen_ms = std::max(w.last_seen_ms, q.getColumn(5).getInt64());
        }
        return out;
      });
}

Result<std::vector<DailyCount>> SqliteJournalReader::DailyCounts(const std::string& waba_id,
                                                                 std::int64_t from_day) {
  return impl_->pool->Read<std::vector<DailyCount>>(
      "reading daily counts", [&](SQLite::Database& db) {
        SQLite::Statement q(db, kDailyCounts);
        q.bindNoCopy(1, waba_id);
        q.bind(2, from_day);
        std::vector<DailyCount> out;
        while (q.executeStep())
          out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64()});
        return out;
      });
}

Result<AuditTimeline> SqliteJournalReader::Audit(const AuditFilter& f) {
  const int limit = std::max(f.limit, 1);
  QueryBuilder b("SELECT " WJ_EVENT_COLUMNS);
  b.Condition(kAuditWhere, f.waba_id);
  b.In("e.field", f.fields);
  if (f.since_ms) b.Condition(" AND e.received_at >= ?", *f.since_ms);
  if (f.until_ms) b.Condition(" AND e.received_at < ?", *f.until_ms);
  b.Sql(kAuditNewestFirst);
  b.Condition(" LIMIT ?", limit + 1);
  return impl_->pool->Read<AuditTimeline>("reading an audit timeline", [&](SQLite::Database& db) {
    SQLite::Statement q = b.Prepare(db);
    AuditTimeline out;
    while (q.executeStep()) {
      if (static_cast<int>(out.items.size()) == limit) {
        out.truncated = true;
        break;
      }
      out.items.push_back(ReadEvent(q));
    }
    std::reverse(out.items.begin(), out.items.end());
    return out;
  });
}

Result<std::optional<StoredEvent>> SqliteJournalReader::LatestAuditEvent(
    const std::string& waba_id, std::string_view field,
    const std::optional<std::string>& event_name) {
  QueryBuilder b("SELECT " WJ_EVENT_COLUMNS);
  b.Condition(kAuditWhere, waba_id);
  const std::string field_text(field);
  b.Condition(" AND e.field = ?", field_text);
  if (event_name) {
    b.Condition(" AND CASE WHEN json_valid(" WJ_EVENT_VALUE ") THEN json_extract(" WJ_EVENT_VALUE
                ", '$.event') END = ?",
                *event_name);
  }
  b.Sql(kAuditNewestFirst);
  b.Sql(" LIMIT 1");
  return impl_->pool->Read<std::optional<StoredEvent>>(
      "reading an audit event", [&](SQLite::Database& db) -> std::optional<StoredEvent> {
        SQLite::Statement q = b.Prepare(db);
        if (!q.executeStep()) return std::nullopt;
        return ReadEvent(q);
      });
}

Result<std::vector<ErasureRecord>> SqliteJournalReader::Erasures(
    const std::vector<std::string>& waba_ids, int limit) {
  QueryBuilder b("SELECT " WJ_ERASURE_COLUMNS " FROM erasures WHERE 1");
  b.In("waba_id", waba_ids);
  b.Sql(" ORDER BY id DESC");
  b.Condition(" LIMIT ?", std::int64_t{std::max(limit, 1)});
  return impl_->pool->Read<std::vector<ErasureRecord>>("listing erasures",
                                                       [&](SQLite::Database& db) {
                                                         SQLite::Statement q = b.Prepare(db);
                                                         std::vector<ErasureRecord> out;
                                                         while (q.executeStep()) {
                                                           out.push_back(ReadErasure(q));
                                                         }
                                                         return out;
                                                       });
}

Result<std::optional<ErasureRecord>> SqliteJournalReader::ErasureById(std::int64_t id) {
  return impl_->pool->Read<std::optional<ErasureRecord>>(
      "reading an erasure", [&](SQLite::Database& db) -> std::optional<ErasureRecord> {
        SQLite::Statement q(db, kErasureById);
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        return ReadErasure(q);
      });
}

Result<std::vector<SubscriptionCheck>> SqliteJournalReader::LatestSubscriptionChecks() {
  return impl_->pool->Read<std::vector<SubscriptionCheck>>("reading subscription checks",
                                                           [](SQLite::Database& db) {
                                                             SQLite::Statement q(db, kLatestChecks);
                                                             return ReadChecks(q);
                                                           });
}

Result<std::vector<SubscriptionCheck>> SqliteJournalReader::SubscriptionHistory(
    const std::string& waba_id, int limit) {
  return impl_->pool->Read<std::vector<SubscriptionCheck>>("reading subscription history",
                                                           [&](SQLite::Database& db) {
                                                             SQLite::Statement q(db, kCheckHistory);
                                                             q.bindNoCopy(1, waba_id);
                                                             q.bind(2, limit);
                                                             return ReadChecks(q);
                                                           });
}

Result<std::vector<SubscriptionCheck>> SqliteJournalReader::SubscriptionChanges(
    const std::string& waba_id) {
  return impl_->pool->Read<std::vector<SubscriptionCheck>>("reading subscription changes",
                                                           [&](SQLite::Database& db) {
                                                             SQLite::Statement q(db, kCheckChanges);
                                                             q.bindNoCopy(1, waba_id);
                                                             return ReadChecks(q);
                                                           });
}

}  // namespace wj::storage::sqlite
