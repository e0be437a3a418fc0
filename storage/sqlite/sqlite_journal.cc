#include "storage/sqlite/sqlite_journal.h"

#include <chrono>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "storage/content_seal.h"
#include "storage/sqlite/erasure_executor.h"
#include "storage/sqlite/forward_writes.h"
#include "storage/sqlite/journal_rows.h"
#include "storage/sqlite/journal_schema.h"
#include "storage/sqlite/sqlite_bind.h"

namespace wj::storage::sqlite {
namespace {

constexpr const char* kLastDelivery =
    "SELECT id, chain_hash FROM deliveries ORDER BY id DESC LIMIT 1";
constexpr const char* kLastEvent = "SELECT seq, chain_hash FROM events ORDER BY seq DESC LIMIT 1";
constexpr const char* kOrigin =
    "SELECT v5_deliveries, v5_delivery_tip, v5_events, v5_event_tip FROM journal_origin";
constexpr const char* kInsertSubscriptionCheck =
    "INSERT INTO subscription_checks (waba_id, checked_at, action, http_status, state,"
    " our_app_present, apps, override_callback_uri, error_code, error_message, usage,"
    " paused_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Write-ahead log frames after which Maintain() checkpoints (about 4 MB of 4 KiB pages, SQLite's
// own threshold): pages dirtied again and again between two checkpoints are copied back once.
constexpr int kCheckpointFrames = 1000;

struct SqliteJournal::Impl {
  Impl(std::unique_ptr<SQLite::Database> database, JournalKey journal_key)
      : db(std::move(database)), key(std::move(journal_key)), rows(*db, key) {
    // Replaces SQLite's auto-checkpoint, which runs inside the commit that crosses its
    // threshold, while that commit's requests wait for their answer. The hook runs on this
    // connection's thread (the writer's); so does the checkpoint, in Maintain(): a second
    // connection checkpointing beside the writer is what Debian's SQLite 3.40 WAL-reset bug
    // needs to corrupt a journal.
    sqlite3_wal_hook(db->getHandle(), &Impl::OnCommit, this);
  }
  ~Impl() { sqlite3_wal_hook(db->getHandle(), nullptr, nullptr); }

  static int OnCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
    static_cast<Impl*>(self)->wal_frames = frames;
    return SQLITE_OK;
  }

  std::unique_ptr<SQLite::Database> db;
  const JournalKey key;
  JournalRows rows;
  ChainTip tip;        // as committed
  int wal_frames = 0;  // in the write-ahead log after the last commit
};

SqliteJournal::SqliteJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteJournal::~SqliteJournal() = default;

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::string& path,
                                                           const DatabaseOptions& options) {
  auto db = OpenWritable(path, options);
  if (!db.ok()) return db.status();
  MigrationReport report;
  auto key = MigrateJournal(*db.value(), KeySourceFor(path, options), &report);
  if (!key.ok()) return key.status();
  for (const std::string& name : report.applied) spdlog::info("applied migration {}", name);
  try {
    auto impl = std::make_unique<Impl>(std::move(db.value()), std::move(key.value()));
    // An upgraded journal's chains start from a commitment to the old chains' tips.
    SQLite::Statement origin(*impl->db, kOrigin);
    if (origin.executeStep()) {
      if (origin.getColumn(0).getInt64() > 0) {
        impl->tip.delivery_chain = UpgradedGenesis("deliveries", origin.getColumn(0).getInt64(),
                                                   BytesOf<32>(origin.getColumn(1)));
      }
      if (origin.getColumn(2).getInt64() > 0) {
        impl->tip.event_chain = UpgradedGenesis("events", origin.getColumn(2).getInt64(),
                                                BytesOf<32>(origin.getColumn(3)));
      }
    }
    SQLite::Statement last_delivery(*impl->db, kLastDelivery);
    if (last_delivery.executeStep()) {
      impl->tip.delivery_id = last_delivery.getColumn(0).getInt64();
      impl->tip.delivery_chain = BytesOf<32>(last_delivery.getColumn(1));
    }
    SQLite::Statement last_event(*impl->db, kLastEvent);
    if (last_event.executeStep()) {
      impl->tip.seq = last_event.getColumn(0).getInt64();
      impl->tip.event_chain = BytesOf<32>(last_event.getColumn(1));
    }
    return std::unique_ptr<SqliteJournal>(new SqliteJournal(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("loading journal state: ") + e.what());
  }
}

Status SqliteJournal::Prepare(DeliveryRecord& delivery) const {
  if (delivery.sealed) return Status::Ok();
  auto sealed = Seal(impl_->key, delivery);
  if (!sealed.ok()) return sealed.status();
  delivery.sealed = std::move(sealed.value());
  return Status::Ok();
}

Status SqliteJournal::AppendBatch(const std::vector<const DeliveryRecord*>& batch,
                                  std::vector<AppendedDelivery>* out) {
  out->resize(batch.size());
  ChainTip tip = impl_->tip;  // only published once the commit succeeded
  try {
    SQLite::Transaction tx(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    BatchCounts counts;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const DeliveryRecord& d = *batch[i];
      if (d.sealed && d.sealed->events.size() == d.events.size()) {
        impl_->rows.Insert(d, *d.sealed, tip, &counts, (*out)[i]);
      } else {
        auto sealed = Seal(impl_->key, d);
        if (!sealed.ok()) return sealed.status();
        impl_->rows.Insert(d, sealed.value(), tip, &counts, (*out)[i]);
      }
    }
    impl_->rows.WriteCounts(counts);
    // commit() throws if COMMIT fails; the destructor then rolls back. Nothing is
    // acknowledged unless this line returns.
    tx.commit();
  } catch (const SQLite::Exception& e) {
    impl_->rows.RolledBack();
    // SQLite's text is for the operator's log only; callers get a generic message.
    spdlog::error("journal commit of {} deliveries failed: {} (code {})", batch.size(), e.what(),
                  e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "journal commit failed");
  }
  impl_->rows.Committed();
  impl_->tip = tip;
  return Status::Ok();
}

Result<std::vector<ErasureRecord>> SqliteJournal::Erase(const ErasureRequest& request) {
  ChainTip tip = impl_->tip;
  std::vector<ErasureRecord> erased;
  try {
    SQLite::Transaction tx(*impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    if (request.scope == ErasureScope::kCustomer &&
        (!request.waba_id || !WabaKnown(*impl_->db, *request.waba_id))) {
      return Status::NotFound("no event of WABA " + request.waba_id.value_or("") + " is journaled");
    }
    BatchCounts counts;
    erased = ExecuteErasure(*impl_->db, impl_->rows, impl_->key, request, NowMs(), tip, counts);
    impl_->rows.WriteCounts(counts);
    tx.commit();
  } catch (const SQLite::Exception& e) {
    impl_->rows.RolledBack();
    spdlog::error("erasure failed: {} (code {})", e.what(), e.getExtendedErrorCode());
    return StatusFromSqlite(e.getErrorCode(), "erasure failed");
  }
  impl_->rows.Committed();
  impl_->rows.ForgetSubjects();
  impl_->tip = tip;
  if (request.checkpoint) {
    if (Status s = Checkpoint(); !s.ok()) spdlog::warn("after an erasure: {}", s.message());
  }
  return erased;
}

void SqliteJournal::Maintain() {
  if (impl_->wal_frames < kCheckpointFrames) return;
  impl_->wal_frames = 0;
  // PASSIVE: copies what no reader still needs and never waits; the log restarts from its
  // beginning at the next commit once fully copied back.
  try {
    impl_->db->exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (const SQLite::Exception& e) {
    spdlog::warn("write-ahead log checkpoint failed: {}", e.what());
  }
}

Status SqliteJournal::Checkpoint() {
  // Erased pages are zeroed in the database file (secure_delete) only once the write-ahead
  // log is copied back, and the log itself keeps them until it is reset: checkpoint and
  // truncate it. TRUNCATE waits (busy timeout) for readers to finish.
  try {
    SQLite::Statement checkpoint(*impl_->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (checkpoint.executeStep() && checkpoint.getColumn(0).getInt() != 0) {
      return Status::Unavailable(
          "readers kept the write-ahead log from being truncated; erased bytes stay in it"
          " until the next checkpoint");
    }
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return StatusFromSqlite(e.getErrorCode(), std::string("checkpoint failed: ") + e.what());
  }
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
