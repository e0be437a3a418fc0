#include "storage/sqlite/sqlite_journal_reader.h"

#include <algorithm>
#include <array>
#include <set>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/sqlite/connection_pool.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

// Ids and seqs are gapless from 1 (append-only, assigned by the writer), so the maximum
// is the count, found in O(log n) on the primary keys.
constexpr const char* kStats =
    "SELECT (SELECT coalesce(max(id), 0) FROM deliveries), (SELECT coalesce(max(seq), 0) FROM "
    "events)";

// Every query that returns events selects these columns in this order (see ReadEvent).
#define WJ_EVENT_COLUMNS                                                                        \
  "seq, delivery_id, object, waba_id, field, event_time, received_at, dedup_key, duplicate_of," \
  " wamid, wa_id, value"

constexpr const char* kEventBySeq = "SELECT " WJ_EVENT_COLUMNS " FROM events WHERE seq = ?";
constexpr const char* kDuplicatesOf =
    "SELECT " WJ_EVENT_COLUMNS " FROM events WHERE duplicate_of = ? ORDER BY seq";
constexpr const char* kDeliveryById =
    "SELECT id, received_at, peer, signature, body, parse_error, client_cert_subject,"
    " client_cert_issuer, client_cert_serial, client_cert_sha256 FROM deliveries WHERE id = ?";
constexpr const char* kEventsOfDelivery =
    "SELECT seq, waba_id FROM events WHERE delivery_id = ? ORDER BY seq";
// The message's own events (message, statuses) and those pointing at it.
constexpr const char* kMessageEvents =
    "SELECT " WJ_EVENT_COLUMNS
    " FROM events WHERE seq IN (SELECT seq FROM events WHERE wamid = ?1"
    " UNION SELECT seq FROM event_targets WHERE target_wamid = ?1)"
    " AND (?2 OR duplicate_of IS NULL) ORDER BY seq LIMIT ?3";
constexpr const char* kWabaCounts =
    "SELECT waba_id, field, events, duplicates, first_seen, last_seen FROM waba_field_counts"
    " ORDER BY waba_id, field";
constexpr const char* kDailyCounts =
    "SELECT day, events FROM waba_daily_counts WHERE waba_id = ? AND day >= ? ORDER BY day";

// The fields of AuditFields(), in the order of the partial index events_audit_timeline
// (migrations/sqlite/0002_query_api.sql): SQLite uses that index only for a query that repeats
// its WHERE clause.
constexpr const char* kAuditWhere =
    " FROM events WHERE waba_id = ? AND field IN ('account_alerts', 'account_review_update',"
    " 'account_update', 'business_capability_update', 'message_template_quality_update',"
    " 'message_template_status_update', 'phone_number_name_update',"
    " 'phone_number_quality_update', 'security', 'template_category_update')"
    " AND duplicate_of IS NULL";
constexpr const char* kAuditNewestFirst =
    " ORDER BY coalesce(event_time, received_at / 1000) DESC, seq DESC";

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

StoredEvent ReadEvent(SQLite::Statement& q) {
  StoredEvent e;
  e.seq = q.getColumn(0).getInt64();
  e.delivery_id = q.getColumn(1).getInt64();
  e.object = q.getColumn(2).getString();
  e.waba_id = q.getColumn(3).getString();
  e.field = q.getColumn(4).getString();
  e.event_time = Optional<std::int64_t>(q.getColumn(5));
  e.received_at_ms = q.getColumn(6).getInt64();
  e.dedup_key = q.getColumn(7).getString();
  e.duplicate_of = Optional<std::int64_t>(q.getColumn(8));
  e.wamid = Optional<std::string>(q.getColumn(9));
  e.wa_id = Optional<std::string>(q.getColumn(10));
  e.value = q.getColumn(11).getString();
  return e;
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
    return q;
  }

 private:
  std::string sql_;
  int next_ = 1;
  std::vector<std::pair<int, std::int64_t>> ints_;
  std::vector<std::pair<int, const std::string*>> texts_;
};

// The WHERE conditions of an EventFilter (everything but order and limit).
void AddEventConditions(QueryBuilder& b, const EventFilter& f) {
  b.In("waba_id", f.waba_ids);
  b.In("field", f.fields);
  if (f.since_ms) b.Condition(" AND received_at >= ?", *f.since_ms);
  if (f.until_ms) b.Condition(" AND received_at < ?", *f.until_ms);
  if (f.after) b.Condition(f.descending ? " AND seq < ?" : " AND seq > ?", *f.after);
  if (f.until_seq) b.Condition(" AND seq <= ?", *f.until_seq);
  if (f.wamid) b.Condition(" AND wamid = ?", *f.wamid);
  if (f.wa_id) b.Condition(" AND wa_id = ?", *f.wa_id);
  if (!f.include_duplicates) b.Sql(" AND duplicate_of IS NULL");
}

}  // namespace

struct SqliteJournalReader::Impl {
  std::unique_ptr<ConnectionPool> pool;
};

SqliteJournalReader::SqliteJournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteJournalReader::~SqliteJournalReader() = default;

Result<std::unique_ptr<SqliteJournalReader>> SqliteJournalReader::Open(const std::string& path,
                                                                       int connections) {
  auto pool = ConnectionPool::OpenReadOnly(path, connections);
  if (!pool.ok()) return pool.status();
  auto impl = std::make_unique<Impl>();
  impl->pool = std::move(pool.value());
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
  QueryBuilder b("SELECT " WJ_EVENT_COLUMNS " FROM events WHERE 1");
  AddEventConditions(b, f);
  b.Sql(f.descending ? " ORDER BY seq DESC" : " ORDER BY seq ASC");
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
  QueryBuilder b("SELECT count(*) FROM events WHERE 1");
  AddEventConditions(b, f);
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
        d.signature = q.getColumn(3).getString();
        const SQLite::Column body = q.getColumn(4);
        d.body.assign(static_cast<const char*>(body.getBlob()),
                      static_cast<std::size_t>(body.getBytes()));
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
  return impl_->pool->Read<std::vector<StoredEvent>>("reading a message",
                                                     [&](SQLite::Database& db) {
                                                       SQLite::Statement q(db, kMessageEvents);
                                                       q.bindNoCopy(1, wamid);
                                                       q.bind(2, include_duplicates ? 1 : 0);
                                                       q.bind(3, limit);
                                                       return ReadEvents(q);
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
  b.In("field", f.fields);
  if (f.since_ms) b.Condition(" AND received_at >= ?", *f.since_ms);
  if (f.until_ms) b.Condition(" AND received_at < ?", *f.until_ms);
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
  b.Condition(" AND field = ?", field_text);
  if (event_name) {
    b.Condition(" AND CASE WHEN json_valid(value) THEN json_extract(value, '$.event') END = ?",
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
