#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/forward_records.h"
#include "storage/journal_reader.h"
#include "storage/status.h"

namespace wj::server {

// The body of POST /api/v1/replays: which destination gets which slice of the journal.
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

// Parses the JSON body. waba_id and field take a string or an array of strings; after and
// until_seq non-negative integers; since and until RFC 3339 or unix seconds. Returns
// InvalidArgument naming the member: malformed JSON, an unknown member, a wrong type, a
// missing destination, a malformed WABA id.
Result<ReplayRequest> ParseReplayRequest(std::string_view body);

// The filter part of a replay as stored with it (replays.filter), and back. Seq bounds are
// stored in their own columns.
std::string ReplayFilterJson(const ReplayRequest& request);
Result<storage::EventFilter> ReplayFilterFromJson(const std::string& json);

// A replay as the API shows it: id, destination, status, total, sent, failed, last_seq,
// after, until_seq, filter, created_at, created_by, finished_at.
nlohmann::ordered_json ReplayJson(const storage::Replay& replay);

}  // namespace wj::server
