#include "server/forwarding/replay_runner.h"

#include <future>

#include <spdlog/spdlog.h>

#include "server/forwarding/forward_source.h"

namespace wj::server {
namespace {

constexpr std::chrono::seconds kReadRetry{1};
// Bounds how long Cancel() waits for its record: the writer may be busy with a batch.
constexpr std::chrono::seconds kRecordWait{10};

}  // namespace

ReplayRunner::ReplayRunner(const Destination& destination, ForwardingOptions options,
                           storage::JournalReader& reader, storage::GroupCommitWriter& writer,
                           Resolver resolve, std::function<std::int64_t()> now_ms)
    : destination_(destination),
      options_(options),
      reader_(reader),
      writer_(writer),
      resolve_(std::move(resolve)),
      now_ms_(std::move(now_ms)) {}

ReplayRunner::~ReplayRunner() { Stop(); }

void ReplayRunner::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ReplayRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // A stop is not a cancel: interrupted replays stay running and resume at next start.
    for (auto& job : jobs_) job->cancel.Trigger();
    wake_.notify_all();
  }
  stop_.Trigger();
  if (thread_.joinable()) thread_.join();
}

void ReplayRunner::Enqueue(storage::Replay replay, storage::EventFilter filter) {
  auto job = std::make_shared<Job>();
  job->replay = std::move(replay);
  job->filter = std::move(filter);
  std::lock_guard lock(mu_);
  jobs_.push_back(std::move(job));
  wake_.notify_all();
}

Status ReplayRunner::Cancel(std::int64_t id) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      if ((*it)->replay.id != id) continue;
      job = *it;
      // A queued job leaves the queue; the running one (front) notices its interrupt.
      if (it != jobs_.begin()) jobs_.erase(it);
      break;
    }
  }
  if (!job) return Status::NotFound("replay " + std::to_string(id) + " is not running");
  job->cancel.Trigger();
  // Recorded here, not by the worker: the answer to DELETE then already reads "cancelled",
  // and the worker's later progress reports are ignored (only running replays move).
  storage::ForwardUpdate update;
  {
    std::lock_guard lock(mu_);
    job->replay.status = storage::ReplayStatus::kCancelled;
    const storage::Replay& r = job->replay;
    update.replays.push_back({r.id, storage::ReplayStatus::kCancelled, r.sent, r.failed, r.last_seq,
                              now_ms_(), now_ms_()});
  }
  auto done = std::make_shared<std::promise<Status>>();
  auto recorded = done->get_future();
  writer_.SubmitForwardUpdate(std::move(update), [done](const Status& s) { done->set_value(s); });
  if (recorded.wait_for(kRecordWait) != std::future_status::ready) {
    return Status::Unavailable("the journal did not record the cancel in time");
  }
  return recorded.get();
}

std::optional<storage::ReplayProgress> ReplayRunner::Progress(std::int64_t id) const {
  std::lock_guard lock(mu_);
  for (const auto& job : jobs_) {
    if (job->replay.id != id) continue;
    const storage::Replay& r = job->replay;
    return storage::ReplayProgress{r.id,       r.status,        r.sent,          r.failed,
                                   r.last_seq, r.updated_at_ms, r.finished_at_ms};
  }
  return std::nullopt;
}

void ReplayRunner::Record(const Job& job, storage::ReplayStatus status) {
  storage::ForwardUpdate update;
  {
    std::lock_guard lock(mu_);
    const storage::Replay& r = job.replay;
    std::optional<std::int64_t> finished;
    if (status != storage::ReplayStatus::kRunning) finished = now_ms_();
    update.replays.push_back({r.id, status, r.sent, r.failed, r.last_seq, now_ms_(), finished});
  }
  const std::int64_t id = job.replay.id;
  writer_.SubmitForwardUpdate(std::move(update), [id](const Status& s) {
    if (!s.ok()) spdlog::warn("replay {}: progress not saved: {}", id, s.message());
  });
}

void ReplayRunner::Run() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = jobs_.front();
    }
    RunJob(*job);
    std::lock_guard lock(mu_);
    if (!jobs_.empty() && jobs_.front() == job) jobs_.pop_front();
  }
}

void ReplayRunner::RunJob(Job& job) {
  ForwardSender sender(destination_, options_.sender, resolve_, &job.cancel);
  EventDeliverer deliverer(
      destination_.name, sender, options_.retry,
      [this](const storage::ForwardAttempt& attempt) {
        storage::ForwardUpdate update;
        update.attempts.push_back(attempt);
        writer_.SubmitForwardUpdate(std::move(update), [](const Status&) {});
      },
      now_ms_);
  ForwardSource source(destination_, reader_);
  auto last_record = std::chrono::steady_clock::now();
  // Pacing: after every kPaceEvery events, wait until the rate's schedule catches up.
  constexpr int kPaceEvery = 64;
  const auto paced_from = std::chrono::steady_clock::now();
  std::int64_t paced_events = 0;
  const std::int64_t id = job.replay.id;
  spdlog::info("replay {} to {}: starting after seq {}", id, destination_.name,
               job.replay.last_seq);
  for (;;) {
    storage::EventFilter filter = job.filter;
    {
      std::lock_guard lock(mu_);
      filter.after = job.replay.last_seq;
      filter.until_seq = job.replay.until_seq;
    }
    filter.limit = options_.page_size;
    auto page = source.Next(filter);
    if (!page.ok()) {
      spdlog::warn("replay {}: reading the journal failed: {}", id, page.status().message());
      if (job.cancel.WaitFor(kReadRetry)) break;
      continue;
    }
    if (page.value().events.empty()) break;  // the slice is done
    for (const storage::StoredEvent& event : page.value().events) {
      auto request = source.RequestFor(event, id);
      DeliveryResult r = DeliveryResult::kDelivered;
      if (!request.ok()) {
        spdlog::warn("replay {}: building event {} failed: {}", id, event.seq,
                     request.status().message());
        job.cancel.WaitFor(kReadRetry);
        break;  // read again from last_seq (or notice the cancel)
      }
      if (request.value()) r = deliverer.Deliver(*request.value(), event.seq, id, job.cancel);
      if (r == DeliveryResult::kInterrupted) break;
      {
        std::lock_guard lock(mu_);
        ++(r == DeliveryResult::kDelivered ? job.replay.sent : job.replay.failed);
        job.replay.last_seq = event.seq;
        job.replay.updated_at_ms = now_ms_();
      }
      if (options_.replay_rate > 0 && ++paced_events % kPaceEvery == 0) {
        const auto due =
            paced_from + std::chrono::microseconds(paced_events * 1'000'000 / options_.replay_rate);
        const auto ahead = std::chrono::duration_cast<std::chrono::milliseconds>(
            due - std::chrono::steady_clock::now());
        if (ahead.count() > 0 && job.cancel.WaitFor(ahead)) break;
      }
    }
    if (job.cancel.triggered()) break;
    if (std::chrono::steady_clock::now() - last_record >= options_.persist_every) {
      Record(job, storage::ReplayStatus::kRunning);
      last_record = std::chrono::steady_clock::now();
    }
  }
  bool stopping;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
  }
  if (job.cancel.triggered()) {
    // Cancelled (already recorded by Cancel) or stopping: then keep it running, with its
    // progress, to resume at the next start.
    if (stopping) Record(job, storage::ReplayStatus::kRunning);
    spdlog::info("replay {} to {}: {}", id, destination_.name, stopping ? "paused" : "cancelled");
    return;
  }
  const bool failed = job.replay.failed > 0;
  Record(job, failed ? storage::ReplayStatus::kFailed : storage::ReplayStatus::kDone);
  {
    std::lock_guard lock(mu_);
    job.replay.status = failed ? storage::ReplayStatus::kFailed : storage::ReplayStatus::kDone;
  }
  spdlog::info("replay {} to {}: {} sent, {} given up", id, destination_.name, job.replay.sent,
               job.replay.failed);
}

}  // namespace wj::server
