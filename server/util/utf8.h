#pragma once

#include <cstddef>
#include <string_view>

namespace wj::server {

// Length of the UTF-8 sequence at s[i] (i < s.size()) and its code point, or 0 when it is
// not well-formed UTF-8: overlong forms, surrogates and values above U+10FFFF included.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* code_point);

// Whether all of `s` is well-formed UTF-8.
bool IsUtf8(std::string_view s);

}  // namespace wj::server
