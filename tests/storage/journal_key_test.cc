#include "storage/journal_key.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "tests/support/journal_records.h"
#include "tests/support/storage_engines.h"
#include "tests/support/temp_dir.h"
#include <sys/stat.h>

namespace wj::storage {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');

TEST(JournalKeyTest, FromHexTakesExactlySixtyFourHexDigits) {
  EXPECT_TRUE(JournalKey::FromHex(kHexA).ok());
  EXPECT_TRUE(JournalKey::FromHex(std::string(64, 'F')).ok());
  for (const std::string& bad :
       {std::string(), std::string(63, 'a'), std::string(66, 'a'), std::string(63, 'a') + "g"}) {
    auto key = JournalKey::FromHex(bad);
    EXPECT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(JournalKeyTest, DigestDependsOnKeyDomainAndValue) {
  const JournalKey a = JournalKey::FromHex(kHexA).value();
  const JournalKey b = JournalKey::FromHex(kHexB).value();
  const KeyedDigest reference = a.Digest(kWamidDomain, "wamid.1");
  EXPECT_EQ(a.Digest(kWamidDomain, "wamid.1"), reference);
  EXPECT_NE(b.Digest(kWamidDomain, "wamid.1"), reference);
  EXPECT_NE(a.Digest(kDedupDomain, "wamid.1"), reference);
  EXPECT_NE(a.Digest(kWamidDomain, "wamid.2"), reference);
  // Domain and value are separated: moving a byte across them changes the digest.
  EXPECT_NE(a.Digest("ab", "c"), a.Digest("a", "bc"));
}

TEST(JournalKeyTest, LoadCreatesAPrivateKeyFileOnlyWhenAsked) {
  wj::testing::TempDir dir;
  const KeySource source{"", dir.File("journal.db.key")};
  auto missing = LoadJournalKey(source, /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(source.file));

  auto created = LoadJournalKey(source, /*create=*/true);
  ASSERT_TRUE(created.ok()) << created.status().message();
  struct stat st {};
  ASSERT_EQ(::stat(source.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadJournalKey(source, /*create=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Hex(), created->Hex());
}

TEST(JournalKeyTest, HexFromTheEnvironmentWinsOverTheFile) {
  wj::testing::TempDir dir;
  auto key = LoadJournalKey({kHexB, dir.File("none.key")}, /*create=*/true);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->Hex(), kHexB);
  EXPECT_FALSE(std::filesystem::exists(dir.File("none.key")));
  auto bad = LoadJournalKey({"zz", dir.File("none.key")}, true);
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
}

// The journal refuses a key that is not its own, and a missing one: digests made with
// another key would silently find nothing and miss redeliveries.
class JournalKeyStoreTest : public wj::testing::StorageTest {};

TEST_P(JournalKeyStoreTest, JournalRefusesAnotherKey) {
  StoreOptions a;
  a.journal_key = kHexA;
  const std::string db = NewDb();
  {
    auto writer = Writer(db, a);
    ASSERT_NE(writer, nullptr);
    wj::testing::AppendBatch(*writer, {wj::testing::DeliveryOf({wj::testing::MessageEvent("k")})});
  }
  StoreOptions b;
  b.journal_key = kHexB;
  auto writer = Store(db, b)->OpenWriter();
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(writer.status().message().find("not this journal's"), std::string::npos);
  auto reader = Store(db, b)->OpenReader(1);
  EXPECT_FALSE(reader.ok());
  EXPECT_TRUE(Store(db, a)->OpenReader(1).ok());
}

TEST_P(JournalKeyStoreTest, MissingKeyOfAnExistingJournalIsNotReplaced) {
  const std::string db = NewDb();
  ASSERT_NE(Writer(db), nullptr);
  const std::string key_file = KeyFileBeside(db);
  ASSERT_TRUE(std::filesystem::exists(key_file));
  std::filesystem::remove(key_file);

  auto writer = Store(db)->OpenWriter();
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(writer.status().message().find(key_file), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(key_file));
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(JournalKeyStoreTest);

}  // namespace
}  // namespace wj::storage
