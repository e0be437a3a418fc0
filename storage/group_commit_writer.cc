#include "storage/group_commit_writer.h"

namespace wj::storage {

GroupCommitWriter::GroupCommitWriter(JournalWriter& journal, Options options)
    : journal_(journal), options_(options), committed_(journal.Committed()) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Submit(DeliveryRecord delivery, Completion done) {
  // Digests and commitments are computed here, on the submitting thread, so that the
  // writer thread spends its time only on what needs the journal's order.
  if (Status prepared = journal_.Prepare(delivery); !prepared.ok()) {
    done(prepared);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(delivery), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("journal writer is shutting down"));
}

bool GroupCommitWriter::RunOnWriter(std::function<void()> task) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  tasks_.push_back(std::move(task));
  wake_.notify_one();
  return true;
}

void GroupCommitWriter::SubmitCheck(SubscriptionCheck check,
                                    std::function<void(Result<std::int64_t>)> done) {
  if (!RunOnWriter([this, check = std::move(check), done] {
        done(journal_.AppendSubscriptionCheck(check));
      })) {
    done(Status::Unavailable("journal writer is shutting down"));
  }
}

void GroupCommitWriter::SubmitForwardUpdate(ForwardUpdate update,
                                            std::function<void(Status)> done) {
  if (!RunOnWriter([this, update = std::move(update), done] {
        done(journal_.ApplyForwardUpdate(update));
      })) {
    done(Status::Unavailable("journal writer is shutting down"));
  }
}

void GroupCommitWriter::SubmitReplay(Replay replay,
                                     std::function<void(Result<std::int64_t>)> done) {
  if (!RunOnWriter(
          [this, replay = std::move(replay), done] { done(journal_.CreateReplay(replay)); })) {
    done(Status::Unavailable("journal writer is shutting down"));
  }
}

void GroupCommitWriter::SubmitErasure(
    ErasureRequest request, std::function<void(Result<std::vector<ErasureRecord>>)> done) {
  if (!RunOnWriter([this, request = std::move(request), done] {
        auto erased = journal_.Erase(request);
        {
          // Its tombstones are events: wake whoever waits for new ones.
          std::lock_guard lock(mu_);
          committed_ = journal_.Committed();
          committed_changed_.notify_all();
        }
        done(std::move(erased));
      })) {
    done(Status::Unavailable("journal writer is shutting down"));
  }
}

void GroupCommitWriter::SubmitCheckpoint(std::function<void(Status)> done) {
  if (!RunOnWriter([this, done] { done(journal_.Checkpoint()); })) {
    done(Status::Unavailable("journal writer is shutting down"));
  }
}

void GroupCommitWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
    committed_changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::size_t GroupCommitWriter::Pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

CommitStats GroupCommitWriter::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

JournalStats GroupCommitWriter::Committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

JournalStats GroupCommitWriter::WaitForEventsAfter(std::int64_t seq,
                                                   std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  committed_changed_.wait_for(lock, timeout, [&] { return stopping_ || committed_.events > seq; });
  return committed_;
}

void GroupCommitWriter::Run() {
  std::vector<Queued> batch;
  for (;;) {
    std::deque<std::function<void()>> tasks;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || !tasks_.empty(); });
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
    {
      std::unique_lock lock(mu_);
      if (queue_.empty()) {
        if (stopping_ && tasks_.empty()) return;  // everything submitted is committed
        continue;
      }
      // Take whatever is waiting, up to the limits: that is the group.
      std::size_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.max_batch_deliveries &&
             (batch.empty() ||
              bytes + queue_.front().delivery.body.size() <= options_.max_batch_bytes)) {
        bytes += queue_.front().delivery.body.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_flight_ = batch.size();
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void GroupCommitWriter::CommitBatch(std::vector<Queued>& batch) {
  std::vector<const DeliveryRecord*> records;
  records.reserve(batch.size());
  for (const Queued& p : batch) records.push_back(&p.delivery);
  std::vector<AppendedDelivery> appended;

  const auto start = std::chrono::steady_clock::now();
  Status status = journal_.AppendBatch(records, &appended);
  Record(batch.size(), std::chrono::steady_clock::now() - start, status.ok());

  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (status.ok()) {
      batch[i].done(std::move(appended[i]));
    } else {
      batch[i].done(status);
    }
  }
  {
    std::lock_guard lock(mu_);
    in_flight_ = 0;
  }
  // The batch is answered: now the engine may spend time that no request waits on.
  journal_.Maintain();
}

void GroupCommitWriter::Record(std::size_t batch_size, std::chrono::steady_clock::duration latency,
                               bool ok) {
  const double ms = std::chrono::duration<double, std::milli>(latency).count();
  std::lock_guard lock(mu_);
  if (!ok) {
    ++stats_.failed_commits;
    return;
  }
  committed_ = journal_.Committed();
  committed_changed_.notify_all();
  ++stats_.commits;
  stats_.deliveries += batch_size;
  std::size_t b = 0;
  while (b < CommitStats::kBuckets && batch_size > CommitStats::kBatchBounds[b]) ++b;
  ++stats_.batch_buckets[b];
  std::size_t l = 0;
  while (l < CommitStats::kBuckets && ms > CommitStats::kLatencyBoundsMs[l]) ++l;
  ++stats_.latency_buckets[l];
  stats_.latency_ms_sum += ms;
}

}  // namespace wj::storage
