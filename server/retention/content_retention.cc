#include "server/retention/content_retention.h"

#include <charconv>

#include <spdlog/spdlog.h>

namespace wj::server {
namespace {

std::string Describe(std::chrono::seconds d) {
  const auto s = d.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

ContentRetention::ContentRetention(RetentionPolicy policy, Options options, Journal journal,
                                   std::function<std::int64_t()> now_ms)
    : policy_(std::move(policy)),
      options_(options),
      journal_(std::move(journal)),
      now_ms_(std::move(now_ms)) {}

ContentRetention::~ContentRetention() { Stop(); }

void ContentRetention::Start() {
  if (policy_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] {
    do {
      auto pass = RunOnce();
      if (!pass.ok()) {
        spdlog::warn("content retention: {}", pass.status().message());
      } else if (pass->events > 0) {
        spdlog::info("content retention erased {} events in {} erasures", pass->events,
                     pass->erasures);
      }
    } while (!stop_.WaitFor(options_.interval));
  });
}

void ContentRetention::Stop() {
  stop_.Trigger();
  if (thread_.joinable()) thread_.join();
}

Status ContentRetention::Drain(storage::ErasureRequest base, RetentionPass& pass) {
  base.scope = storage::ErasureScope::kBefore;
  base.requested_by = "retention";
  base.max_events = options_.batch_events;
  base.skip_empty = true;
  base.checkpoint = false;
  for (;;) {
    if (stop_.triggered()) return Status::Ok();
    base.requested_at_ms = now_ms_();
    auto erased = journal_.erase(base);
    if (!erased.ok()) return erased.status();
    ++pass.batches;
    bool more = false;
    for (const storage::ErasureRecord& r : erased.value()) {
      pass.events += r.events;
      ++pass.erasures;
      more = more || r.events >= options_.batch_events;
    }
    if (!more) return Status::Ok();
    // Let the writer commit the deliveries that queued meanwhile.
    if (stop_.WaitFor(options_.pause)) return Status::Ok();
  }
}

Result<RetentionPass> ContentRetention::RunOnce() {
  RetentionPass pass;
  const std::int64_t now = now_ms_();
  for (const auto& [waba_id, keep] : policy_.per_waba) {
    storage::ErasureRequest r;
    r.waba_id = waba_id;
    r.received_before_ms = now - keep.count() * 1000;
    r.reason = "content retention " + Describe(keep) + " for WABA " + waba_id;
    if (Status s = Drain(r, pass); !s.ok()) return s;
  }
  if (policy_.all) {
    storage::ErasureRequest r;
    r.received_before_ms = now - policy_.all->count() * 1000;
    r.reason = "content retention " + Describe(*policy_.all);
    for (const auto& [waba_id, keep] : policy_.per_waba) r.except_wabas.push_back(waba_id);
    if (Status s = Drain(r, pass); !s.ok()) return s;
  }
  if (pass.events > 0) {
    if (Status s = journal_.checkpoint(); !s.ok()) return s;
  }
  return pass;
}

Result<std::chrono::seconds> ParseRetention(const std::string& flag, const std::string& text) {
  std::string digits = text;
  std::int64_t unit = 1;
  if (!digits.empty() && (digits.back() < '0' || digits.back() > '9')) {
    const char suffix = digits.back();
    digits.pop_back();
    unit = suffix == 's'   ? 1
           : suffix == 'm' ? 60
           : suffix == 'h' ? 3600
           : suffix == 'd' ? 86400
                           : 0;
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (unit == 0 || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      n < 1 || n > 3660LL * 86400 / unit || n * unit < 60) {
    return Status::InvalidArgument("--" + flag +
                                   " must be a duration such as 30d, 12h or 90m (at least one"
                                   " minute, at most ten years)");
  }
  return std::chrono::seconds(n * unit);
}

}  // namespace wj::server
