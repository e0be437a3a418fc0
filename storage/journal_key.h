#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace wj::storage {

// A keyed digest: HMAC-SHA256 truncated to 128 bits. What the journal keeps instead of a
// dedup key, a wamid or a customer's number, so that an index can find them while the
// database alone reveals none of them (a wamid embeds the customer's number).
using KeyedDigest = std::array<std::uint8_t, 16>;

// The journal's secret: 32 random bytes kept outside the database file (a file beside it,
// created 0600 on first start, or WABA_JOURNAL_KEY). Without it, old rows can no longer be
// found by wamid or number and redeliveries of old messages are not recognised, so it is
// backed up with the journal.
//
// Thread-safety: immutable after construction; share freely.
class JournalKey {
 public:
  static constexpr std::size_t kBytes = 32;

  // From 64 hexadecimal characters. InvalidArgument otherwise.
  static Result<JournalKey> FromHex(std::string_view hex);
  // A new random key. Internal if the system's random source fails.
  static Result<JournalKey> Generate();

  // The digest of `value` in `domain`: HMAC-SHA256(key, domain || 0x00 || value), first 16
  // bytes. Domains keep a wamid's digest apart from a dedup key's that contains it.
  KeyedDigest Digest(std::string_view domain, std::string_view value) const;

  // A value stored in the database to recognise the key without revealing it.
  KeyedDigest Check() const { return Digest("key-check", ""); }

  std::string Hex() const;

 private:
  std::array<std::uint8_t, kBytes> bytes_{};
};

// The digest domains used by the journal.
inline constexpr std::string_view kDedupDomain = "dedup";
inline constexpr std::string_view kWamidDomain = "wamid";
inline constexpr std::string_view kCustomerDomain = "wa_id";

// Where a journal's key comes from: `hex` when set (WABA_JOURNAL_KEY), else `file`.
struct KeySource {
  std::string hex;
  std::string file;
};

// The key file of a SQLite journal: beside the database, named after it.
std::string KeyFileBeside(const std::string& database_path);

// Reads the key. When it comes from a file that does not exist: creates the file (0600,
// written and synced before this returns) if `create`, else returns NotFound naming it.
// InvalidArgument when the file or the hex text is not a key.
Result<JournalKey> LoadJournalKey(const KeySource& source, bool create);

// Writes the key of `source` to a new file `to` (0600, synced), for a backup. NotFound when
// the key file is missing; FailedPrecondition when `to` exists.
Status CopyJournalKey(const KeySource& source, const std::string& to);

}  // namespace wj::storage
