#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace wj::storage {

// What an erasure removes.
//   kCustomer: within one WABA, the content of every event naming the customer (sender,
//     recipient, contact...) and the raw body of every delivery holding one of them.
//   kBefore: the content of customers' data fields (CarriesCustomerData) received before a
//     time, and the raw bodies of their deliveries; in one WABA or in all.
enum class ErasureScope { kCustomer, kBefore };

std::string_view ToString(ErasureScope scope);

struct ErasureRequest {
  ErasureScope scope = ErasureScope::kCustomer;
  std::optional<std::string> waba_id;   // required for kCustomer; kBefore: none = every WABA
  std::string wa_id;                    // kCustomer: the customer's number
  std::int64_t received_before_ms = 0;  // kBefore
  std::optional<std::vector<std::string>> within_wabas;  // kBefore without waba_id: only these
  std::vector<std::string> except_wabas;  // kBefore without waba_id: not these (retention
                                          // leaves WABAs with a policy of their own alone)
  std::string reason;
  std::string requested_by;  // the API token's name, or "retention"
  std::int64_t requested_at_ms = 0;
  // kBefore: erase at most this many events per WABA in this call (0: all). Retention runs
  // in small batches so that ingest keeps its latency.
  std::int64_t max_events = 0;
  // kBefore: record nothing (no erasure, no tombstone) for a WABA with nothing to erase.
  bool skip_empty = false;
  // Truncate the write-ahead log before answering, so that no erased byte is left in it.
  // Retention leaves it to a final JournalWriter::Checkpoint() after its last batch.
  bool checkpoint = true;
};

// One executed erasure, as recorded beside its tombstone.
struct ErasureRecord {
  std::int64_t id = 0;
  std::string waba_id;
  ErasureScope scope = ErasureScope::kCustomer;
  std::string reason;
  std::string requested_by;
  std::int64_t requested_at_ms = 0;
  std::int64_t erased_at_ms = 0;
  std::optional<std::int64_t> received_before_ms;  // kBefore
  std::int64_t events = 0;                         // events whose content was erased
  std::int64_t deliveries = 0;                     // raw delivery bodies erased
  std::int64_t first_seq = 0;                      // 0 when no event was erased
  std::int64_t last_seq = 0;
  std::string root;  // hex Merkle root over the erased rows' commitments
  std::int64_t tombstone_seq = 0;
};

}  // namespace wj::storage
