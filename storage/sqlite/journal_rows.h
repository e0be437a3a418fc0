#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/chain_hash.h"
#include "storage/journal_key.h"
#include "storage/journal_writer.h"

namespace wj::storage::sqlite {

// Where the chains stand.
struct ChainTip {
  std::int64_t delivery_id = 0;
  Sha256Digest delivery_chain = kGenesisHash;
  std::int64_t seq = 0;
  Sha256Digest event_chain = kGenesisHash;
};

// Per-WABA counters of a batch, written once per key at the end of the batch.
struct BatchCounts {
  struct Field {
    std::int64_t events = 0;
    std::int64_t duplicates = 0;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
  };
  std::map<std::pair<std::string, std::string>, Field> by_field;
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> by_day;

  void Add(const std::string& waba_id, const std::string& field, std::int64_t received_at,
           bool duplicate);
};

// Writes schema-6 journal rows on one connection, inside a transaction the caller owns:
// deliveries with their content, events with their subjects and content, tombstones. Used
// by the writer for every batch and by the upgrade from schema 5.
//
// Thread-safety: none; one thread, the connection's.
class JournalRows {
 public:
  // Prepares its statements on `db`, whose schema must be 6 (tables present). Throws
  // SQLite::Exception.
  JournalRows(SQLite::Database& db, const JournalKey& key);

  // Inserts `d` and its events, chaining from `tip` and advancing it. A redelivery of an
  // event whose content was erased is journaled as a duplicate without its content, and
  // its delivery without its bytes. `counts` may be null (nothing counted).
  // Throws SQLite::Exception.
  void Insert(const DeliveryRecord& d, const SealedDelivery& sealed, ChainTip& tip,
              BatchCounts* counts, AppendedDelivery& out);

  // Appends an event of field "erasure" to `waba_id`'s history holding `value` (JSON, no
  // customer's data) and returns its seq. Throws SQLite::Exception.
  std::int64_t AppendTombstone(const std::string& waba_id, std::int64_t erasure_id,
                               std::int64_t received_at_ms, const std::string& value, ChainTip& tip,
                               BatchCounts* counts);

  // Adds `counts` to the per-WABA tables. Throws SQLite::Exception.
  void WriteCounts(const BatchCounts& counts);

  // The transaction around the last inserts committed / rolled back: subject ids created
  // in it become known / are forgotten.
  void Committed();
  void RolledBack();
  // Forgets every cached subject id (an erasure deleted some).
  void ForgetSubjects();

 private:
  // The random subject id standing for `customer` in `waba_id`, created when new.
  KeyedDigest SubjectFor(const std::string& waba_id, const KeyedDigest& customer);

  const JournalKey& key_;
  SQLite::Statement insert_delivery_;
  SQLite::Statement insert_delivery_content_;
  SQLite::Statement insert_event_;
  SQLite::Statement insert_event_content_;
  SQLite::Statement insert_event_subject_;
  SQLite::Statement insert_erased_event_;
  SQLite::Statement insert_erased_delivery_;
  SQLite::Statement first_by_dedup_;
  SQLite::Statement find_subject_;
  SQLite::Statement insert_subject_;
  SQLite::Statement add_field_counts_;
  SQLite::Statement add_daily_count_;
  std::unordered_map<std::string, KeyedDigest> subjects_;  // waba_id '\0' digest -> subject
  std::vector<std::string> created_;  // subjects_ keys created in the open transaction
};

}  // namespace wj::storage::sqlite
