#pragma once

#include <cstdint>
#include <string>

#include "storage/status.h"

namespace wj::storage {

// What a walk of both hash chains found.
struct VerifyReport {
  std::int64_t deliveries = 0;  // rows checked
  std::int64_t events = 0;      // rows checked
  bool ok = true;
  std::int64_t first_bad_delivery = 0;  // 0 when none
  std::int64_t first_bad_seq = 0;       // 0 when none
  std::string problem;                  // what is wrong with the first bad row
};

// Recomputes every delivery's and every event's chain_hash from the rows, in order, and
// checks that ids and seqs have no gaps. Reads only; safe while the service is running
// (it sees the last committed state).
// Returns NotFound if there is no database at `path`; a tampered journal is an Ok Result
// whose report has ok == false.
Result<VerifyReport> VerifyJournal(const std::string& path);

}  // namespace wj::storage
