#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/content_seal.h"
#include "storage/digest.h"
#include "storage/journal_key.h"
#include "storage/journal_store.h"
#include "tests/support/temp_dir.h"

namespace wj::testing {

// The engines that every storage test runs on. A suite written against the contract derives
// its fixture from StorageTest and ends with WJ_INSTANTIATE_ON_EVERY_ENGINE(Suite), so that a
// new engine is tested by adding its name here and teaching each helper of StorageTest that
// reaches the database directly (NewDb, Exists, Tamper, TryRaw, RefuseEventsOfField) about it.
inline std::vector<std::string> StorageEngines() { return {"sqlite"}; }

// Names each instantiation after its engine (the `/sqlite` of Engines/Suite.Test/sqlite).
inline std::string EngineTestName(const ::testing::TestParamInfo<std::string>& engine) {
  return engine.param;
}

// What StorageTest does on the "sqlite" engine: the journal is a file, and "directly" means
// a raw SQLiteCpp connection to it.
namespace sqlite_engine {

inline bool Exists(const std::string& db) { return std::filesystem::exists(db); }

inline void Tamper(const std::string& db, const std::string& sql) {
  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  std::vector<std::string> triggers;
  SQLite::Statement q(raw, "SELECT name FROM sqlite_master WHERE type = 'trigger'");
  while (q.executeStep()) triggers.push_back(q.getColumn(0).getString());
  for (const std::string& t : triggers) raw.exec("DROP TRIGGER \"" + t + "\"");
  raw.exec(sql);
}

inline std::string TryRaw(const std::string& db, const std::string& sql) {
  try {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec(sql);
    return "";
  } catch (const std::exception& e) {
    return e.what()[0] != '\0' ? e.what() : "failed";
  }
}

// `field` is a plain identifier chosen by the test (no quoting needed).
inline void RefuseEventsOfField(const std::string& db, const std::string& field,
                                const std::string& message) {
  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  raw.exec("CREATE TRIGGER \"test_refuse_" + field +
           "\" BEFORE INSERT ON events WHEN NEW.field = '" + field +
           "' BEGIN SELECT RAISE(ABORT, '" + message + "'); END");
}

}  // namespace sqlite_engine

// A fixture whose parameter names the engine under test.
class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& engine() const { return GetParam(); }
  bool IsSqlite() const { return engine() == "sqlite"; }

  // The `--db` value of a journal that does not exist yet, on this test's engine. The same
  // `stem` names the same journal within one test.
  std::string NewDb(const std::string& stem = "journal") const {
    if (IsSqlite()) return dir_.File(stem + ".db");  // a file in this test's own directory
    ADD_FAILURE() << "NewDb: unknown engine " << engine();
    return "";
  }

  // Opens the journal `db` through the factory, as the server does; fails the test if the
  // factory refuses the name.
  std::unique_ptr<storage::JournalStore> Store(const std::string& db,
                                               const storage::StoreOptions& options = {}) const {
    auto store = storage::OpenJournalStore(db, options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store.value()) : nullptr;
  }

  // Shorthands for Store(db, options)->Open*(): each fails the test and returns nullptr
  // (or an empty report) when the store refuses.
  std::unique_ptr<storage::JournalWriter> Writer(const std::string& db,
                                                 const storage::StoreOptions& options = {}) const {
    auto store = Store(db, options);
    if (store == nullptr) return nullptr;
    auto writer = store->OpenWriter();
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    return writer.ok() ? std::move(writer.value()) : nullptr;
  }

  std::unique_ptr<storage::JournalReader> Reader(const std::string& db, int connections = 2) const {
    auto store = Store(db);
    if (store == nullptr) return nullptr;
    auto reader = store->OpenReader(connections);
    EXPECT_TRUE(reader.ok()) << reader.status().message();
    return reader.ok() ? std::move(reader.value()) : nullptr;
  }

  std::unique_ptr<storage::ForwardStateReader> ForwardReader(const std::string& db,
                                                             int connections = 2) const {
    auto store = Store(db);
    if (store == nullptr) return nullptr;
    auto reader = store->OpenForwardStateReader(connections);
    EXPECT_TRUE(reader.ok()) << reader.status().message();
    return reader.ok() ? std::move(reader.value()) : nullptr;
  }

  std::unique_ptr<storage::TokenStore> Tokens(const std::string& db, storage::Access access) const {
    auto store = Store(db);
    if (store == nullptr) return nullptr;
    auto tokens = store->OpenTokens(access);
    EXPECT_TRUE(tokens.ok()) << tokens.status().message();
    return tokens.ok() ? std::move(tokens.value()) : nullptr;
  }

  storage::VerifyReport Verify(const std::string& db) const {
    auto store = Store(db);
    if (store == nullptr) return {};
    auto report = store->Verify();
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? report.value() : storage::VerifyReport{};
  }

  // The journal key of `db` (created by the first writer), as the store reads it.
  storage::JournalKey Key(const std::string& db) const {
    auto key = storage::LoadJournalKey({"", storage::KeyFileBeside(db)}, /*create=*/false);
    EXPECT_TRUE(key.ok()) << key.status().message();
    return key.ok() ? key.value() : storage::JournalKey::FromHex(std::string(64, '0')).value();
  }

  // The hex dedup digest the journal `db` keeps of `event` (storage/content_seal.h).
  std::string DedupDigest(const std::string& db, const storage::EventRecord& event) const {
    return ToHex(storage::DedupDigest(Key(db), event));
  }

  // Whether anything of the journal `db` exists on its engine (a file, for "sqlite"): lets
  // a test check that an operation did not create the journal.
  bool Exists(const std::string& db) const {
    if (IsSqlite()) return sqlite_engine::Exists(db);
    ADD_FAILURE() << "Exists: unknown engine " << engine();
    return false;
  }

  // Runs `sql` on `db` directly, with the append-only guards (triggers) out of the way: what
  // someone editing the database behind the service's back could do. The SQL must be plain
  // enough to mean the same on every engine (UPDATE / DELETE of journal tables, values copied
  // from other rows rather than engine-specific literals).
  void Tamper(const std::string& db, const std::string& sql) const {
    if (IsSqlite()) return sqlite_engine::Tamper(db, sql);
    ADD_FAILURE() << "Tamper: unknown engine " << engine();
  }

  // Runs `sql` on `db` directly with the guards in place; returns the engine's error text,
  // or "" when the statement succeeded.
  std::string TryRaw(const std::string& db, const std::string& sql) const {
    if (IsSqlite()) return sqlite_engine::TryRaw(db, sql);
    ADD_FAILURE() << "TryRaw: unknown engine " << engine();
    return "unknown engine";
  }

  // Makes the database `db` itself refuse, with the error text `message`, to insert any event
  // whose field is `field` (a plain identifier): a failure injected beneath the writer, which
  // the writer sees in the middle of a batch. `message` must not contain quotes.
  void RefuseEventsOfField(const std::string& db, const std::string& field,
                           const std::string& message) const {
    if (IsSqlite()) return sqlite_engine::RefuseEventsOfField(db, field, message);
    ADD_FAILURE() << "RefuseEventsOfField: unknown engine " << engine();
  }

  TempDir dir_;
};

}  // namespace wj::testing

// Instantiates `Suite` (a StorageTest) once per engine, named after it: Engines/Suite.Test/sqlite.
#define WJ_INSTANTIATE_ON_EVERY_ENGINE(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::ValuesIn(::wj::testing::StorageEngines()), \
                           ::wj::testing::EngineTestName)
