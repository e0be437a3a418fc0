// The offline journal commands: migrate and verify.
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

int RunMigrate(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags = DbFlags(
      "Usage: waba-journal migrate [--db PATH]\n\n"
      "Creates the journal database if needed and applies the migrations built into this\n"
      "binary. 'serve' does the same at start; this runs them alone.");
  if (int rc = ParseFlagsOrExit(flags, "migrate", args, env); rc >= 0) return rc;
  const std::string path = *flags.Get("db");
  auto store = storage::OpenJournalStore(path);
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
      "Recomputes the hash chain of every delivery and event. Exits 0 printing\n"
      "'OK <n> events', or 1 naming the first row whose content no longer matches.");
  if (int rc = ParseFlagsOrExit(flags, "verify", args, env); rc >= 0) return rc;
  auto store = storage::OpenJournalStore(*flags.Get("db"));
  auto report =
      store.ok() ? store.value()->Verify() : Result<storage::VerifyReport>(store.status());
  if (!report.ok()) {
    std::cerr << "waba-journal verify: " << report.status().message() << '\n';
    return 1;
  }
  const auto& r = report.value();
  if (!r.ok) {
    std::cout << "FAILED at " << (r.first_bad_seq != 0 ? "event seq " : "delivery ")
              << (r.first_bad_seq != 0 ? r.first_bad_seq : r.first_bad_delivery) << ": "
              << r.problem << '\n';
    return 1;
  }
  std::cout << "OK " << r.events << " events (" << r.deliveries << " deliveries)\n";
  return 0;
}

}  // namespace wj::server
