#pragma once

#include <cstdint>
#include <optional>

#include "server/forwarding/destinations.h"
#include "server/forwarding/forward_request.h"
#include "storage/journal_reader.h"

namespace wj::server {

// What one destination is sent, read from the journal: pages of events narrowed by the
// destination's own filters, and the request for each event in the destination's mode.
//
// Thread-safety: one instance per thread (it remembers the last delivery sent).
class ForwardSource {
 public:
  ForwardSource(const Destination& destination, storage::JournalReader& reader);

  // The next events of `filter` (ascending from filter.after), also matching the
  // destination's WABA and field filters.
  Result<storage::EventPage> Next(storage::EventFilter filter) const;

  // The request carrying `event`. In original mode a delivery goes out once, with its first
  // matching event: for the delivery's later events this returns nullopt (already sent).
  // Also nullopt for an erased event, and in original mode for a tombstone or a delivery
  // whose bytes an erasure removed: nothing of it may be sent.
  Result<std::optional<ForwardRequest>> RequestFor(const storage::StoredEvent& event,
                                                   std::optional<std::int64_t> replay_id);

 private:
  const Destination& destination_;
  storage::JournalReader& reader_;
  std::int64_t last_delivery_ = 0;  // original mode: the delivery last sent
};

// `requested` narrowed to `allowed` (an empty list allows everything): the values in both,
// or `allowed` when nothing was requested. An empty result from two non-empty lists means
// "nothing can match"; callers check with NothingMatches().
std::vector<std::string> Narrow(const std::vector<std::string>& requested,
                                const std::vector<std::string>& allowed);
bool NothingMatches(const std::vector<std::string>& requested,
                    const std::vector<std::string>& allowed);

}  // namespace wj::server
