#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "server/forwarding/destinations.h"
#include "server/forwarding/event_deliverer.h"
#include "server/forwarding/forward_activity.h"
#include "server/util/interrupt.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

struct ForwardingOptions {
  SenderOptions sender;
  RetryPolicy retry;
  int page_size = 500;
  // How often a moving cursor is written: a crash re-sends at most this much (at least
  // once), and the writer is not asked for a transaction per event.
  std::chrono::milliseconds persist_every{250};
  // Replays send at most this many events per second per destination (0: no limit), so a
  // large replay leaves CPU to ingest and live forwarding.
  int replay_rate = 6000;
};

// Forwards every new first-occurrence event matching one destination, in seq order, at
// least once, on its own thread: a slow or dead destination delays nobody else. Starts at
// the stored cursor (a new destination: at the journal's tip when first seen) and writes
// the cursor back through the journal's writer.
//
// Thread-safety: Start/Stop from one controlling thread; activity() from any.
class LiveForwarder {
 public:
  LiveForwarder(const Destination& destination, ForwardingOptions options,
                storage::JournalReader& reader, storage::GroupCommitWriter& writer,
                Resolver resolve, std::function<std::int64_t()> now_ms,
                ForwardActivitySnapshot restored);
  ~LiveForwarder();  // stops
  LiveForwarder(const LiveForwarder&) = delete;
  LiveForwarder& operator=(const LiveForwarder&) = delete;

  void Start();
  // Interrupts any wait or retry, writes the cursor, joins. Call before the writer stops.
  void Stop();

  const ForwardActivity& activity() const { return activity_; }

 private:
  void Run();
  void Persist(std::int64_t cursor);

  const Destination& destination_;
  const ForwardingOptions options_;
  storage::JournalReader& reader_;
  storage::GroupCommitWriter& writer_;
  const Resolver resolve_;
  const std::function<std::int64_t()> now_ms_;
  ForwardActivity activity_;
  Interrupt stop_;
  std::thread thread_;
};

}  // namespace wj::server
