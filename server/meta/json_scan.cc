#include "server/meta/json_scan.h"

#include <charconv>
#include <cstring>

#include "storage/digest.h"

namespace wj::server::json {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 4 hex digits at text[i]; -1 if they are not.
int Hex4(std::string_view text, std::size_t i) {
  if (i + 4 > text.size()) return -1;
  int v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    int h = HexDigitValue(text[i + k]);
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Recursive-descent validator that appends one Node per value.
class Scanner {
 public:
  Scanner(std::string_view text, std::vector<Node>& nodes) : text_(text), nodes_(nodes) {}

  Status Run() {
    SkipSpace();
    if (!Value(0)) return Fail();
    SkipSpace();
    if (pos_ != text_.size()) {
      error_ = "unexpected text after the value";
      return Fail();
    }
    return Status::Ok();
  }

 private:
  Status Fail() const {
    return Status::InvalidArgument(std::string(error_) + " at byte " + std::to_string(pos_));
  }
  bool Error(const char* what) {
    error_ = what;
    return false;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  std::uint32_t Pos() const { return static_cast<std::uint32_t>(pos_); }

  // Appends a node for the value at pos_; returns false on a syntax error.
  bool Value(int depth) {
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    const std::size_t index = nodes_.size();
    nodes_.push_back(Node{});
    nodes_[index].begin = Pos();
    bool ok = false;
    switch (text_[pos_]) {
      case '{':
        nodes_[index].kind = Kind::kObject;
        ok = Container(index, depth, '}', true);
        break;
      case '[':
        nodes_[index].kind = Kind::kArray;
        ok = Container(index, depth, ']', false);
        break;
      case '"':
        nodes_[index].kind = Kind::kString;
        ok = StringToken();
        break;
      case 't':
        nodes_[index].kind = Kind::kTrue;
        ok = Literal("true");
        break;
      case 'f':
        nodes_[index].kind = Kind::kFalse;
        ok = Literal("false");
        break;
      case 'n':
        nodes_[index].kind = Kind::kNull;
        ok = Literal("null");
        break;
      default:
        nodes_[index].kind = Kind::kNumber;
        ok = Number();
    }
    nodes_[index].end = Pos();
    return ok;
  }

  bool Container(std::size_t index, int depth, char close, bool is_object) {
    if (depth >= Document::kMaxDepth) return Error("nesting too deep");
    ++pos_;  // '{' or '['
    SkipSpace();
    if (Peek() == close) {
      ++pos_;
      return true;
    }
    std::int32_t previous = -1;
    for (;;) {
      std::uint32_t key_begin = 0;
      std::uint32_t key_end = 0;
      if (is_object) {
        if (Peek() != '"') return Error("expected a member name");
        key_begin = Pos();
        if (!StringToken()) return false;
        key_end = Pos();
        SkipSpace();
        if (Peek() != ':') return Error("expected ':'");
        ++pos_;
        SkipSpace();
      }
      const auto child = static_cast<std::int32_t>(nodes_.size());
      if (!Value(depth + 1)) return false;
      Node& c = nodes_[static_cast<std::size_t>(child)];
      c.key_begin = key_begin;
      c.key_end = key_end;
      if (previous < 0) {
        nodes_[index].first_child = child;
      } else {
        nodes_[static_cast<std::size_t>(previous)].next_sibling = child;
      }
      previous = child;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (Peek() == close) {
        ++pos_;
        return true;
      }
      return Error(is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  bool Literal(const char* word) {
    const std::size_t n = std::strlen(word);
    if (text_.substr(pos_, n) != word) return Error("invalid literal");
    pos_ += n;
    return true;
  }

  bool Number() {
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (IsDigit(Peek())) {
      while (IsDigit(Peek())) ++pos_;
    } else {
      return Error("invalid value");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!IsDigit(Peek())) return Error("invalid number");
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return Error("invalid number");
      while (IsDigit(Peek())) ++pos_;
    }
    return true;
  }

  // A string token at pos_ (opening quote); leaves pos_ after the closing quote.
  bool StringToken() {
    ++pos_;
    for (;;) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Error("control character in string");
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c >= 0x80) {
        if (!Utf8Sequence()) return false;
      } else {
        ++pos_;
      }
    }
  }

  bool Escape() {
    ++pos_;  // backslash
    switch (Peek()) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++pos_;
        return true;
      case 'u':
        break;
      default:
        return Error("invalid escape");
    }
    const int unit = Hex4(text_, pos_ + 1);
    if (unit < 0) return Error("invalid \\u escape");
    pos_ += 5;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return Error("unpaired surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") return Error("unpaired surrogate");
      const int low = Hex4(text_, pos_ + 2);
      if (low < 0xDC00 || low > 0xDFFF) return Error("unpaired surrogate");
      pos_ += 6;
    }
    return true;
  }

  // One well-formed UTF-8 sequence of 2-4 bytes (no overlongs, surrogates or > U+10FFFF).
  bool Utf8Sequence() {
    const auto b0 = static_cast<unsigned char>(text_[pos_]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0Fu;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07u;
    } else {
      return Error("invalid UTF-8");
    }
    if (pos_ + len > text_.size()) return Error("invalid UTF-8");
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text_[pos_ + k]);
      if ((b & 0xC0) != 0x80) return Error("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3Fu);
    }
    const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Error("invalid UTF-8");
    }
    pos_ += len;
    return true;
  }

  std::string_view text_;
  std::vector<Node>& nodes_;
  std::size_t pos_ = 0;
  const char* error_ = "invalid JSON";
};

}  // namespace

Result<Document> Document::Parse(std::string_view text) {
  if (text.size() > 0xFFFFFFF0u) return Status::InvalidArgument("document too large");
  Document doc;
  doc.text_ = text;
  // A rough guess at the node count avoids most regrowth on typical webhook bodies.
  doc.nodes_.reserve(text.size() / 16 + 4);
  Scanner scanner(text, doc.nodes_);
  if (Status s = scanner.Run(); !s.ok()) return s;
  return doc;
}

const Node* Document::FirstChild(const Node& n) const {
  return n.first_child < 0 ? nullptr : &node(n.first_child);
}

const Node* Document::NextSibling(const Node& n) const {
  return n.next_sibling < 0 ? nullptr : &node(n.next_sibling);
}

std::size_t Document::ChildCount(const Node& n) const {
  std::size_t count = 0;
  for (const Node* c = FirstChild(n); c != nullptr; c = NextSibling(*c)) ++count;
  return count;
}

std::string Document::Key(const Node& n) const { return DecodeString(RawKey(n)); }

const Node* Document::Find(const Node& object, std::string_view key) const {
  if (object.kind != Kind::kObject) return nullptr;
  for (const Node* c = FirstChild(object); c != nullptr; c = NextSibling(*c)) {
    std::string_view raw = RawKey(*c);
    std::string_view inner = raw.substr(1, raw.size() - 2);
    // Keys without escapes (all of Meta's) compare as they are.
    if (inner.find('\\') == std::string_view::npos ? inner == key : DecodeString(raw) == key) {
      return c;
    }
  }
  return nullptr;
}

std::optional<std::string> Document::String(const Node* n) const {
  if (n == nullptr || n->kind != Kind::kString) return std::nullopt;
  return DecodeString(Raw(*n));
}

std::optional<std::int64_t> Document::Integer(const Node* n) const {
  if (n == nullptr || n->kind != Kind::kNumber) return std::nullopt;
  std::string_view raw = Raw(*n);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size()) return std::nullopt;
  return value;
}

std::string DecodeString(std::string_view token) {
  std::string out;
  std::string_view s = token.substr(1, token.size() - 2);
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        auto cp = static_cast<std::uint32_t>(Hex4(s, i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const auto low = static_cast<std::uint32_t>(Hex4(s, i + 3));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(out, cp);
        break;
      }
      default:  // " \ /
        out.push_back(e);
    }
  }
  return out;
}

}  // namespace wj::server::json
