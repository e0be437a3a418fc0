#pragma once

#include <cstdint>
#include <string_view>

#include "storage/digest.h"
#include "storage/journal_writer.h"

namespace wj::storage {

// The tamper-evidence chain. Each row's chain_hash is SHA-256 over the previous row's
// chain_hash followed by every column of the row, each length-prefixed so that no two
// different rows encode alike. The first row chains from kGenesisHash.
inline constexpr Sha256Digest kGenesisHash{};

struct DeliveryRow {
  std::int64_t id = 0;
  std::int64_t received_at_ms = 0;
  std::string_view peer;
  std::string_view signature;
  std::string_view body;
  const std::string* parse_error = nullptr;  // null when none
  std::int64_t event_count = 0;
  // Appended only when present, so rows written before certificates were recorded keep
  // their hashes.
  const ClientCertificate* client_certificate = nullptr;
};

struct EventRow {
  std::int64_t seq = 0;
  std::int64_t delivery_id = 0;
  std::int64_t received_at_ms = 0;
  std::int64_t duplicate_of = 0;  // 0 when first occurrence
  const EventRecord* event = nullptr;
};

Sha256Digest ChainDelivery(const Sha256Digest& previous, const DeliveryRow& row);
Sha256Digest ChainEvent(const Sha256Digest& previous, const EventRow& row);

}  // namespace wj::storage
