#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/reconciler/graph_client.h"
#include "server/reconciler/reconciler_metrics.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"
#include "storage/subscription_check.h"

namespace wj::server {

struct ReconcilerOptions {
  GraphOptions graph;
  std::string app_id;              // our app: which entry of data[] is us
  std::vector<std::string> wabas;  // always watched
  bool watch_seen_wabas = false;   // also every WABA that appears in the journal
  std::chrono::seconds interval{15 * 60};
  bool auto_resubscribe = false;
};

// Watches each WABA's subscribed_apps on the Graph API: one GET per WABA per interval,
// spread with jitter; every answer recorded, append-only, through the journal's writer; a
// change of state logged and counted. With auto_resubscribe, a WABA found `missing` gets
// one POST subscribed_apps and an immediate re-check. Never DELETEs.
//
// Rate limits: an answer asking to slow down (usage >= 90 %, error 4/17/32/613/80008)
// pauses calls to that WABA (to all of them for app-level limits) until Meta's
// estimated_time_to_regain_access, or, without one, with exponential backoff; errors and
// timeouts back off exponentially too.
//
// Thread-safety: Start/Stop from the controlling thread; Status() and CheckNow() from any
// thread. Graph calls are made one at a time.
class Reconciler {
 public:
  using Clock = std::function<std::int64_t()>;  // unix milliseconds

  struct WabaStatus {
    std::string waba_id;
    storage::SubscriptionState state = storage::SubscriptionState::kUnknown;
    std::optional<storage::SubscriptionCheck> last_check;
    std::int64_t next_check_ms = 0;
    std::optional<std::int64_t> paused_until_ms;  // when calls are paused (WABA or app-wide)
  };

  struct CheckNowResult {
    std::optional<storage::SubscriptionCheck> check;  // the check made, when one was
    std::optional<std::int64_t> paused_until_ms;      // set instead when calls are paused
  };

  // `writer` records checks; `reader` gives the last state of each WABA (read here, so a
  // restart keeps states and the schedule) and lists seen WABAs.
  // All must outlive the reconciler. `seed` makes the jitter reproducible in tests.
  Reconciler(ReconcilerOptions options, storage::GroupCommitWriter& writer,
             storage::JournalReader& reader, ReconcilerMetrics& metrics, Clock now,
             std::uint64_t seed = std::random_device{}());
  ~Reconciler();  // stops as Stop() does
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Starts the scheduling thread.
  void Start();
  // Stops it; a call in flight finishes first (bounded by the Graph timeout). Idempotent.
  void Stop();

  // Checks every WABA due at `now_ms` (sequentially), then returns when the next one is due.
  // The thread calls it; tests call it directly with their own clock instead of Start().
  std::int64_t Tick(std::int64_t now_ms);

  // Every watched WABA, by id.
  std::vector<WabaStatus> Status();
  bool Watches(const std::string& waba_id);
  std::chrono::seconds interval() const { return options_.interval; }

  // Checks `waba_id` now, outside the schedule, unless calls to it are paused (then
  // paused_until_ms is set and no call is made). NotFound when the WABA is not watched;
  // Unavailable when the check could not be recorded.
  Result<CheckNowResult> CheckNow(const std::string& waba_id);

 private:
  struct Watched {
    storage::SubscriptionState state = storage::SubscriptionState::kUnknown;
    std::optional<storage::SubscriptionCheck> last_check;
    std::int64_t next_check_ms = 0;
    std::int64_t paused_until_ms = 0;
    int failures = 0;  // consecutive errors / throttles without a regain time
  };

  // Loads the last checks and schedules the watched WABAs (first checks spread over the
  // first minute, or the interval when shorter). Caller holds mu_.
  void Restore(std::int64_t now_ms);
  // Adds WABAs seen in the journal, when asked to. Caller holds mu_.
  void AddSeenWabas(std::int64_t now_ms);
  void Schedule(Watched& w, std::int64_t first_due_ms, std::int64_t now_ms);
  // One GET (and, if missing and asked, a POST and a re-check). Holds call_mu_, not mu_.
  Result<storage::SubscriptionCheck> Check(const std::string& waba_id);
  // Records an interpreted answer, updates the schedule and state. Returns the stored check.
  Result<storage::SubscriptionCheck> Apply(const std::string& waba_id, const std::string& action,
                                           const GraphAnswer& answer);
  std::int64_t Backoff(int failures);
  std::int64_t Jitter(std::int64_t span_ms);
  void Run();

  const ReconcilerOptions options_;
  storage::GroupCommitWriter& writer_;
  storage::JournalReader& reader_;
  ReconcilerMetrics& metrics_;
  const Clock now_;

  std::mutex call_mu_;  // one Graph call at a time
  GraphClient graph_;   // guarded by call_mu_

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Watched> watched_;  // guarded by mu_
  std::int64_t app_paused_until_ms_ = 0;    // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::mt19937_64 random_;                  // guarded by mu_
  std::thread thread_;
};

}  // namespace wj::server
