#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

namespace wj::storage::sqlite {

// Binds `v`, or NULL when it is empty.
template <typename T>
void BindOptional(SQLite::Statement& st, int index, const std::optional<T>& v) {
  if (v) {
    st.bind(index, *v);
  } else {
    st.bind(index);  // NULL
  }
}

// The column's value, or nullopt when it is NULL (T: std::int64_t, int or std::string).
template <typename T>
std::optional<T> Optional(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    return c.getString();
  } else if constexpr (std::is_same_v<T, int>) {
    return c.getInt();
  } else {
    return c.getInt64();
  }
}

}  // namespace wj::storage::sqlite
