#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "server/forwarding/destinations.h"
#include "server/forwarding/event_deliverer.h"
#include "server/forwarding/live_forwarder.h"
#include "server/util/interrupt.h"
#include "storage/forward_records.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

// Runs the replays of one destination, one after another, on its own thread (beside live
// forwarding, which it never delays). A replay sends the first-occurrence events of its
// slice in seq order, each at least once, with the same retries and horizon as live
// forwarding; it records progress through the journal's writer, so after a restart it
// resumes after the last event it finished.
//
// Thread-safety: Start/Stop from one controlling thread; the rest from any.
class ReplayRunner {
 public:
  ReplayRunner(const Destination& destination, ForwardingOptions options,
               storage::JournalReader& reader, storage::GroupCommitWriter& writer, Resolver resolve,
               std::function<std::int64_t()> now_ms);
  ~ReplayRunner();  // stops
  ReplayRunner(const ReplayRunner&) = delete;
  ReplayRunner& operator=(const ReplayRunner&) = delete;

  void Start();
  void Stop();

  // Queues `replay` (status running, progress as stored) whose events are `filter` within
  // (replay.last_seq, replay.until_seq].
  void Enqueue(storage::Replay replay, storage::EventFilter filter);

  // Stops `id` if it is queued or running here and records it as cancelled with its
  // progress so far; waits for that record. NotFound when it is not here.
  Status Cancel(std::int64_t id);

  // The live progress of `id` while it is queued or running here.
  std::optional<storage::ReplayProgress> Progress(std::int64_t id) const;

 private:
  struct Job {
    storage::Replay replay;  // progress fields kept current; guarded by mu_
    storage::EventFilter filter;
    Interrupt cancel;
  };
  void Run();
  void RunJob(Job& job);
  void Record(const Job& job, storage::ReplayStatus status);

  const Destination& destination_;
  const ForwardingOptions options_;
  storage::JournalReader& reader_;
  storage::GroupCommitWriter& writer_;
  const Resolver resolve_;
  const std::function<std::int64_t()> now_ms_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> jobs_;  // front: running; guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  Interrupt stop_;
  std::thread thread_;
};

}  // namespace wj::server
