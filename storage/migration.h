#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/embedded_file.h"
#include "storage/status.h"

namespace wj::storage {

// A schema step, parsed from a file named NNNN_name.sql. Each engine has its own numbered
// files (migrations/<engine>/), applied in order at start.
struct Migration {
  int version = 0;
  std::string name;  // file name without .sql, e.g. "0001_journal"
  std::string_view sql;
};

// Parses embedded migration files. Returns Internal if a file name does not follow
// NNNN_name.sql or versions repeat. The result is in version order.
Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files);

// What bringing a database up to date did.
struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // names applied by this call
};

}  // namespace wj::storage
