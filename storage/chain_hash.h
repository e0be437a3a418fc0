#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/digest.h"
#include "storage/journal_key.h"
#include "storage/journal_writer.h"

namespace wj::storage {

// The tamper-evidence chains, one over deliveries and one over events. Each row's chain_hash
// is SHA-256 over the previous row's chain_hash followed by every chained column of the row,
// each length-prefixed so that no two different rows encode alike. A new journal's first
// rows chain from kGenesisHash; a journal upgraded from schema 5 from JournalOrigin.
//
// Content (values, raw bodies, signatures) is not in the chain: each row commits to it with
// a salted hash (storage/content_seal.h), so content can be erased and the chain still
// verifies.
inline constexpr Sha256Digest kGenesisHash{};

struct DeliveryRow {
  std::int64_t id = 0;
  std::int64_t received_at_ms = 0;
  std::string_view peer;
  const std::string* parse_error = nullptr;  // null when none
  std::int64_t event_count = 0;
  const ClientCertificate* client_certificate = nullptr;  // null when none
  Sha256Digest content_commit{};
};

struct EventRow {
  std::int64_t seq = 0;
  std::int64_t delivery_id = 0;  // 0 for a tombstone
  std::string_view object;
  std::string_view waba_id;
  std::string_view field;
  std::optional<std::int64_t> event_time;
  std::int64_t received_at_ms = 0;
  std::int64_t duplicate_of = 0;  // 0 when first occurrence
  std::optional<std::string_view> kind;
  std::optional<std::string_view> status;
  std::optional<std::int64_t> item_time;
  std::string_view error_codes;  // comma-separated, empty when none
  bool customer_data = false;
  const std::vector<KeyedDigest>* subjects = nullptr;  // null or empty when none
  std::string_view dedup;                              // DedupDigest (content_seal.h)
  std::optional<KeyedDigest> target;
  Sha256Digest content_commit{};
};

Sha256Digest ChainDelivery(const Sha256Digest& previous, const DeliveryRow& row);
Sha256Digest ChainEvent(const Sha256Digest& previous, const EventRow& row);

// Rows of schema version 5, whose chains covered content itself: checked once, when such a
// journal is upgraded, before it is converted.
struct V1DeliveryRow {
  std::int64_t id = 0;
  std::int64_t received_at_ms = 0;
  std::string_view peer;
  std::string_view signature;
  std::string_view body;
  const std::string* parse_error = nullptr;
  std::int64_t event_count = 0;
  const ClientCertificate* client_certificate = nullptr;
};
struct V1EventRow {
  std::int64_t seq = 0;
  std::int64_t delivery_id = 0;
  std::string_view object;
  std::string_view waba_id;
  std::string_view field;
  std::optional<std::int64_t> event_time;
  std::int64_t received_at_ms = 0;
  std::string_view dedup_key;
  std::int64_t duplicate_of = 0;
  std::optional<std::string_view> wamid;
  std::optional<std::string_view> wa_id;
  std::string_view value;
};
Sha256Digest ChainV1Delivery(const Sha256Digest& previous, const V1DeliveryRow& row);
Sha256Digest ChainV1Event(const Sha256Digest& previous, const V1EventRow& row);

// Where an upgraded journal's new chains start: a commitment to the old chains' final
// hashes, so that what came before stays provable by anyone holding them.
Sha256Digest UpgradedGenesis(std::string_view chain, std::int64_t old_rows,
                             const Sha256Digest& old_tip);

}  // namespace wj::storage
