#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "server/forwarding/replay_filter.h"
#include "storage/forward_records.h"
#include "storage/status.h"

namespace wj::server {

// Parses the JSON body of POST /api/v1/replays. waba_id and field take a string or an array of
// strings; after and until_seq non-negative integers; since and until RFC 3339 or unix seconds.
// Returns InvalidArgument naming the member: malformed JSON, an unknown member, a wrong type, a
// missing destination, a malformed WABA id.
Result<ReplayRequest> ParseReplayRequest(std::string_view body);

// A replay as the API shows it: id, destination, status, total, sent, failed, last_seq,
// after, until_seq, filter, created_at, created_by, finished_at.
nlohmann::ordered_json ReplayJson(const storage::Replay& replay);

}  // namespace wj::server
