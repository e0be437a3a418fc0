#include "storage/migration.h"

#include <algorithm>

namespace wj::storage {

Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const EmbeddedFile& f : files) {
    std::string_view path = f.path;
    bool well_formed =
        path.size() > 9 && path.substr(path.size() - 4) == ".sql" && path[4] == '_' &&
        std::all_of(path.begin(), path.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    if (!well_formed) {
      return Status::Internal("migration file name must be NNNN_name.sql: " + std::string(path));
    }
    out.push_back({std::stoi(std::string(path.substr(0, 4))),
                   std::string(path.substr(0, path.size() - 4)), f.content});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      return Status::Internal("two migrations share version " + std::to_string(out[i].version));
    }
  }
  return out;
}

}  // namespace wj::storage
