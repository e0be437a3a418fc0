#pragma once

#include <string>
#include <string_view>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "storage/digest.h"

namespace wj::storage::sqlite {

// Values that nearly every row repeats are stored in a shorter form, and expanded again by
// whatever reads them (migrations/sqlite/0006_erasable_content.sql):
//   - events.object is NULL for "whatsapp_business_account";
//   - delivery_content.signature is the 32 bytes of the digest when the header was exactly
//     "sha256=" and 64 lowercase hex digits (what Meta sends), else the header's text.
inline constexpr std::string_view kUsualObject = "whatsapp_business_account";
#define WJ_EVENT_OBJECT(alias) "coalesce(" alias ".object, 'whatsapp_business_account')"

inline void BindObject(SQLite::Statement& st, int index, const std::string& object) {
  if (object == kUsualObject) {
    st.bind(index);
  } else {
    st.bindNoCopy(index, object);
  }
}

inline void BindSignature(SQLite::Statement& st, int index, const std::string& header) {
  constexpr std::string_view kPrefix = "sha256=";
  std::string bytes;
  const std::string_view hex =
      std::string_view(header).substr(std::min(header.size(), kPrefix.size()));
  const bool canonical = header.size() == kPrefix.size() + 64 && header.starts_with(kPrefix) &&
                         hex.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
                         FromHex(hex, &bytes);
  if (canonical) {
    st.bind(index, bytes.data(), static_cast<int>(bytes.size()));
  } else {
    st.bindNoCopy(index, header);
  }
}

inline std::string SignatureOf(const SQLite::Column& c) {
  if (c.isBlob()) {
    return "sha256=" + ToHex(std::string_view(static_cast<const char*>(c.getBlob()),
                                              static_cast<std::size_t>(c.getBytes())));
  }
  return c.getString();
}

}  // namespace wj::storage::sqlite
