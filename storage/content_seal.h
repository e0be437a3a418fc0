#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/digest.h"
#include "storage/journal_key.h"
#include "storage/journal_writer.h"

namespace wj::storage {

// Commitments to content that may be erased, and keyed digests of identifiers that must
// not be stored in clear. Pure functions (Seal draws random salts); thread-safe.

// Fills the digests and commitments of `delivery`: a fresh salt for its content, one salt
// per event derived from it, and the keyed digests of dedup keys, wamids and customers.
// Internal if the system's random source fails.
Result<SealedDelivery> Seal(const JournalKey& key, const DeliveryRecord& delivery);

// The salt of the `index`th event of a delivery (0-based, in seq order): derived from the
// delivery's salt, so an event whose value lies inside the raw body needs no salt of its own.
// HMAC-SHA256(delivery salt, "event" || index), first 16 bytes.
Salt EventSalt(const Salt& delivery_salt, std::int64_t index);

// The digest under which an event is deduplicated and found. With a wamid: HMAC(wamid) (16
// bytes) followed by the first 8 bytes of HMAC(dedup key), so that the events of one message
// sort together; without: HMAC(dedup key) (16 bytes).
std::string DedupDigest(const JournalKey& key, const EventRecord& event);

// The range [first, last) of dedup digests of the events about message `wamid`.
struct DigestRange {
  std::string first;
  std::string last;
};
DigestRange WamidRange(const JournalKey& key, std::string_view wamid);

// SHA-256(salt || value).
Sha256Digest ValueCommit(const Salt& salt, std::string_view value);
// SHA-256(salt || len(signature) || signature || len(body) || body).
Sha256Digest DeliveryCommit(const Salt& salt, std::string_view signature, std::string_view body);

// A leaf of an erasure's Merkle tree: an erased event's or delivery's commitment.
struct ErasedLeaf {
  bool delivery = false;  // false: an event (id = seq)
  std::int64_t id = 0;
  Sha256Digest commit{};
};

// The Merkle root over `leaves` in the given order, shaped as RFC 6962 (certificate
// transparency): leaf = SHA-256(0x00 || kind || id || commit), node = SHA-256(0x01 || l || r),
// the left subtree holding the largest power of two below the count. SHA-256("") for none.
Sha256Digest ErasureRoot(const std::vector<ErasedLeaf>& leaves);

}  // namespace wj::storage
