#include "storage/chain_hash.h"

#include <string>

namespace wj::storage {
namespace {

std::string_view Bytes(const auto& digest) {
  return std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// Absent values are encoded with a distinct tag so that "absent" never equals "empty".
template <typename T>
void UpdateOptional(Sha256Hasher& h, const std::optional<T>& v) {
  h.UpdateField(std::int64_t{v.has_value() ? 1 : 0});
  if (v) h.UpdateField(*v);
}

void UpdateOptional(Sha256Hasher& h, const std::optional<KeyedDigest>& v) {
  h.UpdateField(std::int64_t{v.has_value() ? 1 : 0});
  if (v) h.UpdateField(Bytes(*v));
}

void UpdateCertificate(Sha256Hasher& h, const ClientCertificate* c) {
  // Appended only when present, so rows written before certificates were recorded keep
  // their hashes.
  if (c == nullptr) return;
  h.UpdateField(std::int64_t{1});
  h.UpdateField(c->subject);
  h.UpdateField(c->issuer);
  h.UpdateField(c->serial);
  h.UpdateField(c->sha256);
}

void UpdateParseError(Sha256Hasher& h, const std::string* parse_error) {
  h.UpdateField(std::int64_t{parse_error != nullptr ? 1 : 0});
  if (parse_error != nullptr) h.UpdateField(*parse_error);
}

}  // namespace

Sha256Digest ChainDelivery(const Sha256Digest& previous, const DeliveryRow& row) {
  Sha256Hasher h;
  h.Update(Bytes(previous));
  h.UpdateField(row.id);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(row.peer);
  UpdateParseError(h, row.parse_error);
  h.UpdateField(row.event_count);
  h.UpdateField(Bytes(row.content_commit));
  UpdateCertificate(h, row.client_certificate);
  return h.Finish();
}

Sha256Digest ChainEvent(const Sha256Digest& previous, const EventRow& row) {
  Sha256Hasher h;
  h.Update(Bytes(previous));
  h.UpdateField(row.seq);
  h.UpdateField(row.delivery_id);
  h.UpdateField(row.object);
  h.UpdateField(row.waba_id);
  h.UpdateField(row.field);
  UpdateOptional(h, row.event_time);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(row.duplicate_of);
  UpdateOptional(h, row.kind);
  UpdateOptional(h, row.status);
  UpdateOptional(h, row.item_time);
  h.UpdateField(row.error_codes);
  h.UpdateField(std::int64_t{row.customer_data ? 1 : 0});
  const std::size_t subjects = row.subjects != nullptr ? row.subjects->size() : 0;
  h.UpdateField(static_cast<std::int64_t>(subjects));
  for (std::size_t i = 0; i < subjects; ++i) h.UpdateField(Bytes((*row.subjects)[i]));
  h.UpdateField(row.dedup);
  UpdateOptional(h, row.target);
  h.UpdateField(Bytes(row.content_commit));
  return h.Finish();
}

Sha256Digest ChainV1Delivery(const Sha256Digest& previous, const V1DeliveryRow& row) {
  Sha256Hasher h;
  h.Update(Bytes(previous));
  h.UpdateField(row.id);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(row.peer);
  h.UpdateField(row.signature);
  h.UpdateField(row.body);
  UpdateParseError(h, row.parse_error);
  h.UpdateField(row.event_count);
  UpdateCertificate(h, row.client_certificate);
  return h.Finish();
}

Sha256Digest ChainV1Event(const Sha256Digest& previous, const V1EventRow& row) {
  Sha256Hasher h;
  h.Update(Bytes(previous));
  h.UpdateField(row.seq);
  h.UpdateField(row.delivery_id);
  h.UpdateField(row.object);
  h.UpdateField(row.waba_id);
  h.UpdateField(row.field);
  UpdateOptional(h, row.event_time);
  h.UpdateField(row.received_at_ms);
  h.UpdateField(row.dedup_key);
  h.UpdateField(row.duplicate_of);
  UpdateOptional(h, row.wamid);
  UpdateOptional(h, row.wa_id);
  h.UpdateField(row.value);
  return h.Finish();
}

Sha256Digest UpgradedGenesis(std::string_view chain, std::int64_t old_rows,
                             const Sha256Digest& old_tip) {
  Sha256Hasher h;
  h.UpdateField(std::string_view("waba-journal schema 5 chain"));
  h.UpdateField(chain);
  h.UpdateField(old_rows);
  h.UpdateField(Bytes(old_tip));
  return h.Finish();
}

}  // namespace wj::storage
