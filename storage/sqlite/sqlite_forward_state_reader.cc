#include "storage/sqlite/sqlite_forward_state_reader.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/sqlite/connection_pool.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kCursors =
    "SELECT destination, last_seq, updated_at, last_success_at, start_seq"
    " FROM destination_cursors";
#define WJ_ATTEMPT_COLUMNS \
  "id, seq, destination, replay_id, attempted_at, http_status, error, gave_up"
constexpr const char* kGivenUp =
    "SELECT destination, count(*) FROM forward_attempts WHERE gave_up = 1 AND replay_id IS NULL"
    " GROUP BY destination";
constexpr const char* kLastFailures =
    "SELECT " WJ_ATTEMPT_COLUMNS
    " FROM forward_attempts WHERE id IN"
    " (SELECT max(id) FROM forward_attempts WHERE replay_id IS NULL GROUP BY destination)";
constexpr const char* kAttemptsFor =
    "SELECT " WJ_ATTEMPT_COLUMNS " FROM forward_attempts WHERE seq = ? ORDER BY id";
#define WJ_REPLAY_COLUMNS                                                                 \
  "id, destination, filter, after_seq, until_seq, created_at, created_by, status, total," \
  " sent, failed, last_seq, updated_at, finished_at"
constexpr const char* kReplays =
    "SELECT " WJ_REPLAY_COLUMNS " FROM replays ORDER BY id DESC LIMIT ?";
constexpr const char* kReplayById = "SELECT " WJ_REPLAY_COLUMNS " FROM replays WHERE id = ?";
constexpr const char* kRunningReplays =
    "SELECT " WJ_REPLAY_COLUMNS " FROM replays WHERE status = 'running' ORDER BY id";

ForwardAttempt ReadAttempt(SQLite::Statement& q) {
  ForwardAttempt a;
  a.id = q.getColumn(0).getInt64();
  a.seq = q.getColumn(1).getInt64();
  a.destination = q.getColumn(2).getString();
  a.replay_id = Optional<std::int64_t>(q.getColumn(3));
  a.attempted_at_ms = q.getColumn(4).getInt64();
  a.http_status = Optional<int>(q.getColumn(5));
  a.error = q.getColumn(6).getString();
  a.gave_up = q.getColumn(7).getInt() != 0;
  return a;
}

Replay ReadReplay(SQLite::Statement& q) {
  Replay r;
  r.id = q.getColumn(0).getInt64();
  r.destination = q.getColumn(1).getString();
  r.filter_json = q.getColumn(2).getString();
  r.after_seq = q.getColumn(3).getInt64();
  r.until_seq = q.getColumn(4).getInt64();
  r.created_at_ms = q.getColumn(5).getInt64();
  r.created_by = q.getColumn(6).getString();
  // The CHECK constraint admits only known states.
  r.status = ReplayStatusFromString(q.getColumn(7).getString()).value_or(ReplayStatus::kFailed);
  r.total = q.getColumn(8).getInt64();
  r.sent = q.getColumn(9).getInt64();
  r.failed = q.getColumn(10).getInt64();
  r.last_seq = q.getColumn(11).getInt64();
  r.updated_at_ms = q.getColumn(12).getInt64();
  r.finished_at_ms = Optional<std::int64_t>(q.getColumn(13));
  return r;
}

std::vector<Replay> ReadReplays(SQLite::Statement& q) {
  std::vector<Replay> out;
  while (q.executeStep()) out.push_back(ReadReplay(q));
  return out;
}

}  // namespace

struct SqliteForwardStateReader::Impl {
  std::unique_ptr<ConnectionPool> pool;
};

SqliteForwardStateReader::SqliteForwardStateReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SqliteForwardStateReader::~SqliteForwardStateReader() = default;

Result<std::unique_ptr<SqliteForwardStateReader>> SqliteForwardStateReader::Open(
    const std::string& path, int connections) {
  auto pool = ConnectionPool::OpenReadOnly(path, connections);
  if (!pool.ok()) return pool.status();
  auto impl = std::make_unique<Impl>();
  impl->pool = std::move(pool.value());
  return std::unique_ptr<SqliteForwardStateReader>(new SqliteForwardStateReader(std::move(impl)));
}

Result<std::map<std::string, DestinationCursor>> SqliteForwardStateReader::Cursors() {
  using Map = std::map<std::string, DestinationCursor>;
  return impl_->pool->Read<Map>("reading destination cursors", [](SQLite::Database& db) {
    SQLite::Statement q(db, kCursors);
    Map out;
    while (q.executeStep()) {
      DestinationCursor c;
      c.destination = q.getColumn(0).getString();
      c.last_seq = q.getColumn(1).getInt64();
      c.updated_at_ms = q.getColumn(2).getInt64();
      c.last_success_at_ms = Optional<std::int64_t>(q.getColumn(3));
      c.start_seq = q.getColumn(4).getInt64();
      out.emplace(c.destination, c);
    }
    return out;
  });
}

Result<std::map<std::string, ForwardStateReader::LiveFailures>>
SqliteForwardStateReader::Failures() {
  using Map = std::map<std::string, LiveFailures>;
  return impl_->pool->Read<Map>("reading forwarding failures", [](SQLite::Database& db) {
    Map out;
    SQLite::Statement given_up(db, kGivenUp);
    while (given_up.executeStep()) {
      out[given_up.getColumn(0).getString()].given_up = given_up.getColumn(1).getInt64();
    }
    SQLite::Statement last(db, kLastFailures);
    while (last.executeStep()) {
      ForwardAttempt a = ReadAttempt(last);
      out[a.destination].last = std::move(a);
    }
    return out;
  });
}

Result<std::vector<ForwardAttempt>> SqliteForwardStateReader::AttemptsFor(std::int64_t seq) {
  using List = std::vector<ForwardAttempt>;
  return impl_->pool->Read<List>("reading forward attempts", [&](SQLite::Database& db) {
    SQLite::Statement q(db, kAttemptsFor);
    q.bind(1, seq);
    List out;
    while (q.executeStep()) out.push_back(ReadAttempt(q));
    return out;
  });
}

Result<std::vector<Replay>> SqliteForwardStateReader::Replays(int limit) {
  return impl_->pool->Read<std::vector<Replay>>("listing replays", [&](SQLite::Database& db) {
    SQLite::Statement q(db, kReplays);
    q.bind(1, limit);
    return ReadReplays(q);
  });
}

Result<std::optional<Replay>> SqliteForwardStateReader::ReplayById(std::int64_t id) {
  return impl_->pool->Read<std::optional<Replay>>(
      "reading a replay", [&](SQLite::Database& db) -> std::optional<Replay> {
        SQLite::Statement q(db, kReplayById);
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        return ReadReplay(q);
      });
}

Result<std::vector<Replay>> SqliteForwardStateReader::RunningReplays() {
  return impl_->pool->Read<std::vector<Replay>>("listing running replays",
                                                [](SQLite::Database& db) {
                                                  SQLite::Statement q(db, kRunningReplays);
                                                  return ReadReplays(q);
                                                });
}

}  // namespace wj::storage::sqlite
