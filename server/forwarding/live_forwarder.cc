#include "server/forwarding/live_forwarder.h"

#include <spdlog/spdlog.h>

#include "server/forwarding/forward_source.h"

namespace wj::server {
namespace {

// How long to wait before reading the journal again after a read failure.
constexpr std::chrono::seconds kReadRetry{1};
// The longest idle wait: bounds how long Stop() waits for an idle forwarder.
constexpr std::chrono::milliseconds kIdleWait{250};

}  // namespace

LiveForwarder::LiveForwarder(const Destination& destination, ForwardingOptions options,
                             storage::JournalReader& reader, storage::GroupCommitWriter& writer,
                             Resolver resolve, std::function<std::int64_t()> now_ms,
                             ForwardActivitySnapshot restored)
    : destination_(destination),
      options_(options),
      reader_(reader),
      writer_(writer),
      resolve_(std::move(resolve)),
      now_ms_(std::move(now_ms)),
      activity_(std::move(restored)) {}

LiveForwarder::~LiveForwarder() { Stop(); }

void LiveForwarder::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LiveForwarder::Stop() {
  stop_.Trigger();
  if (thread_.joinable()) thread_.join();
}

void LiveForwarder::Persist(std::int64_t cursor) {
  storage::ForwardUpdate update;
  const ForwardActivitySnapshot now = activity_.Snapshot();
  update.cursors.push_back(
      {destination_.name, now.start_seq, cursor, now_ms_(), now.last_success_ms});
  const std::string name = destination_.name;
  writer_.SubmitForwardUpdate(std::move(update), [name](const Status& s) {
    // Not fatal: the next write carries a newer cursor; until then a restart re-sends.
    if (!s.ok()) spdlog::warn("destination {}: cursor not saved: {}", name, s.message());
  });
}

void LiveForwarder::Run() {
  ForwardSender sender(destination_, options_.sender, resolve_, &stop_);
  ForwardActivity* activity = &activity_;
  storage::GroupCommitWriter* writer = &writer_;
  EventDeliverer deliverer(
      destination_.name, sender, options_.retry,
      [activity, writer](const storage::ForwardAttempt& attempt) {
        activity->Failed(attempt);
        storage::ForwardUpdate update;
        update.attempts.push_back(attempt);
        writer->SubmitForwardUpdate(std::move(update), [](const Status&) {});
      },
      now_ms_);
  ForwardSource source(destination_, reader_);
  std::int64_t cursor = activity_.Snapshot().cursor;
  std::int64_t persisted = cursor;
  auto last_persist = std::chrono::steady_clock::now();
  auto persist_if_due = [&](bool now) {
    if (cursor == persisted) return;
    const auto t = std::chrono::steady_clock::now();
    if (!now && t - last_persist < options_.persist_every) return;
    Persist(cursor);
    persisted = cursor;
    last_persist = t;
  };

  while (!stop_.triggered()) {
    // The tip before the read: when the read finds nothing, everything up to it is done.
    const std::int64_t tip = writer_.Committed().events;
    storage::EventFilter filter;
    filter.after = cursor;
    filter.limit = options_.page_size;
    auto page = source.Next(filter);
    if (!page.ok()) {
      spdlog::warn("destination {}: reading the journal failed: {}", destination_.name,
                   page.status().message());
      stop_.WaitFor(kReadRetry);
      continue;
    }
    for (const storage::StoredEvent& event : page.value().events) {
      auto request = source.RequestFor(event, std::nullopt);
      if (!request.ok()) {
        spdlog::warn("destination {}: building event {} failed: {}", destination_.name, event.seq,
                     request.status().message());
        stop_.WaitFor(kReadRetry);
        break;  // read again from the cursor
      }
      if (request.value()) {
        DeliveryResult r = deliverer.Deliver(*request.value(), event.seq, std::nullopt, stop_);
        if (r == DeliveryResult::kInterrupted) break;
        if (r == DeliveryResult::kDelivered) activity_.Delivered(event.seq, now_ms_());
      } else {
        activity_.Skipped(event.seq);
      }
      cursor = event.seq;
      persist_if_due(false);
    }
    if (stop_.triggered()) break;
    if (page.value().events.empty()) {
      // Caught up: events up to the tip either do not match or are done.
      if (tip > cursor) {
        cursor = tip;
        activity_.Skipped(tip);
      }
      persist_if_due(true);
      writer_.WaitForEventsAfter(cursor, kIdleWait);
    }
  }
  persist_if_due(true);
}

}  // namespace wj::server
