#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/erasure.h"
#include "storage/journal_writer.h"
#include "storage/subscription_check.h"

namespace wj::storage {

// One journaled event, as stored: chained metadata, and its value while not erased.
struct StoredEvent {
  std::int64_t seq = 0;
  std::int64_t delivery_id = 0;  // 0 for an erasure's tombstone
  std::string object;
  std::string waba_id;
  std::string field;
  std::optional<std::int64_t> event_time;  // Meta's entry.time, unix seconds
  std::int64_t received_at_ms = 0;
  std::optional<std::int64_t> duplicate_of;  // the first occurrence's seq
  std::optional<std::string> kind;           // message, status, error... (messages items)
  std::optional<std::string> status;         // a status item's status
  std::optional<std::int64_t> item_time;     // the item's own timestamp, unix seconds
  std::vector<std::int64_t> error_codes;     // of a failed status or an error item
  bool customer_data = false;                // the field carries customers' data
  std::vector<std::string> subject_ids;      // random ids of the customers it names (hex)
  std::string dedup_digest;                  // keyed digest of the dedup key (hex)
  std::optional<std::string> value;          // JSON text as Meta sent it; none once erased
  std::optional<std::int64_t> erasure_id;    // the erasure that removed the value
  bool points_at_message = false;  // MessageEvents: a reaction, edit or revoke pointing at
                                   // the message asked for, not the message itself
};

// Which events to list. Empty vectors and nullopt mean "no condition".
struct EventFilter {
  std::vector<std::string> waba_ids;      // any of
  std::vector<std::string> fields;        // any of
  std::optional<std::int64_t> since_ms;   // received_at >= since
  std::optional<std::int64_t> until_ms;   // received_at < until
  std::optional<std::int64_t> after;      // seq cursor, exclusive, in the direction of `order`
  std::optional<std::int64_t> until_seq;  // seq <= until_seq
  std::optional<std::string> wamid;       // events about this message (its digest is looked up)
  std::optional<std::string> wa_id;       // events naming this customer, while not erased
  bool include_duplicates = false;        // false: first occurrences only
  bool descending = false;
  int limit = 100;  // 1..kMaxPageSize
};
inline constexpr int kMaxPageSize = 1000;

struct EventPage {
  std::vector<StoredEvent> events;
  std::optional<std::int64_t> next_after;  // pass as `after` for the next page; none at the end
};

// One delivery as received.
struct StoredDelivery {
  std::int64_t id = 0;
  std::int64_t received_at_ms = 0;
  std::string peer;
  std::optional<std::string> signature;    // X-Hub-Signature-256 as received; none once erased
  std::optional<std::string> body;         // exact bytes; none once erased
  std::optional<std::int64_t> erasure_id;  // the erasure that removed signature and body
  std::optional<std::string> parse_error;
  std::vector<std::int64_t> event_seqs;                 // in order
  std::vector<std::string> waba_ids;                    // of its events, distinct, sorted
  std::optional<ClientCertificate> client_certificate;  // mTLS, as the trusted front attested
};

struct FieldCount {
  std::int64_t events = 0;      // first occurrences
  std::int64_t duplicates = 0;  // redeliveries
};

// What the journal holds of one WABA, from counters kept by the writer.
struct WabaSummary {
  std::string waba_id;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::int64_t events = 0;
  std::int64_t duplicates = 0;
  std::map<std::string, FieldCount> fields;
};

struct DailyCount {
  std::int64_t day = 0;  // days since 1970-01-01 UTC
  std::int64_t events = 0;
};

// The fields of a WABA's compliance timeline (reviews, bans, quality, templates...).
std::span<const std::string_view> AuditFields();

// A slice of a WABA's compliance timeline.
struct AuditFilter {
  std::string waba_id;
  std::vector<std::string> fields;  // a subset of AuditFields(); empty: all of them
  std::optional<std::int64_t> since_ms;
  std::optional<std::int64_t> until_ms;
  int limit = 1000;  // the newest `limit` items are kept
};

struct AuditTimeline {
  std::vector<StoredEvent> items;  // in time order: Meta's entry.time, else receipt, then seq
  bool truncated = false;          // older items were left out by `limit`
};

// The read side of the journal.
//
// Thread-safety: implementations allow concurrent calls from any thread. Every call may
// return Unavailable (database unreadable) or Internal; none returns partial results.
class JournalReader {
 public:
  virtual ~JournalReader() = default;

  // Counts of committed rows, read from the database itself (so a healthy answer also
  // proves the database is readable).
  virtual Result<JournalStats> Stats() = 0;

  // One page of events matching `filter`, in seq order.
  virtual Result<EventPage> Events(const EventFilter& filter) = 0;

  // How many events match `filter` (its order and limit are ignored).
  virtual Result<std::int64_t> CountEvents(const EventFilter& filter) = 0;

  // The event with sequence number `seq`, or nullopt.
  virtual Result<std::optional<StoredEvent>> Event(std::int64_t seq) = 0;

  // Every redelivery of the event `seq` (rows whose duplicate_of is `seq`), in seq order.
  virtual Result<std::vector<StoredEvent>> DuplicatesOf(std::int64_t seq) = 0;

  // The delivery with id `id`, or nullopt.
  virtual Result<std::optional<StoredDelivery>> Delivery(std::int64_t id) = 0;

  // Every event about message `wamid`, in seq order: the message itself, its statuses, and
  // reactions, edits and revokes pointing at it. At most `limit` of them.
  virtual Result<std::vector<StoredEvent>> MessageEvents(const std::string& wamid,
                                                         bool include_duplicates, int limit) = 0;

  // One summary per WABA seen, ordered by waba_id.
  virtual Result<std::vector<WabaSummary>> Wabas() = 0;

  // First-occurrence counts per UTC day of one WABA, from `from_day` on, in day order.
  virtual Result<std::vector<DailyCount>> DailyCounts(const std::string& waba_id,
                                                      std::int64_t from_day) = 0;

  // A slice of a WABA's compliance timeline (first occurrences only).
  virtual Result<AuditTimeline> Audit(const AuditFilter& filter) = 0;

  // The newest event (in timeline order) of `field` for `waba_id` whose value's "event"
  // member is `event_name` (any value when nullopt), or nullopt.
  virtual Result<std::optional<StoredEvent>> LatestAuditEvent(
      const std::string& waba_id, std::string_view field,
      const std::optional<std::string>& event_name) = 0;

  // The newest subscription check of every WABA ever checked, ordered by waba_id.
  virtual Result<std::vector<SubscriptionCheck>> LatestSubscriptionChecks() = 0;

  // Erasures, newest first, at most `limit`; only those of `waba_ids` when not empty.
  virtual Result<std::vector<ErasureRecord>> Erasures(const std::vector<std::string>& waba_ids,
                                                      int limit) = 0;
  virtual Result<std::optional<ErasureRecord>> ErasureById(std::int64_t id) = 0;

  // The subscription checks of one WABA, newest first, at most `limit`.
  virtual Result<std::vector<SubscriptionCheck>> SubscriptionHistory(const std::string& waba_id,
                                                                     int limit) = 0;

  // The checks of one WABA whose state differs from the check before it (the first check
  // included), oldest first: when its subscription changed.
  virtual Result<std::vector<SubscriptionCheck>> SubscriptionChanges(
      const std::string& waba_id) = 0;
};

}  // namespace wj::storage
