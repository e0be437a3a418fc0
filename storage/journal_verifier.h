#pragma once

#include <cstdint>
#include <string>

#include "storage/status.h"

namespace wj::storage {

// What a walk of the journal's hash chains found (JournalStore::Verify).
struct VerifyReport {
  std::int64_t deliveries = 0;     // rows checked
  std::int64_t events = 0;         // rows checked
  std::int64_t erased_events = 0;  // events whose content an erasure removed
  std::int64_t erasures = 0;       // erasures whose tombstones were checked
  bool ok = true;
  std::int64_t first_bad_delivery = 0;  // 0 when none
  std::int64_t first_bad_seq = 0;       // 0 when none
  std::int64_t first_bad_erasure = 0;   // 0 when none
  std::string problem;                  // what is wrong with the first bad row
};

}  // namespace wj::storage
