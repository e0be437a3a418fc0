#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace wj {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Random bytes mixed into a commitment so that short or guessable content (a "yes", a
// phone number) cannot be found by hashing guesses; deleted with the content.
using Salt = std::array<std::uint8_t, 16>;

// SHA-256 of `data`. Thread-safe.
Sha256Digest Sha256(std::string_view data);

// Incremental SHA-256 for hashing several pieces without concatenating them.
// Not thread-safe; one object per computation.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  // Appends an unambiguous encoding: 8-byte big-endian length, then the bytes.
  void UpdateField(std::string_view data);
  void UpdateField(std::int64_t value);
  Sha256Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so OpenSSL stays out of this header
};

// Lowercase hexadecimal, two characters per byte.
std::string ToHex(std::string_view bytes);
std::string ToHex(const Sha256Digest& digest);

// The value of one hexadecimal digit (either case), or -1 if `c` is not one.
int HexDigitValue(char c);

// Decodes hexadecimal (either case). Returns false, leaving `out` unspecified, on odd
// length or a non-hex character.
bool FromHex(std::string_view hex, std::string* out);

}  // namespace wj
