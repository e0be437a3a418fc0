#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/util/interrupt.h"
#include "storage/erasure.h"
#include "storage/status.h"

namespace wj::server {

// How long customers' content is kept: a default for every WABA and overrides per WABA.
// None at all: content is kept (the default of `serve`).
struct RetentionPolicy {
  std::optional<std::chrono::seconds> all;
  std::map<std::string, std::chrono::seconds> per_waba;

  bool empty() const { return !all && per_waba.empty(); }
};

// What one pass erased.
struct RetentionPass {
  std::int64_t events = 0;
  std::int64_t erasures = 0;  // tombstones appended
  std::int64_t batches = 0;
};

// Erases, every `interval`, the customers' content received longer ago than the policy
// allows (scope "before", requested_by "retention"), through the journal's writer, in
// batches of at most `batch_events` events per WABA with a pause between them: ingest keeps
// its latency while a large backlog goes. After the last batch of a pass, one checkpoint
// drops the erased bytes from the write-ahead log.
//
// Thread-safety: Start/Stop/RunOnce from one controlling thread; RunOnce must not overlap
// a started loop.
class ContentRetention {
 public:
  struct Options {
    std::chrono::milliseconds interval{std::chrono::hours(1)};
    std::int64_t batch_events = 200;
    std::chrono::milliseconds pause{250};
  };
  // Blocking calls into the journal's writer.
  struct Journal {
    std::function<Result<std::vector<storage::ErasureRecord>>(const storage::ErasureRequest&)>
        erase;
    std::function<Status()> checkpoint;
  };

  ContentRetention(RetentionPolicy policy, Options options, Journal journal,
                   std::function<std::int64_t()> now_ms);
  ~ContentRetention();  // stops as Stop() does
  ContentRetention(const ContentRetention&) = delete;
  ContentRetention& operator=(const ContentRetention&) = delete;

  // Starts the loop: a first pass at once, then one every interval.
  void Start();
  void Stop();

  // One pass now. Stops early (returning what was done) when Stop() is called.
  Result<RetentionPass> RunOnce();

 private:
  // Erases, batch after batch, everything `base` matches.
  Status Drain(storage::ErasureRequest base, RetentionPass& pass);

  const RetentionPolicy policy_;
  const Options options_;
  const Journal journal_;
  const std::function<std::int64_t()> now_ms_;
  Interrupt stop_;
  std::thread thread_;
};

// Parses a retention such as "30d", "12h", "90m" or seconds, between one minute and ten
// years. InvalidArgument naming `flag` otherwise.
Result<std::chrono::seconds> ParseRetention(const std::string& flag, const std::string& text);

}  // namespace wj::server
