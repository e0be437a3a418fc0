#include "storage/sqlite/forward_writes.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

// max(): a late or repeated report from a forwarder never moves a cursor back.
constexpr const char* kUpsertCursor =
    "INSERT INTO destination_cursors (destination, start_seq, last_seq, updated_at,"
    " last_success_at) VALUES (?1, ?5, ?2, ?3, ?4) ON CONFLICT (destination) DO UPDATE SET"
    " last_seq = max(last_seq, ?2), updated_at = ?3,"
    " last_success_at = coalesce(?4, last_success_at)";
constexpr const char* kInsertAttempt =
    "INSERT INTO forward_attempts (seq, destination, replay_id, attempted_at, http_status,"
    " error, gave_up) VALUES (?, ?, ?, ?, ?, ?, ?)";
// Only a running replay moves: cancel and completion are final.
constexpr const char* kUpdateReplay =
    "UPDATE replays SET status = ?, sent = ?, failed = ?, last_seq = ?, updated_at = ?,"
    " finished_at = ? WHERE id = ? AND status = 'running'";
constexpr const char* kInsertReplay =
    "INSERT INTO replays (destination, filter, after_seq, until_seq, created_at, created_by,"
    " status, total, sent, failed, last_seq, updated_at, finished_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

}  // namespace

Status ApplyForwardUpdate(SQLite::Database& db, const ForwardUpdate& update) {
  try {
    SQLite::Transaction tx(db);
    if (!update.cursors.empty()) {
      SQLite::Statement st(db, kUpsertCursor);
      for (const DestinationCursor& c : update.cursors) {
        st.bind(1, c.destination);
        st.bind(2, c.last_seq);
        st.bind(3, c.updated_at_ms);
        BindOptional(st, 4, c.last_success_at_ms);
        st.bind(5, c.start_seq);
        st.exec();
        st.reset();
      }
    }
    if (!update.attempts.empty()) {
      SQLite::Statement st(db, kInsertAttempt);
      for (const ForwardAttempt& a : update.attempts) {
        st.bind(1, a.seq);
        st.bind(2, a.destination);
        BindOptional(st, 3, a.replay_id);
        st.bind(4, a.attempted_at_ms);
        BindOptional(st, 5, a.http_status);
        st.bind(6, a.error);
        st.bind(7, a.gave_up ? 1 : 0);
        st.exec();
        st.reset();
      }
    }
    if (!update.replays.empty()) {
      SQLite::Statement st(db, kUpdateReplay);
      for (const ReplayProgress& p : update.replays) {
        st.bind(1, ToString(p.status));
        st.bind(2, p.sent);
        st.bind(3, p.failed);
        st.bind(4, p.last_seq);
        st.bind(5, p.updated_at_ms);
        BindOptional(st, 6, p.finished_at_ms);
        st.bind(7, p.id);
        st.exec();
        st.reset();
      }
    }
    tx.commit();
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    spdlog::error("recording forwarding state failed: {} (code {})", e.what(),
                  e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "recording forwarding state failed");
  }
}

Result<std::int64_t> InsertReplay(SQLite::Database& db, const Replay& r) {
  try {
    SQLite::Statement st(db, kInsertReplay);
    st.bind(1, r.destination);
    st.bind(2, r.filter_json);
    st.bind(3, r.after_seq);
    st.bind(4, r.until_seq);
    st.bind(5, r.created_at_ms);
    st.bind(6, r.created_by);
    st.bind(7, ToString(r.status));
    st.bind(8, r.total);
    st.bind(9, r.sent);
    st.bind(10, r.failed);
    st.bind(11, r.last_seq);
    st.bind(12, r.updated_at_ms);
    BindOptional(st, 13, r.finished_at_ms);
    st.exec();
    return db.getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    spdlog::error("recording a replay failed: {} (code {})", e.what(), e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "recording a replay failed");
  }
}

}  // namespace wj::storage::sqlite
