#pragma once

#include <memory>
#include <string>

#include "storage/journal_key.h"
#include "storage/journal_reader.h"

namespace wj::storage::sqlite {

// Reads through a pool of read-only connections (WAL lets them run beside the writer).
class SqliteJournalReader final : public JournalReader {
 public:
  // Returns NotFound when there is no database at `path` yet. `connections` bounds how many
  // calls run at once; further callers wait for a free connection.
  // FailedPrecondition when the journal's key (from `key_source`) is missing or not the
  // journal's, or the journal predates schema 6.
  static Result<std::unique_ptr<SqliteJournalReader>> Open(const std::string& path,
                                                           const KeySource& key_source,
                                                           int connections = 4);
  ~SqliteJournalReader() override;

  Result<JournalStats> Stats() override;
  Result<EventPage> Events(const EventFilter& filter) override;
  Result<std::int64_t> CountEvents(const EventFilter& filter) override;
  Result<std::optional<StoredEvent>> Event(std::int64_t seq) override;
  Result<std::vector<StoredEvent>> DuplicatesOf(std::int64_t seq) override;
  Result<std::optional<StoredDelivery>> Delivery(std::int64_t id) override;
  Result<std::vector<StoredEvent>> MessageEvents(const std::string& wamid, bool include_duplicates,
                                                 int limit) override;
  Result<std::vector<WabaSummary>> Wabas() override;
  Result<std::vector<DailyCount>> DailyCounts(const std::string& waba_id,
                                              std::int64_t from_day) override;
  Result<AuditTimeline> Audit(const AuditFilter& filter) override;
  Result<std::optional<StoredEvent>> LatestAuditEvent(
      const std::string& waba_id, std::string_view field,
      const std::optional<std::string>& event_name) override;
  Result<std::vector<ErasureRecord>> Erasures(const std::vector<std::string>& waba_ids,
                                              int limit) override;
  Result<std::optional<ErasureRecord>> ErasureById(std::int64_t id) override;
  Result<std::vector<SubscriptionCheck>> LatestSubscriptionChecks() override;
  Result<std::vector<SubscriptionCheck>> SubscriptionHistory(const std::string& waba_id,
                                                             int limit) override;
  Result<std::vector<SubscriptionCheck>> SubscriptionChanges(const std::string& waba_id) override;

 private:
  struct Impl;
  explicit SqliteJournalReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage::sqlite
