// The journal commands that need no running service: migrate, verify and backup.
#include <iostream>

#include "server/cli/commands.h"
#include "storage/journal_store.h"

namespace wj::server {
namespace {

FlagSet DbFlags(const char* usage) {
  return FlagSet(
      usage, {{"db", "WABA_JOURNAL_DB", "PATH", "Journal database file.", "./waba-journal.db"}});
}

}  // namespace

storage::StoreOptions JournalOptions(const Environment& env) {
  storage::StoreOptions options;
  if (auto key = env("WABA_JOURNAL_KEY")) options.journal_key = *key;
  return options;
}

int RunMigrate(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags = DbFlags(
      "Usage: waba-journal migrate [--db PATH]\n\n"
      "Creates the journal database if needed and applies the migrations built into this\n"
      "binary. 'serve' does the same at start; this runs them alone.");
  if (int rc = ParseFlagsOrExit(flags, "migrate", args, env); rc >= 0) return rc;
  const std::string path = *flags.Get("db");
  auto store = storage::OpenJournalStore(path, JournalOptions(env));
  auto report =
      store.ok() ? store.value()->Migrate() : Result<storage::MigrationReport>(store.status());
  if (!report.ok()) {
    std::cerr << "waba-journal migrate: " << report.status().message() << '\n';
    return 1;
  }
  for (const auto& name : report->applied) std::cout << "applied " << name << '\n';
  std::cout << path << " is at schema version " << report->to_version << '\n';
  return 0;
}

int RunVerify(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags = DbFlags(
      "Usage: waba-journal verify [--db PATH]\n\n"
      "Recomputes the hash chain of every delivery and event, checks every kept value and\n"
      "body against its commitment, and every erasure's tombstone against what it erased.\n"
      "Exits 0 printing 'OK <n> events, <m> erased by <k> erasures', or 1 naming the first\n"
      "row that does not match.");
  if (int rc = ParseFlagsOrExit(flags, "verify", args, env); rc >= 0) return rc;
  auto store = storage::OpenJournalStore(*flags.Get("db"), JournalOptions(env));
  auto report =
      store.ok() ? store.value()->Verify() : Result<storage::VerifyReport>(store.status());
  if (!report.ok()) {
    std::cerr << "waba-journal verify: " << report.status().message() << '\n';
    return 1;
  }
  const auto& r = report.value();
  if (!r.ok) {
    if (r.first_bad_erasure != 0) {
      std::cout << "FAILED at " << r.problem << '\n';
    } else {
      std::cout << "FAILED at " << (r.first_bad_seq != 0 ? "event seq " : "delivery ")
                << (r.first_bad_seq != 0 ? r.first_bad_seq : r.first_bad_delivery) << ": "
                << r.problem << '\n';
    }
    return 1;
  }
  std::cout << "OK " << r.events << " events, " << r.erased_events << " erased by " << r.erasures
            << (r.erasures == 1 ? " erasure" : " erasures") << " (" << r.deliveries
            << " deliveries)\n";
  return 0;
}

int RunBackup(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags(
      "Usage: waba-journal backup [--db PATH] --to FILE\n\n"
      "Writes a consistent copy of the journal (tokens, forwarding state and all) to FILE,\n"
      "which must not exist, while 'serve' keeps running; then verifies the copy's hash\n"
      "chains. Exits 0 printing what was copied and the check, 1 if the copy cannot be made\n"
      "(FILE is then not created) or does not verify.",
      {{"db", "WABA_JOURNAL_DB", "PATH", "Journal database file.", "./waba-journal.db"},
       {"to", "", "FILE", "The copy to write (a new file; created with mode 0600).", ""}});
  if (int rc = ParseFlagsOrExit(flags, "backup", args, env); rc >= 0) return rc;
  const std::string to = flags.Get("to").value_or("");
  if (to.empty()) {
    std::cerr << "waba-journal backup: --to FILE is required\n";
    return 2;
  }
  auto store = storage::OpenJournalStore(*flags.Get("db"), JournalOptions(env));
  auto report =
      store.ok() ? store.value()->Backup(to) : Result<storage::BackupReport>(store.status());
  if (!report.ok()) {
    std::cerr << "waba-journal backup: " << report.status().message() << '\n';
    return 1;
  }
  const storage::BackupReport& r = report.value();
  std::cout << "copied " << r.events << " events (" << r.deliveries << " deliveries, " << r.bytes
            << " bytes) to " << to << " in " << r.duration_ms << " ms\n";
  if (!r.key_file.empty()) std::cout << "journal key copied to " << r.key_file << '\n';
  auto copy = storage::OpenJournalStore(to, JournalOptions(env));
  auto verified = copy.ok() ? copy.value()->Verify() : Result<storage::VerifyReport>(copy.status());
  if (!verified.ok() || !verified->ok) {
    std::cerr << "waba-journal backup: the copy does not verify: "
              << (verified.ok() ? verified->problem : verified.status().message()) << '\n';
    return 1;
  }
  std::cout << "verify: OK " << verified->events << " events (" << verified->deliveries
            << " deliveries)\n";
  return 0;
}

}  // namespace wj::server
