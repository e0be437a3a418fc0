#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/journal_writer.h"

namespace wj::storage {

// Commit statistics, for metrics. Plain value type.
struct CommitStats {
  std::uint64_t commits = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t deliveries = 0;
  // Histograms: counts of commits whose batch size / latency fell at or below each bound.
  static constexpr std::size_t kBuckets = 8;
  static constexpr std::uint64_t kBatchBounds[kBuckets] = {1, 2, 4, 8, 16, 32, 64, 256};
  static constexpr double kLatencyBoundsMs[kBuckets] = {1, 2, 5, 10, 25, 50, 100, 1000};
  std::uint64_t batch_buckets[kBuckets + 1] = {};    // last: above every bound
  std::uint64_t latency_buckets[kBuckets + 1] = {};  // last: above every bound
  double latency_ms_sum = 0;
};

// Group commit: many threads Submit() deliveries; one writer thread appends whatever is
// pending as a single transaction, then calls each delivery's completion. So concurrent
// deliveries share one fsync, and a completion with an Ok result means "committed".
//
// Thread-safety: Submit(), Stats() and Stop() may be called from any thread. Completions
// run on the writer thread and must not block for long (they typically hand a response to
// the HTTP layer).
class GroupCommitWriter final : public DeliveryAppender {
 public:
  struct Options {
    std::size_t max_batch_deliveries = 512;
    std::size_t max_batch_bytes = 32 << 20;
  };

  // `journal` must outlive this object. Starts the writer thread.
  GroupCommitWriter(JournalWriter& journal, Options options);
  // Stops as Stop() does.
  ~GroupCommitWriter() override;
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Queues `delivery`; `done` is called exactly once, from the writer thread, with the
  // appended ids or the reason nothing was stored. After Stop(), `done` is called at once
  // with Unavailable.
  void Submit(DeliveryRecord delivery, Completion done) override;

  // Records `check` on the writer thread (between batches); `done` gets its id or the
  // failure, from that thread. After Stop(), `done` is called at once with Unavailable.
  void SubmitCheck(SubscriptionCheck check, std::function<void(Result<std::int64_t>)> done);

  // Records forwarding state / creates a replay, the same way.
  void SubmitForwardUpdate(ForwardUpdate update, std::function<void(Status)> done);
  void SubmitReplay(Replay replay, std::function<void(Result<std::int64_t>)> done);
  // Carries out an erasure between batches, the same way.
  void SubmitErasure(ErasureRequest request,
                     std::function<void(Result<std::vector<ErasureRecord>>)> done);
  void SubmitCheckpoint(std::function<void(Status)> done);

  // Commits everything already submitted, then stops the writer thread. Idempotent.
  void Stop();

  // Deliveries submitted but not yet completed.
  std::size_t Pending() const;
  CommitStats Stats() const;
  JournalStats Committed() const;

  // Blocks until an event with a seq above `seq` is committed, `timeout` passes, or Stop()
  // is called; returns the committed counts then. Lets readers (live forwarding, event
  // streams) learn of new events as soon as they are durable instead of polling.
  JournalStats WaitForEventsAfter(std::int64_t seq, std::chrono::milliseconds timeout) const;

 private:
  struct Queued {
    DeliveryRecord delivery;
    Completion done;
  };

  // Queues `task` for the writer thread; false (task not queued) after Stop().
  bool RunOnWriter(std::function<void()> task);
  void Run();
  void CommitBatch(std::vector<Queued>& batch);
  void Record(std::size_t batch_size, std::chrono::steady_clock::duration latency, bool ok);

  JournalWriter& journal_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  mutable std::condition_variable committed_changed_;  // signalled after each commit and at Stop
  std::deque<Queued> queue_;                           // guarded by mu_
  std::deque<std::function<void()>> tasks_;            // other writes, run first; guarded by mu_
  std::size_t in_flight_ = 0;  // taken from queue_, not yet completed; guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  CommitStats stats_;          // guarded by mu_
  JournalStats committed_;     // guarded by mu_

  std::thread thread_;
};

}  // namespace wj::storage
