#include "storage/chain_hash.h"

#include <optional>
#include <string>

namespace wj::storage {
namespace {

void UpdatePrevious(Sha256Hasher& h, const Sha256Digest& previous) {
  h.Update(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()));
}

// Absent values are encoded with a distinct tag so that "absent" never equals "empty".
void UpdateOptional(Sha256Hasher& h, const std::optional<std::string>& v) {
  h.UpdateField(std::int64_t{v.has_value() ? 1 : 0});
  if (v) h.UpdateField(*v);
}

void UpdateOptional(Sha256Hasher& h, const std::optional<std::int64_t>& v) {
  h.UpdateField(std::int64_t{v.has_value() ? 1 : 0});
  if (v) h.UpdateField(*v);
}

}  // namespace

Sha256Digest ChainDelivery(const Sha256Digest& previous, const DeliveryRow& row) {
  Sha256Hasher h;
  UpdatePrevious(h, previous);
  h.UpdateField(row.id);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(row.peer);
  h.UpdateField(row.signature);
  h.UpdateField(row.body);
  h.UpdateField(std::int64_t{row.parse_error != nullptr ? 1 : 0});
  if (row.parse_error != nullptr) h.UpdateField(*row.parse_error);
  h.UpdateField(row.event_count);
  if (const ClientCertificate* c = row.client_certificate) {
    h.UpdateField(std::int64_t{1});
    h.UpdateField(c->subject);
    h.UpdateField(c->issuer);
    h.UpdateField(c->serial);
    h.UpdateField(c->sha256);
  }
  return h.Finish();
}

Sha256Digest ChainEvent(const Sha256Digest& previous, const EventRow& row) {
  const EventRecord& e = *row.event;
  Sha256Hasher h;
  UpdatePrevious(h, previous);
  h.UpdateField(row.seq);
  h.UpdateField(row.delivery_id);
  h.UpdateField(e.object);
  h.UpdateField(e.waba_id);
  h.UpdateField(e.field);
  UpdateOptional(h, e.event_time);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(e.dedup_key);
  h.UpdateField(row.duplicate_of);
  UpdateOptional(h, e.wamid);
  UpdateOptional(h, e.wa_id);
  h.UpdateField(e.value);
  return h.Finish();
}

}  // namespace wj::storage
