#include "server/forwarding/forwarding.h"

#include <future>

#include <spdlog/spdlog.h>

#include "server/forwarding/forward_source.h"

namespace wj::server {
namespace {

// Bounds how long an API call waits for the writer to record a new replay.
constexpr std::chrono::seconds kRecordWait{10};

}  // namespace

Forwarding::Forwarding(std::vector<Destination> destinations, ForwardingOptions options, Deps deps)
    : destinations_(std::move(destinations)), options_(options), deps_(std::move(deps)) {}

Forwarding::~Forwarding() { Stop(); }

Result<std::unique_ptr<Forwarding>> Forwarding::Create(std::vector<Destination> destinations,
                                                       ForwardingOptions options, Deps deps) {
  for (const Destination& d : destinations) {
    auto checked = CheckDestination(d.url, options.sender.allow_private, deps.resolve);
    if (checked.ok()) continue;
    if (checked.status().code() == Status::Code::kUnavailable) {
      spdlog::warn("destination {}: {}; will try again when sending", d.name,
                   checked.status().message());
      continue;
    }
    return Status::InvalidArgument("destination " + d.name + ": " + checked.status().message());
  }
  auto cursors = deps.state.Cursors();
  if (!cursors.ok()) return cursors.status();
  auto failures = deps.state.Failures();
  if (!failures.ok()) return failures.status();
  auto running = deps.state.RunningReplays();
  if (!running.ok()) return running.status();

  std::unique_ptr<Forwarding> f(new Forwarding(std::move(destinations), options, deps));
  const std::int64_t tip = deps.writer.Committed().events;
  storage::ForwardUpdate new_cursors;
  for (const Destination& d : f->destinations_) {
    ForwardActivitySnapshot restored;
    if (auto it = cursors.value().find(d.name); it != cursors.value().end()) {
      restored.cursor = it->second.last_seq;
      restored.start_seq = it->second.start_seq;
      restored.last_success_ms = it->second.last_success_at_ms;
    } else {
      // A new destination gets what arrives from now on; history is what replays are for.
      restored.cursor = tip;
      restored.start_seq = tip;
      new_cursors.cursors.push_back({d.name, tip, tip, deps.now_ms(), std::nullopt});
      spdlog::info("destination {}: new, forwarding events after seq {}", d.name, tip);
    }
    if (auto it = failures.value().find(d.name); it != failures.value().end()) {
      restored.given_up = it->second.given_up;
      restored.last_error = it->second.last;
    }
    f->live_.push_back(std::make_unique<LiveForwarder>(d, options, deps.reader, deps.writer,
                                                       deps.resolve, deps.now_ms, restored));
    f->replayers_.push_back(std::make_unique<ReplayRunner>(d, options, deps.reader, deps.writer,
                                                           deps.resolve, deps.now_ms));
  }
  if (!new_cursors.empty()) deps.writer.SubmitForwardUpdate(std::move(new_cursors), [](auto&&) {});

  storage::ForwardUpdate orphaned;
  for (storage::Replay& r : running.value()) {
    ReplayRunner* runner = f->RunnerFor(r.destination);
    auto filter = ReplayFilterFromJson(r.filter_json);
    if (runner == nullptr || !filter.ok()) {
      spdlog::warn("replay {}: destination {} is no longer configured; marked failed", r.id,
                   r.destination);
      orphaned.replays.push_back({r.id, storage::ReplayStatus::kFailed, r.sent, r.failed,
                                  r.last_seq, deps.now_ms(), deps.now_ms()});
      continue;
    }
    runner->Enqueue(std::move(r), std::move(filter.value()));
  }
  if (!orphaned.empty()) deps.writer.SubmitForwardUpdate(std::move(orphaned), [](auto&&) {});
  return f;
}

void Forwarding::Start() {
  for (auto& l : live_) l->Start();
  for (auto& r : replayers_) r->Start();
}

void Forwarding::Stop() {
  for (auto& l : live_) l->Stop();
  for (auto& r : replayers_) r->Stop();
}

const Destination* Forwarding::Find(const std::string& name) const {
  for (const Destination& d : destinations_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

ReplayRunner* Forwarding::RunnerFor(const std::string& name) const {
  for (std::size_t i = 0; i < destinations_.size(); ++i) {
    if (destinations_[i].name == name) return replayers_[i].get();
  }
  return nullptr;
}

Result<std::vector<Forwarding::DestinationStatus>> Forwarding::DestinationStatuses() {
  std::vector<DestinationStatus> out;
  for (std::size_t i = 0; i < destinations_.size(); ++i) {
    const Destination& d = destinations_[i];
    DestinationStatus s{&d, live_[i]->activity().Snapshot(), 0, std::nullopt};
    storage::EventFilter pending;
    pending.after = s.activity.cursor;
    pending.waba_ids = d.waba_ids;
    pending.fields = d.fields;
    auto lag = deps_.reader.CountEvents(pending);
    if (!lag.ok()) return lag.status();
    s.lag_events = lag.value();
    if (s.lag_events > 0) {
      pending.limit = 1;
      auto first = deps_.reader.Events(pending);
      if (!first.ok()) return first.status();
      if (!first.value().events.empty()) {
        s.oldest_pending_ms = first.value().events.front().received_at_ms;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<storage::Replay> Forwarding::StartReplay(const ReplayRequest& request,
                                                const std::string& created_by) {
  const Destination* d = Find(request.destination);
  if (d == nullptr) {
    return Status::NotFound("no destination named '" + request.destination + "'");
  }
  const std::int64_t tip = deps_.writer.Committed().events;
  storage::Replay replay;
  replay.destination = d->name;
  replay.filter_json = ReplayFilterJson(request);
  replay.after_seq = request.after.value_or(0);
  replay.until_seq = std::min(request.until_seq.value_or(tip), tip);
  replay.last_seq = replay.after_seq;
  replay.created_at_ms = deps_.now_ms();
  replay.updated_at_ms = replay.created_at_ms;
  replay.created_by = created_by;
  auto filter = ReplayFilterFromJson(replay.filter_json);
  if (!filter.ok()) return filter.status();
  if (!NothingMatches(filter.value().waba_ids, d->waba_ids) &&
      !NothingMatches(filter.value().fields, d->fields) && replay.until_seq > replay.after_seq) {
    storage::EventFilter counted = filter.value();
    counted.waba_ids = Narrow(counted.waba_ids, d->waba_ids);
    counted.fields = Narrow(counted.fields, d->fields);
    counted.after = replay.after_seq;
    counted.until_seq = replay.until_seq;
    auto total = deps_.reader.CountEvents(counted);
    if (!total.ok()) return total.status();
    replay.total = total.value();
  }
  auto done = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto id = done->get_future();
  deps_.writer.SubmitReplay(replay,
                            [done](Result<std::int64_t> r) { done->set_value(std::move(r)); });
  if (id.wait_for(kRecordWait) != std::future_status::ready) {
    return Status::Unavailable("the journal did not record the replay in time");
  }
  Result<std::int64_t> recorded = id.get();
  if (!recorded.ok()) return recorded.status();
  replay.id = recorded.value();
  spdlog::info("replay {} to {} created by {}: {} events in seq ({}, {}]", replay.id, d->name,
               created_by, replay.total, replay.after_seq, replay.until_seq);
  RunnerFor(d->name)->Enqueue(replay, std::move(filter.value()));
  return replay;
}

void Forwarding::WithLiveProgress(storage::Replay& r) const {
  // Stored progress lags by up to persist_every while a replay runs here.
  if (r.status != storage::ReplayStatus::kRunning) return;
  ReplayRunner* runner = RunnerFor(r.destination);
  if (runner == nullptr) return;
  if (auto live = runner->Progress(r.id)) {
    r.sent = live->sent;
    r.failed = live->failed;
    r.last_seq = live->last_seq;
  }
}

Result<std::optional<storage::Replay>> Forwarding::GetReplay(std::int64_t id) {
  auto stored = deps_.state.ReplayById(id);
  if (stored.ok() && stored.value()) WithLiveProgress(*stored.value());
  return stored;
}

Result<std::vector<storage::Replay>> Forwarding::ListReplays(int limit) {
  auto list = deps_.state.Replays(limit);
  if (list.ok()) {
    for (storage::Replay& r : list.value()) WithLiveProgress(r);
  }
  return list;
}

Result<storage::Replay> Forwarding::CancelReplay(std::int64_t id) {
  auto stored = GetReplay(id);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return Status::NotFound("no replay " + std::to_string(id));
  if (stored.value()->status != storage::ReplayStatus::kRunning) {
    return Status::FailedPrecondition("replay " + std::to_string(id) + " has already finished (" +
                                      storage::ToString(stored.value()->status) + ")");
  }
  ReplayRunner* runner = RunnerFor(stored.value()->destination);
  if (runner == nullptr) return Status::Internal("replay without a runner");
  if (Status cancelled = runner->Cancel(id); !cancelled.ok()) return cancelled;
  auto after = deps_.state.ReplayById(id);
  if (!after.ok()) return after.status();
  if (!after.value()) return Status::NotFound("no replay " + std::to_string(id));
  return *after.value();
}

Result<std::vector<Forwarding::EventForwarding>> Forwarding::ForwardingOf(
    const storage::StoredEvent& event) {
  std::vector<EventForwarding> out;
  if (event.duplicate_of) return out;  // redeliveries are never forwarded
  auto attempts = deps_.state.AttemptsFor(event.seq);
  if (!attempts.ok()) return attempts.status();
  for (std::size_t i = 0; i < destinations_.size(); ++i) {
    const Destination& d = destinations_[i];
    if (!d.Matches(event)) continue;
    EventForwarding f{d.name, "pending", {}};
    bool gave_up = false;
    for (const storage::ForwardAttempt& a : attempts.value()) {
      if (a.destination != d.name) continue;
      gave_up = gave_up || (a.gave_up && !a.replay_id);
      f.attempts.push_back(a);
    }
    const ForwardActivitySnapshot live = live_[i]->activity().Snapshot();
    if (gave_up) {
      f.status = "failed";
    } else if (event.erasure_id) {
      f.status = "erased";  // its content is gone: never sent (again), live or by a replay
    } else if (event.seq <= live.start_seq) {
      f.status = "skipped";  // older than the destination: only a replay sends it
    } else if (live.cursor >= event.seq) {
      f.status = "delivered";
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace wj::server
