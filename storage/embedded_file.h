#pragma once

#include <string_view>

namespace wj {

// A file compiled into the binary (see cmake/embed_files.cmake). Static storage duration.
struct EmbeddedFile {
  std::string_view path;     // relative to the embedded directory, e.g. "0001_journal.sql"
  std::string_view content;  // the file's bytes
};

}  // namespace wj
