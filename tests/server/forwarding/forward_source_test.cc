#include "server/forwarding/forward_source.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "server/meta/envelope_parser.h"
#include "storage/journal_store.h"
#include "tests/support/journal_records.h"
#include "tests/support/payloads.h"
#include "tests/support/temp_dir.h"

namespace wj::server {
namespace {

// Two customers' messages in one delivery, then the first customer erased: nothing of the
// erased event may go out, and the other event may no longer go out as Meta's original
// bytes (they held the erased customer's too), only re-signed from its kept value.
TEST(ForwardSourceTest, ErasedContentIsNeverSent) {
  testing::TempDir dir;
  auto store = storage::OpenJournalStore(dir.File("journal.db")).value();
  auto writer = store->OpenWriter().value();
  const std::string body = testing::Change(
      "102290129340398", "messages",
      R"({"messaging_product":"whatsapp","messages":[{"from":"111","id":"wamid.X1","type":"text","text":{"body":"a"}},{"from":"222","id":"wamid.X2","type":"text","text":{"body":"b"}}]})");
  storage::DeliveryRecord d = testing::DeliveryOf(ParseDeliveryBody(body).events, body);
  testing::AppendBatch(*writer, {d});
  storage::ErasureRequest erase;
  erase.waba_id = "102290129340398";
  erase.wa_id = "111";
  erase.reason = "request";
  ASSERT_TRUE(writer->Erase(erase).ok());
  auto reader = store->OpenReader(1).value();
  const storage::StoredEvent erased = *reader->Event(1).value();
  const storage::StoredEvent kept = *reader->Event(2).value();

  const Destination resign{"crm", "https://crm.example.com/", "s", ForwardMode::kResign, {}, {}};
  const Destination original{"raw", "https://raw.example.com/", "", ForwardMode::kOriginal, {}, {}};
  ForwardSource resigned(resign, *reader);
  ForwardSource originals(original, *reader);

  EXPECT_FALSE(resigned.RequestFor(erased, std::nullopt).value().has_value());
  auto sent = resigned.RequestFor(kept, std::nullopt);
  ASSERT_TRUE(sent.ok() && sent.value().has_value());
  EXPECT_NE(sent.value()->body.find("wamid.X2"), std::string::npos);
  EXPECT_EQ(sent.value()->body.find("wamid.X1"), std::string::npos);
  EXPECT_FALSE(originals.RequestFor(erased, std::nullopt).value().has_value());
  EXPECT_FALSE(originals.RequestFor(kept, std::nullopt).value().has_value());
}

}  // namespace
}  // namespace wj::server
