#include "server/reconciler/reconciler.h"

#include <algorithm>
#include <future>

#include <spdlog/spdlog.h>

#include "server/meta/waba_id.h"
#include "server/reconciler/subscription_state.h"

namespace wj::server {
namespace {

using storage::SubscriptionCheck;
using storage::SubscriptionState;

constexpr std::int64_t kMillisPerMinute = 60'000;
// First checks after start are spread over this window (or the interval, if shorter), so
// that a restart shows states quickly without a burst of calls.
constexpr std::int64_t kFirstCheckWindowMs = 60'000;
// Backoff after errors and throttles without a regain time: interval × 2^(n-1), capped.
constexpr int kMaxBackoffDoublings = 4;
// How long CheckNow waits for the writer to record a check.
constexpr auto kRecordTimeout = std::chrono::seconds(10);

}  // namespace

Reconciler::Reconciler(ReconcilerOptions options, storage::GroupCommitWriter& writer,
                       storage::JournalReader& reader, ReconcilerMetrics& metrics, Clock now,
                       std::uint64_t seed)
    : options_(std::move(options)),
      writer_(writer),
      reader_(reader),
      metrics_(metrics),
      now_(std::move(now)),
      graph_(options_.graph),
      random_(seed) {
  std::lock_guard lock(mu_);
  Restore(now_());
}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Reconciler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const std::int64_t next = Tick(now_());
    lock.lock();
    if (stopping_) break;
    // The system clock may jump; waiting on it in small steps keeps the schedule honest.
    const std::int64_t wait_ms = std::clamp<std::int64_t>(next - now_(), 10, 60'000);
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
  }
}

std::int64_t Reconciler::Jitter(std::int64_t span_ms) {
  if (span_ms <= 0) return 0;
  return std::uniform_int_distribution<std::int64_t>(0, span_ms - 1)(random_);
}

std::int64_t Reconciler::Backoff(int failures) {
  const int doublings = std::clamp(failures - 1, 0, kMaxBackoffDoublings);
  const std::int64_t interval_ms = options_.interval.count() * 1000;
  return (interval_ms << doublings) + Jitter(interval_ms / 10);
}

void Reconciler::Schedule(Watched& w, std::int64_t first_due_ms, std::int64_t now_ms) {
  const std::int64_t interval_ms = options_.interval.count() * 1000;
  if (w.last_check) {
    // Never more than one call per interval, across restarts too.
    w.next_check_ms = std::max(w.last_check->checked_at_ms + interval_ms, first_due_ms);
  } else {
    w.next_check_ms = first_due_ms;
  }
  w.next_check_ms = std::max({w.next_check_ms, w.paused_until_ms, now_ms});
}

void Reconciler::Restore(std::int64_t now_ms) {
  std::map<std::string, SubscriptionCheck> last;
  if (auto checks = reader_.LatestSubscriptionChecks(); checks.ok()) {
    for (SubscriptionCheck& c : checks.value()) last[c.waba_id] = std::move(c);
  } else {
    spdlog::warn("reconciler: cannot read earlier checks: {}", checks.status().message());
  }
  const std::int64_t window = std::min(kFirstCheckWindowMs, options_.interval.count() * 1000);
  for (const std::string& waba : options_.wabas) {
    Watched& w = watched_[waba];
    if (auto it = last.find(waba); it != last.end()) {
      w.last_check = it->second;
      w.state = it->second.state;
      w.paused_until_ms = it->second.paused_until_ms.value_or(0);
    }
    Schedule(w, now_ms + Jitter(window), now_ms);
  }
  AddSeenWabas(now_ms);
}

void Reconciler::AddSeenWabas(std::int64_t now_ms) {
  if (!options_.watch_seen_wabas) return;
  auto wabas = reader_.Wabas();
  if (!wabas.ok()) {
    spdlog::warn("reconciler: cannot list the journal's WABAs: {}", wabas.status().message());
    return;
  }
  const std::int64_t window = std::min(kFirstCheckWindowMs, options_.interval.count() * 1000);
  for (const storage::WabaSummary& s : wabas.value()) {
    if (watched_.count(s.waba_id) > 0) continue;
    // Only ids that can be a Graph object id; anything else would not name a WABA.
    if (!IsWabaId(s.waba_id)) continue;
    Watched& w = watched_[s.waba_id];
    Schedule(w, now_ms + Jitter(window), now_ms);
  }
}

std::int64_t Reconciler::Tick(std::int64_t now_ms) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mu_);
    AddSeenWabas(now_ms);
    if (app_paused_until_ms_ <= now_ms) {
      for (const auto& [waba, w] : watched_) {
        if (w.next_check_ms <= now_ms) due.push_back(waba);
      }
    }
  }
  for (const std::string& waba : due) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      // An earlier answer of this tick may have paused every WABA.
      if (app_paused_until_ms_ > now_()) break;
    }
    if (auto checked = Check(waba); !checked.ok()) {
      spdlog::error("reconciler: check of WABA {} not recorded: {}", waba,
                    checked.status().message());
    }
  }
  std::lock_guard lock(mu_);
  std::int64_t next = now_ms + options_.interval.count() * 1000;
  for (const auto& [waba, w] : watched_) next = std::min(next, w.next_check_ms);
  return std::max(next, app_paused_until_ms_);
}

Result<SubscriptionCheck> Reconciler::Check(const std::string& waba_id) {
  std::lock_guard calls(call_mu_);
  auto checked = Apply(waba_id, "check", graph_.GetSubscribedApps(waba_id));
  if (!checked.ok() || checked->state != SubscriptionState::kMissing ||
      !options_.auto_resubscribe) {
    return checked;
  }
  // Heal once: subscribe, then look again. A failed POST waits for the next check.
  spdlog::warn("reconciler: our app is not subscribed to WABA {}: subscribing again", waba_id);
  auto healed = Apply(waba_id, "resubscribe", graph_.Subscribe(waba_id));
  if (!healed.ok() || healed->state != SubscriptionState::kSubscribed) return checked;
  return Apply(waba_id, "check", graph_.GetSubscribedApps(waba_id));
}

Result<SubscriptionCheck> Reconciler::Apply(const std::string& waba_id, const std::string& action,
                                            const GraphAnswer& answer) {
  const std::int64_t now_ms = now_();
  Interpretation it = InterpretSubscribedApps(waba_id, options_.app_id, action, answer, now_ms);
  SubscriptionCheck& check = it.check;
  SubscriptionState previous = SubscriptionState::kUnknown;
  {
    std::lock_guard lock(mu_);
    Watched& w = watched_[waba_id];
    previous = w.state;
    if (it.throttle.pause || it.retry_soon) {
      ++w.failures;
    } else {
      w.failures = 0;
    }
    if (it.throttle.pause) {
      const std::int64_t until =
          it.throttle.regain_after_minutes
              ? now_ms +
                    std::max<std::int64_t>(*it.throttle.regain_after_minutes, 1) * kMillisPerMinute
              : now_ms + Backoff(w.failures);
      check.paused_until_ms = until;
      if (it.throttle.app_wide) {
        app_paused_until_ms_ = std::max(app_paused_until_ms_, until);
      } else {
        w.paused_until_ms = until;
      }
    }
    if (action == "check") {
      const std::int64_t interval_ms = options_.interval.count() * 1000;
      const std::int64_t next =
          it.retry_soon || (it.throttle.pause && !it.throttle.regain_after_minutes)
              ? now_ms + Backoff(w.failures)
              : now_ms + interval_ms + Jitter(interval_ms / 10);
      w.next_check_ms = std::max({next, w.paused_until_ms, app_paused_until_ms_});
    }
  }

  // Record through the journal's single writer connection, and wait for it.
  auto recorded = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto id_future = recorded->get_future();
  writer_.SubmitCheck(check,
                      [recorded](Result<std::int64_t> id) { recorded->set_value(std::move(id)); });
  if (id_future.wait_for(kRecordTimeout) != std::future_status::ready) {
    return Status::Unavailable("the journal did not record the check in time");
  }
  Result<std::int64_t> id = id_future.get();
  if (!id.ok()) return id.status();
  check.id = id.value();

  metrics_.CountSubscriptionCall(action, storage::ToString(check.state));
  // A resubscribe's outcome is about the POST; the state is what the next GET shows.
  if (action == "check") {
    std::lock_guard lock(mu_);
    Watched& w = watched_[waba_id];
    w.state = check.state;
    w.last_check = check;
  }
  if (action != "check") return check;
  metrics_.SetSubscriptionState(waba_id, storage::ToString(check.state),
                                previous != check.state && previous != SubscriptionState::kUnknown);
  if (previous != check.state) {
    if (check.state == SubscriptionState::kSubscribed) {
      spdlog::info("reconciler: WABA {} subscription {} -> {}", waba_id,
                   storage::ToString(previous), storage::ToString(check.state));
    } else {
      // The message is Meta's error text or the transport error (URL without its query):
      // neither carries the token or its proof.
      spdlog::warn("reconciler: WABA {} subscription {} -> {}{}{}{}", waba_id,
                   storage::ToString(previous), storage::ToString(check.state),
                   check.error_code ? " (error " + std::to_string(*check.error_code) + ")" : "",
                   check.error_message ? ": " + *check.error_message : "",
                   check.paused_until_ms ? "; calls paused" : "");
    }
  }
  return check;
}

std::vector<Reconciler::WabaStatus> Reconciler::Status() {
  std::lock_guard lock(mu_);
  std::vector<WabaStatus> out;
  for (const auto& [waba, w] : watched_) {
    WabaStatus s{waba, w.state, w.last_check, w.next_check_ms, std::nullopt};
    const std::int64_t paused = std::max(w.paused_until_ms, app_paused_until_ms_);
    if (paused > now_()) s.paused_until_ms = paused;
    out.push_back(std::move(s));
  }
  return out;
}

bool Reconciler::Watches(const std::string& waba_id) {
  std::lock_guard lock(mu_);
  return watched_.count(waba_id) > 0;
}

Result<Reconciler::CheckNowResult> Reconciler::CheckNow(const std::string& waba_id) {
  {
    std::lock_guard lock(mu_);
    auto it = watched_.find(waba_id);
    if (it == watched_.end()) return Status::NotFound("WABA " + waba_id + " is not watched");
    const std::int64_t paused = std::max(it->second.paused_until_ms, app_paused_until_ms_);
    if (paused > now_()) return CheckNowResult{std::nullopt, paused};
  }
  auto check = Check(waba_id);
  if (!check.ok()) return check.status();
  return CheckNowResult{std::move(check.value()), std::nullopt};
}

}  // namespace wj::server
