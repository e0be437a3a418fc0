#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/forwarding/destinations.h"
#include "server/forwarding/forward_activity.h"
#include "server/forwarding/live_forwarder.h"
#include "server/forwarding/outbound_policy.h"
#include "server/forwarding/replay_filter.h"
#include "server/forwarding/replay_runner.h"
#include "storage/forward_state_reader.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

// Forwarding to the operator's destinations: one live forwarder and one replay runner per
// destination, their state restored from the journal at creation, plus the views the API
// needs (destination status, replays, an event's attempts).
//
// Thread-safety: Start/Stop from one controlling thread; the rest from any.
class Forwarding {
 public:
  struct Deps {
    storage::JournalReader& reader;
    storage::ForwardStateReader& state;
    storage::GroupCommitWriter& writer;
    Resolver resolve;
    std::function<std::int64_t()> now_ms;
  };

  // Checks every destination's URL against the outbound policy (a refused address or a
  // malformed URL is InvalidArgument naming the destination; a name that does not resolve
  // yet only warns: the sender tries again), restores cursors, failures and running
  // replays (those of a destination no longer configured are recorded as failed).
  static Result<std::unique_ptr<Forwarding>> Create(std::vector<Destination> destinations,
                                                    ForwardingOptions options, Deps deps);
  ~Forwarding();  // stops
  Forwarding(const Forwarding&) = delete;
  Forwarding& operator=(const Forwarding&) = delete;

  void Start();
  // Stops every worker and writes their positions. Call before the writer stops.
  void Stop();

  const std::vector<Destination>& destinations() const { return destinations_; }

  struct DestinationStatus {
    const Destination* destination;
    ForwardActivitySnapshot activity;
    std::int64_t lag_events = 0;                    // matching events after the cursor
    std::optional<std::int64_t> oldest_pending_ms;  // receipt time of the first of them
  };
  Result<std::vector<DestinationStatus>> DestinationStatuses();

  // Creates a replay of `request`'s slice (narrowed by the destination's filters), fixed at
  // creation: until_seq defaults to the journal's tip. NotFound for an unknown destination.
  Result<storage::Replay> StartReplay(const ReplayRequest& request, const std::string& created_by);
  // A replay with its live progress when it runs here.
  Result<std::optional<storage::Replay>> GetReplay(std::int64_t id);
  Result<std::vector<storage::Replay>> ListReplays(int limit);
  // Cancels a running replay; FailedPrecondition when it has already finished.
  Result<storage::Replay> CancelReplay(std::int64_t id);

  // What happened to `event` at each destination it matches.
  struct EventForwarding {
    std::string destination;
    std::string status;  // delivered | pending | failed | skipped (older than the destination)
    std::vector<storage::ForwardAttempt> attempts;
  };
  Result<std::vector<EventForwarding>> ForwardingOf(const storage::StoredEvent& event);

 private:
  Forwarding(std::vector<Destination> destinations, ForwardingOptions options, Deps deps);
  const Destination* Find(const std::string& name) const;
  ReplayRunner* RunnerFor(const std::string& name) const;
  // Overlays the progress of `replay` when it is running here.
  void WithLiveProgress(storage::Replay& replay) const;

  const std::vector<Destination> destinations_;  // never resized: workers hold references
  const ForwardingOptions options_;
  Deps deps_;
  std::vector<std::unique_ptr<LiveForwarder>> live_;      // one per destination, same order
  std::vector<std::unique_ptr<ReplayRunner>> replayers_;  // one per destination, same order
};

}  // namespace wj::server
