#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_writer.h"

namespace wj::testing {

// A messages event of one WABA with dedup key `dedup_key`, for storage tests.
inline storage::EventRecord MessageEvent(const std::string& dedup_key,
                                         std::optional<std::string> wamid = std::nullopt) {
  storage::EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = "102290129340398";
  e.field = "messages";
  e.dedup_key = dedup_key;
  e.wamid = std::move(wamid);
  e.customers = {"16505551234"};
  e.value = R"({"messaging_product":"whatsapp","key":")" + dedup_key + R"("})";
  return e;
}

// A delivery holding `events`, received from loopback, for storage tests.
inline storage::DeliveryRecord DeliveryOf(std::vector<storage::EventRecord> events,
                                          std::string body = "{}") {
  storage::DeliveryRecord d;
  d.received_at_ms = 1749416383000;
  d.peer = "127.0.0.1";
  d.signature = "sha256=00";
  d.body = std::move(body);
  d.events = std::move(events);
  return d;
}

// Appends `deliveries` to `journal` as one batch and returns the result.
inline Status TryAppendBatch(storage::JournalWriter& journal,
                             const std::vector<storage::DeliveryRecord>& deliveries,
                             std::vector<storage::AppendedDelivery>* out) {
  std::vector<const storage::DeliveryRecord*> batch;
  for (const storage::DeliveryRecord& d : deliveries) batch.push_back(&d);
  return journal.AppendBatch(batch, out);
}

// The same; fails the test unless the append succeeds.
inline std::vector<storage::AppendedDelivery> AppendBatch(
    storage::JournalWriter& journal, const std::vector<storage::DeliveryRecord>& deliveries) {
  std::vector<storage::AppendedDelivery> out;
  const Status status = TryAppendBatch(journal, deliveries, &out);
  EXPECT_TRUE(status.ok()) << status.message();
  return out;
}

}  // namespace wj::testing
