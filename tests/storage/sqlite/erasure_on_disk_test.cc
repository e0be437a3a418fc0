// Erasure as an auditor checks it: after the answer, none of the erased customer's bytes is
// left anywhere in the database's files, while another customer's still are.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/erasure.h"
#include "storage/journal_store.h"
#include "tests/support/journal_records.h"
#include "tests/support/temp_dir.h"

namespace wj::storage::sqlite {
namespace {

const std::string kWaba = "102290129340398";

struct Canaries {
  std::string number;
  std::string name;
  std::string text;
  std::string wamid;
};

const Canaries kAnn{"16505550001", "Annabel Canarywing", "my secret is papaya-7731",
                    "wamid.HBgLMTY1MDU1NTAwMDEVAgASGBQzQUNBTkFSWUFOTg=="};
const Canaries kBob{"16505550002", "Bartholomew Keepsake", "the code is mango-4410",
                    "wamid.HBgLMTY1MDU1NTAwMDIVAgASGBQzQUNBTkFSWUJPQg=="};

// One inbound text delivery as Meta sends it; its value is the body's own bytes.
DeliveryRecord InboundText(const Canaries& c, int n) {
  const std::string wamid = c.wamid + std::to_string(n);
  EventRecord e;
  e.object = "whatsapp_business_account";
  e.waba_id = kWaba;
  e.field = "messages";
  e.dedup_key = "message:" + wamid;
  e.wamid = wamid;
  e.customers = {c.number};
  e.kind = "message";
  e.value = R"({"messaging_product":"whatsapp","contacts":[{"profile":{"name":")" + c.name +
            R"("},"wa_id":")" + c.number + R"("}],"messages":[{"from":")" + c.number +
            R"(","id":")" + wamid + R"(","type":"text","text":{"body":")" + c.text + R"("}}]})";
  const std::string head = R"({"object":"whatsapp_business_account","entry":[{"id":")" + kWaba +
                           R"(","changes":[{"field":"messages","value":)";
  e.value_offset = head.size();
  DeliveryRecord d = wj::testing::DeliveryOf({}, head + e.value + "}]}]}");
  d.signature = "sha256=" + std::string(64, 'c');
  d.events = {e};
  return d;
}

// Every file of the journal (database, -wal, -shm), as bytes.
std::string FilesOf(const std::string& db) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream in(db + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

std::vector<std::string> Found(const std::string& bytes, const Canaries& c) {
  std::vector<std::string> found;
  for (const std::string& canary : {c.number, c.name, c.text, c.wamid}) {
    if (bytes.find(canary) != std::string::npos) found.push_back(canary);
  }
  return found;
}

TEST(ErasureOnDiskTest, NoErasedByteRemainsInTheDatabaseOrItsLogs) {
  wj::testing::TempDir dir;
  const std::string db = dir.File("journal.db");
  auto writer = OpenJournalStore(db).value()->OpenWriter();
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  // Enough rows that the bodies spread over many pages and the WAL holds several frames.
  for (int n = 0; n < 40; ++n) {
    wj::testing::AppendBatch(*writer.value(), {InboundText(kAnn, n), InboundText(kBob, n)});
  }
  ASSERT_EQ(Found(FilesOf(db), kAnn).size(), 4u);

  ErasureRequest r;
  r.waba_id = kWaba;
  r.wa_id = kAnn.number;
  r.reason = "erasure request";
  r.requested_by = "auditor";
  auto erased = writer.value()->Erase(r);
  ASSERT_TRUE(erased.ok()) << erased.status().message();
  ASSERT_EQ(erased->front().events, 40);

  // The service is still running (its writer open) when the auditor looks.
  const std::string bytes = FilesOf(db);
  EXPECT_EQ(Found(bytes, kAnn), std::vector<std::string>{});
  EXPECT_EQ(Found(bytes, kBob).size(), 4u);
  EXPECT_EQ(std::filesystem::file_size(db + "-wal"), 0u);
}

}  // namespace
}  // namespace wj::storage::sqlite
