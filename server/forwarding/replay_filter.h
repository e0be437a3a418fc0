#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/journal_reader.h"
#include "storage/status.h"

namespace wj::server {

// A replay asked for (the body of POST /api/v1/replays): which destination gets which slice
// of the journal.
struct ReplayRequest {
  std::string destination;
  std::vector<std::string> waba_ids;      // any of; empty: all (within the caller's WABAs)
  std::vector<std::string> fields;        // any of; empty: all
  std::optional<std::int64_t> after;      // seq, exclusive
  std::optional<std::int64_t> until_seq;  // seq, inclusive; default: the tip at creation
  std::optional<std::int64_t> since_ms;   // received_at >= since
  std::optional<std::int64_t> until_ms;   // received_at < until
  bool include_duplicates = false;
};

// The filter part of a replay as stored with it (replays.filter), and back. Seq bounds are
// stored in their own columns.
std::string ReplayFilterJson(const ReplayRequest& request);
Result<storage::EventFilter> ReplayFilterFromJson(const std::string& json);

}  // namespace wj::server
