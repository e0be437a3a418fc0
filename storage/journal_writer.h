#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/digest.h"
#include "storage/erasure.h"
#include "storage/forward_records.h"
#include "storage/journal_key.h"
#include "storage/status.h"
#include "storage/subscription_check.h"

namespace wj::storage {

// One change of a delivery, ready to be journaled. Plain value type.
//
// The journal keeps the metadata below in its chained rows, but none of the customer's
// data: the dedup key, wamids and customers' numbers only as keyed digests (JournalKey), the
// value as erasable content under a salted commitment.
struct EventRecord {
  std::string object;                       // envelope "object"
  std::string waba_id;                      // entry[].id
  std::string field;                        // changes[].field
  std::optional<std::int64_t> event_time;   // entry[].time, when present
  std::string dedup_key;                    // identity used to spot Meta's redeliveries
  std::optional<std::string> wamid;         // messages items: the message id
  std::optional<std::string> target_wamid;  // reaction / edit / revoke: the message it is about
  std::vector<std::string> customers;       // numbers (wa_id) of the customers the value names:
                                            // sender, recipient, contact... (digits only)
  std::optional<std::string> kind;          // the item's kind: message, status, error, ...
  std::optional<std::string> status;        // a status item's status (sent, read, failed...)
  std::optional<std::int64_t> item_time;    // the item's own timestamp, unix seconds
  std::vector<std::int64_t> error_codes;    // of a failed status or an error item
  std::string value;                        // the change's value, as JSON text
  // Set when `value` is exactly the delivery body's bytes from here on: the journal then
  // keeps the value only once, inside the raw body.
  std::optional<std::size_t> value_offset;
};

// The client certificate a trusted TLS front verified for a delivery (Meta's mTLS). These are
// Meta's facts, not a customer's: chained with the delivery. Plain value type.
struct ClientCertificate {
  std::string subject;  // RFC 2253 distinguished name
  std::string issuer;   // RFC 2253 distinguished name
  std::string serial;   // hex
  std::string sha256;   // lowercase hex SHA-256 of the DER certificate
};

// What the journal commits to for a delivery's content, computed from the key and fresh
// salts (storage/content_seal.h). Filled before the writer's lock where possible.
struct SealedEvent {
  // The dedup digest (storage/content_seal.h: DedupDigest): for an event about a message,
  // the wamid's digest followed by 8 bytes that tell its events apart, so that one index
  // finds both a first occurrence and every event of a message.
  std::string dedup;
  std::optional<KeyedDigest> target;
  std::vector<KeyedDigest> customers;  // in the order of EventRecord::customers, distinct
  Salt salt{};                         // of the value's commitment
  Sha256Digest content_commit{};       // SHA-256(salt || value)
};
struct SealedDelivery {
  Salt salt{};
  Sha256Digest content_commit{};  // SHA-256 over salt, signature and body
  std::vector<SealedEvent> events;
};

// One verified webhook POST. Plain value type.
struct DeliveryRecord {
  std::int64_t received_at_ms = 0;
  std::string peer;                        // the client's address (as a trusted front attests)
  std::string signature;                   // X-Hub-Signature-256 header as received
  std::string body;                        // exact request body bytes
  std::optional<std::string> parse_error;  // set when the body is not a well-formed envelope
  std::vector<EventRecord> events;
  std::optional<ClientCertificate> client_certificate;  // when a trusted front verified one
  std::optional<SealedDelivery> sealed;                 // computed by the writer when absent
};

struct AppendedEvent {
  std::int64_t seq = 0;
  std::int64_t duplicate_of = 0;  // 0 for a first occurrence, else the first one's seq
};

struct AppendedDelivery {
  std::int64_t delivery_id = 0;
  std::vector<AppendedEvent> events;  // in the order of DeliveryRecord::events
};

// Counters read back from the journal.
struct JournalStats {
  std::int64_t deliveries = 0;
  std::int64_t events = 0;
};

// The write side of the journal: appends deliveries and their events.
//
// Thread-safety: none. Exactly one thread (the group-commit writer) uses an instance.
class JournalWriter {
 public:
  virtual ~JournalWriter() = default;

  // Appends every delivery of `batch` in one transaction. On Ok, all of them are committed
  // (durable as far as the configured synchronous mode promises) and `out` holds one entry
  // per delivery, in order. On failure, none of them is stored and `out` is unspecified:
  // Unavailable for transient causes (busy, I/O error, disk full), Internal otherwise.
  virtual Status AppendBatch(const std::vector<const DeliveryRecord*>& batch,
                             std::vector<AppendedDelivery>* out) = 0;

  // Computes what AppendBatch would otherwise compute on the writer's thread (digests,
  // salts, commitments) into `delivery.sealed`. Thread-safe: called by submitting threads.
  virtual Status Prepare(DeliveryRecord& delivery) const {
    (void)delivery;
    return Status::Ok();
  }

  // Counts as of the last successful commit. Never fails: kept in memory by the writer.
  virtual JournalStats Committed() const = 0;

  // Appends one subscription check (its own transaction) and returns its id. Through the
  // journal's writer because only one connection may write the file.
  virtual Result<std::int64_t> AppendSubscriptionCheck(const SubscriptionCheck& check) {
    (void)check;
    return Status::FailedPrecondition("this journal does not record subscription checks");
  }

  // Records forwarding state (cursors, failed attempts, replay progress) in one
  // transaction, and creates replays. Through the journal's writer for the same reason.
  virtual Status ApplyForwardUpdate(const ForwardUpdate& update) {
    (void)update;
    return Status::FailedPrecondition("this journal does not record forwarding");
  }
  virtual Result<std::int64_t> CreateReplay(const Replay& replay) {
    (void)replay;
    return Status::FailedPrecondition("this journal does not record replays");
  }

  // Erases content as `request` asks (see storage/erasure.h), appends one tombstone event per
  // erasure, and commits before returning: the erased bytes are then gone from the database
  // file and its write-ahead log. NotFound when a customer erasure names no known WABA.
  virtual Result<std::vector<ErasureRecord>> Erase(const ErasureRequest& request) {
    (void)request;
    return Status::FailedPrecondition("this journal does not erase");
  }

  // Housekeeping the engine keeps out of the commits that answer requests (SQLite: the WAL
  // checkpoint). Called by the writer thread after a batch's completions have run.
  virtual void Maintain() {}

  // Makes the engine drop the copies of erased bytes it keeps beside the database (SQLite:
  // truncates the write-ahead log). Unavailable when readers kept it from finishing.
  virtual Status Checkpoint() { return Status::Ok(); }
};

// Where the HTTP layer hands verified deliveries: the narrow write interface of storage.
//
// Thread-safety: implementations accept Submit() from any thread.
class DeliveryAppender {
 public:
  using Completion = std::function<void(const Result<AppendedDelivery>&)>;
  virtual ~DeliveryAppender() = default;

  // Queues `delivery` for the journal. `done` is called exactly once, possibly on another
  // thread, after the delivery is committed (Ok) or with the reason it was not stored.
  virtual void Submit(DeliveryRecord delivery, Completion done) = 0;
};

}  // namespace wj::storage
