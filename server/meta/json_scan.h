#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace wj::server::json {

enum class Kind : std::uint8_t { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull };

// One JSON value of a scanned document, located by byte offsets into the text.
struct Node {
  Kind kind = Kind::kNull;
  std::uint32_t begin = 0;  // the value's raw text is [begin, end)
  std::uint32_t end = 0;
  std::uint32_t key_begin = 0;  // object members: the key token, quotes included
  std::uint32_t key_end = 0;
  std::int32_t first_child = -1;   // arrays and objects
  std::int32_t next_sibling = -1;  // within the parent
};

// A strictly validated (RFC 8259) JSON text, kept as a flat list of nodes that point into
// the original bytes instead of copying them: the raw text of any value can be taken as it
// was received, and nothing is allocated per value.
//
// Rejects what nlohmann::json rejects: bad grammar, control characters in strings, invalid
// UTF-8, unpaired \u surrogates, nesting deeper than kMaxDepth.
//
// Thread-safety: immutable after Parse(). The text must outlive the Document.
class Document {
 public:
  static constexpr int kMaxDepth = 256;

  // Returns InvalidArgument("<what> at byte <offset>") when `text` is not one JSON value.
  // The message never quotes the text.
  static Result<Document> Parse(std::string_view text);

  const Node& root() const { return nodes_.front(); }
  const Node& node(std::int32_t index) const { return nodes_[static_cast<std::size_t>(index)]; }
  // The first child of an array/object and the next sibling, or nullptr.
  const Node* FirstChild(const Node& n) const;
  const Node* NextSibling(const Node& n) const;
  std::size_t ChildCount(const Node& n) const;

  std::string_view Raw(const Node& n) const { return text_.substr(n.begin, n.end - n.begin); }
  // "key": value, as received (the member's key, the colon and spacing, the value).
  std::string_view RawMember(const Node& n) const {
    return text_.substr(n.key_begin, n.end - n.key_begin);
  }
  std::string_view RawKey(const Node& n) const {
    return text_.substr(n.key_begin, n.key_end - n.key_begin);
  }
  // The member's key, decoded.
  std::string Key(const Node& n) const;

  // The first member of `object` named `key`, or nullptr (also when not an object).
  const Node* Find(const Node& object, std::string_view key) const;
  // The decoded string, when `n` is a string.
  std::optional<std::string> String(const Node* n) const;
  // The value, when `n` is an integer that fits in 64 bits.
  std::optional<std::int64_t> Integer(const Node* n) const;

 private:
  std::string_view text_;
  std::vector<Node> nodes_;
};

// Decodes the raw text of a string token (quotes included). Precondition: the token was
// validated by Document::Parse.
std::string DecodeString(std::string_view token);

}  // namespace wj::server::json
