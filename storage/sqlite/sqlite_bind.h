#pragma once

#include <array>
#include <cstdint>
#include <cstring>
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

// Binds the bytes of a digest or salt (copied: callers' arrays are often temporaries).
template <std::size_t N>
void BindBytes(SQLite::Statement& st, int index, const std::array<std::uint8_t, N>& bytes) {
  st.bind(index, bytes.data(), static_cast<int>(N));
}

template <std::size_t N>
void BindOptionalBytes(SQLite::Statement& st, int index,
                       const std::optional<std::array<std::uint8_t, N>>& bytes) {
  if (bytes) {
    BindBytes(st, index, *bytes);
  } else {
    st.bind(index);
  }
}

// A BLOB column as a fixed-size array; zeros when its size differs (the caller's check then
// fails, as for any other corruption).
template <std::size_t N>
std::array<std::uint8_t, N> BytesOf(const SQLite::Column& c) {
  std::array<std::uint8_t, N> out{};
  if (c.getBytes() == static_cast<int>(N)) std::memcpy(out.data(), c.getBlob(), N);
  return out;
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> OptionalBytes(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return BytesOf<N>(c);
}

// A BLOB or TEXT column's bytes.
inline std::string BlobText(const SQLite::Column& c) {
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
}

}  // namespace wj::storage::sqlite
