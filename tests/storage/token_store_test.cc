#include "storage/token_store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/migration.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

constexpr std::int64_t kNow = 1'750'000'000'000;

// A lowercase hex SHA-256, distinct per `c`.
std::string Hash(char c) { return std::string(64, c); }

class TokenStoreTest : public wj::testing::StorageTest {
 protected:
  std::string Db() const { return NewDb(); }

  std::unique_ptr<TokenStore> Writable() { return Tokens(Db(), Access::kWritable); }

  std::unique_ptr<TokenStore> ReadOnly() { return Tokens(Db(), Access::kReadOnly); }

  TokenRecord MustCreate(TokenStore& store, const std::string& name, TokenScope scope,
                         const std::vector<std::string>& wabas, const std::string& hash,
                         std::int64_t now_ms = kNow) {
    auto created = store.Create(name, scope, wabas, hash, now_ms);
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? created.value() : TokenRecord{};
  }

  std::optional<TokenRecord> Find(TokenStore& store, const std::string& hash) {
    auto found = store.FindActive(hash);
    EXPECT_TRUE(found.ok()) << found.status().message();
    return found.ok() ? found.value() : std::nullopt;
  }

  std::vector<TokenRecord> ListAll(TokenStore& store) {
    auto all = store.List();
    EXPECT_TRUE(all.ok()) << all.status().message();
    return all.ok() ? all.value() : std::vector<TokenRecord>{};
  }
};

std::vector<std::int64_t> IdsOf(const std::vector<TokenRecord>& tokens) {
  std::vector<std::int64_t> out;
  for (const TokenRecord& t : tokens) out.push_back(t.id);
  return out;
}

// The schema version and tables on SQLite are checked in tests/storage/sqlite.
TEST_P(TokenStoreTest, OpenWritableCreatesAndMigratesFreshFile) {
  ASSERT_FALSE(Exists(Db()));
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(Exists(Db()));
  EXPECT_TRUE(ListAll(*store).empty());

  // Fully migrated: migrating again applies nothing...
  auto journal = Store(Db());
  ASSERT_NE(journal, nullptr);
  auto again = journal->Migrate();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_GT(again->from_version, 0);
  EXPECT_EQ(again->from_version, again->to_version);
  // ... and the journal's tables are there beside the tokens'.
  auto reader = Reader(Db());
  ASSERT_NE(reader, nullptr);
  auto stats = reader->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->deliveries, 0);
  EXPECT_EQ(stats->events, 0);
  EXPECT_TRUE(Verify(Db()).ok);
}

TEST_P(TokenStoreTest, OpenWritableTwiceKeepsExistingTokens) {
  {
    auto store = Writable();
    ASSERT_NE(store, nullptr);
    MustCreate(*store, "ci", TokenScope::kRead, {}, Hash('a'));
  }
  auto again = Writable();
  ASSERT_NE(again, nullptr);
  std::vector<TokenRecord> all = ListAll(*again);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "ci");
}

TEST_P(TokenStoreTest, CreateThenFindActiveReturnsNameScopeAndSortedWabas) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);

  TokenRecord created =
      MustCreate(*store, "dashboard", TokenScope::kReplay, {"300", "100", "200"}, Hash('a'));
  EXPECT_EQ(created.id, 1);
  EXPECT_EQ(created.name, "dashboard");
  EXPECT_EQ(created.scope, TokenScope::kReplay);
  EXPECT_EQ(created.waba_ids, (std::vector<std::string>{"100", "200", "300"}));
  EXPECT_EQ(created.created_at_ms, kNow);
  EXPECT_FALSE(created.revoked_at_ms.has_value());

  std::optional<TokenRecord> found = Find(*store, Hash('a'));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, 1);
  EXPECT_EQ(found->name, "dashboard");
  EXPECT_EQ(found->scope, TokenScope::kReplay);
  EXPECT_EQ(found->waba_ids, (std::vector<std::string>{"100", "200", "300"}));
  EXPECT_EQ(found->created_at_ms, kNow);
  EXPECT_FALSE(found->revoked_at_ms.has_value());
}

TEST_P(TokenStoreTest, TokenWithoutWabasIsUnrestricted) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  MustCreate(*store, "ops", TokenScope::kAdmin, {}, Hash('b'));
  std::optional<TokenRecord> found = Find(*store, Hash('b'));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->scope, TokenScope::kAdmin);
  EXPECT_TRUE(found->waba_ids.empty());
}

TEST_P(TokenStoreTest, FindActiveOfUnknownHashIsNullopt) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(Find(*store, Hash('a')).has_value());
  MustCreate(*store, "one", TokenScope::kRead, {"100"}, Hash('a'));
  EXPECT_FALSE(Find(*store, Hash('c')).has_value());
  EXPECT_FALSE(Find(*store, Hash('A')).has_value());  // hashes are lowercase hex, exact match
  EXPECT_FALSE(Find(*store, "").has_value());
  EXPECT_TRUE(Find(*store, Hash('a')).has_value());
}

TEST_P(TokenStoreTest, CreateWithStoredHashIsFailedPrecondition) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  MustCreate(*store, "first", TokenScope::kRead, {"100"}, Hash('a'));

  auto again = store->Create("second", TokenScope::kAdmin, {}, Hash('a'), kNow + 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);

  // Also when the stored one is revoked: a hash is never reused.
  ASSERT_TRUE(store->Revoke(1, kNow + 2).ok());
  auto after_revoke = store->Create("third", TokenScope::kRead, {}, Hash('a'), kNow + 3);
  ASSERT_FALSE(after_revoke.ok());
  EXPECT_EQ(after_revoke.status().code(), Status::Code::kFailedPrecondition);

  std::vector<TokenRecord> all = ListAll(*store);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "first");
  EXPECT_EQ(all[0].scope, TokenScope::kRead);
}

TEST_P(TokenStoreTest, CreateWithEmptyNameOrHashIsInvalidArgument) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  auto no_name = store->Create("", TokenScope::kRead, {}, Hash('a'), kNow);
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.status().code(), Status::Code::kInvalidArgument);
  auto no_hash = store->Create("named", TokenScope::kRead, {}, "", kNow);
  ASSERT_FALSE(no_hash.ok());
  EXPECT_EQ(no_hash.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(ListAll(*store).empty());
  EXPECT_FALSE(Find(*store, Hash('a')).has_value());
}

TEST_P(TokenStoreTest, ListReturnsAllTokensInIdOrderIncludingRevoked) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  MustCreate(*store, "reader", TokenScope::kRead, {"200", "100"}, Hash('a'), kNow);
  MustCreate(*store, "replayer", TokenScope::kReplay, {}, Hash('b'), kNow + 10);
  MustCreate(*store, "admin", TokenScope::kAdmin, {"300"}, Hash('c'), kNow + 20);
  ASSERT_TRUE(store->Revoke(2, kNow + 30).ok());

  std::vector<TokenRecord> all = ListAll(*store);
  EXPECT_EQ(IdsOf(all), (std::vector<std::int64_t>{1, 2, 3}));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "reader");
  EXPECT_EQ(all[0].scope, TokenScope::kRead);
  EXPECT_EQ(all[0].waba_ids, (std::vector<std::string>{"100", "200"}));
  EXPECT_EQ(all[0].created_at_ms, kNow);
  EXPECT_FALSE(all[0].revoked_at_ms.has_value());
  EXPECT_EQ(all[1].name, "replayer");
  EXPECT_EQ(all[1].scope, TokenScope::kReplay);
  EXPECT_TRUE(all[1].waba_ids.empty());
  EXPECT_EQ(all[1].created_at_ms, kNow + 10);
  EXPECT_EQ(all[1].revoked_at_ms, std::optional<std::int64_t>(kNow + 30));
  EXPECT_EQ(all[2].name, "admin");
  EXPECT_EQ(all[2].scope, TokenScope::kAdmin);
  EXPECT_EQ(all[2].waba_ids, (std::vector<std::string>{"300"}));
  EXPECT_FALSE(all[2].revoked_at_ms.has_value());
}

TEST_P(TokenStoreTest, RevokeHidesTokenFromFindActive) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  MustCreate(*store, "a", TokenScope::kRead, {}, Hash('a'));
  MustCreate(*store, "b", TokenScope::kRead, {}, Hash('b'));

  Status revoked = store->Revoke(1, kNow + 5);
  ASSERT_TRUE(revoked.ok()) << revoked.message();

  EXPECT_FALSE(Find(*store, Hash('a')).has_value());
  std::optional<TokenRecord> other = Find(*store, Hash('b'));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->id, 2);
}

TEST_P(TokenStoreTest, SecondRevokeKeepsTheFirstRevokedAt) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  MustCreate(*store, "a", TokenScope::kRead, {}, Hash('a'));
  ASSERT_TRUE(store->Revoke(1, kNow + 5).ok());
  Status second = store->Revoke(1, kNow + 999);
  EXPECT_TRUE(second.ok()) << second.message();

  std::vector<TokenRecord> all = ListAll(*store);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].revoked_at_ms, std::optional<std::int64_t>(kNow + 5));
  EXPECT_FALSE(Find(*store, Hash('a')).has_value());
}

TEST_P(TokenStoreTest, RevokeOfUnknownIdIsNotFound) {
  auto store = Writable();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Revoke(1, kNow).code(), Status::Code::kNotFound);
  MustCreate(*store, "a", TokenScope::kRead, {}, Hash('a'));
  EXPECT_EQ(store->Revoke(2, kNow).code(), Status::Code::kNotFound);
  EXPECT_EQ(store->Revoke(0, kNow).code(), Status::Code::kNotFound);
  EXPECT_EQ(store->Revoke(-1, kNow).code(), Status::Code::kNotFound);
  // The existing token is untouched.
  EXPECT_TRUE(Find(*store, Hash('a')).has_value());
}

TEST_P(TokenStoreTest, OpenReadOnlyWithoutDatabaseIsNotFound) {
  auto journal = Store(Db());
  ASSERT_NE(journal, nullptr);
  auto store = journal->OpenTokens(Access::kReadOnly);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(Exists(Db()));
}

TEST_P(TokenStoreTest, ReadOnlyStoreSeesLaterChangesOfAnotherInstance) {
  auto writer = Writable();
  ASSERT_NE(writer, nullptr);
  auto reader = ReadOnly();
  ASSERT_NE(reader, nullptr);

  EXPECT_FALSE(Find(*reader, Hash('a')).has_value());
  EXPECT_TRUE(ListAll(*reader).empty());

  MustCreate(*writer, "late", TokenScope::kReplay, {"100"}, Hash('a'));
  std::optional<TokenRecord> found = Find(*reader, Hash('a'));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "late");
  EXPECT_EQ(found->scope, TokenScope::kReplay);
  EXPECT_EQ(found->waba_ids, (std::vector<std::string>{"100"}));
  EXPECT_EQ(IdsOf(ListAll(*reader)), (std::vector<std::int64_t>{1}));

  ASSERT_TRUE(writer->Revoke(found->id, kNow + 1).ok());
  EXPECT_FALSE(Find(*reader, Hash('a')).has_value());
  std::vector<TokenRecord> listed = ListAll(*reader);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].revoked_at_ms, std::optional<std::int64_t>(kNow + 1));
}

// Pure functions: the same on every engine.
TEST(TokenStoreTest, ScopeNamesRoundTrip) {
  for (TokenScope scope : {TokenScope::kRead, TokenScope::kReplay, TokenScope::kAdmin}) {
    auto parsed = ParseTokenScope(ToString(scope));
    ASSERT_TRUE(parsed.ok()) << ToString(scope);
    EXPECT_EQ(parsed.value(), scope);
  }
  EXPECT_STREQ(ToString(TokenScope::kRead), "read");
  EXPECT_STREQ(ToString(TokenScope::kReplay), "replay");
  EXPECT_STREQ(ToString(TokenScope::kAdmin), "admin");
}

TEST(TokenStoreTest, ParseTokenScopeRejectsUnknownNames) {
  for (const char* text : {"root", "", "Admin", "READ", " read", "admin "}) {
    auto parsed = ParseTokenScope(text);
    ASSERT_FALSE(parsed.ok()) << "'" << text << "'";
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument) << text;
  }
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(TokenStoreTest);

}  // namespace
}  // namespace wj::storage
