#include "server/forwarding/forward_source.h"

#include <algorithm>

namespace wj::server {

std::vector<std::string> Narrow(const std::vector<std::string>& requested,
                                const std::vector<std::string>& allowed) {
  if (allowed.empty()) return requested;
  if (requested.empty()) return allowed;
  std::vector<std::string> out;
  for (const std::string& v : requested) {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) out.push_back(v);
  }
  return out;
}

bool NothingMatches(const std::vector<std::string>& requested,
                    const std::vector<std::string>& allowed) {
  return !requested.empty() && !allowed.empty() && Narrow(requested, allowed).empty();
}

ForwardSource::ForwardSource(const Destination& destination, storage::JournalReader& reader)
    : destination_(destination), reader_(reader) {}

Result<storage::EventPage> ForwardSource::Next(storage::EventFilter filter) const {
  if (NothingMatches(filter.waba_ids, destination_.waba_ids) ||
      NothingMatches(filter.fields, destination_.fields)) {
    return storage::EventPage{};
  }
  filter.waba_ids = Narrow(filter.waba_ids, destination_.waba_ids);
  filter.fields = Narrow(filter.fields, destination_.fields);
  filter.descending = false;
  return reader_.Events(filter);
}

Result<std::optional<ForwardRequest>> ForwardSource::RequestFor(
    const storage::StoredEvent& event, std::optional<std::int64_t> replay_id) {
  // Erased content is never sent again; the event counts as skipped ("erased").
  if (!event.value) return std::optional<ForwardRequest>();
  if (destination_.mode == ForwardMode::kResign) {
    return std::optional(ResignedRequest(destination_, event, *event.value, replay_id));
  }
  if (event.delivery_id == 0 || event.delivery_id == last_delivery_) {
    return std::optional<ForwardRequest>();  // a tombstone has no original bytes
  }
  auto delivery = reader_.Delivery(event.delivery_id);
  if (!delivery.ok()) return delivery.status();
  if (!delivery.value()) {
    return Status::Internal("delivery " + std::to_string(event.delivery_id) + " is missing");
  }
  last_delivery_ = event.delivery_id;
  // A delivery that also held an erased customer's event has lost its bytes: there is no
  // original left to send.
  if (!delivery.value()->body || !delivery.value()->signature) {
    return std::optional<ForwardRequest>();
  }
  return std::optional(OriginalRequest(*delivery.value(), event.seq, replay_id));
}

}  // namespace wj::server
