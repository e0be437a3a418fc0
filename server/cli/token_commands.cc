// The `token` command: create, list and revoke API tokens in the journal database.
#include <chrono>
#include <iostream>

#include "server/api/api_auth.h"
#include "server/cli/commands.h"
#include "server/meta/waba_id.h"
#include "server/util/time_format.h"
#include "storage/journal_store.h"
#include "storage/token_store.h"

namespace wj::server {
namespace {

constexpr const char* kTokenUsage =
    "Usage: waba-journal token create --scope read|replay|admin [--waba WABA_ID]... [--name N]\n"
    "       waba-journal token list\n"
    "       waba-journal token revoke --id ID\n"
    "(each with [--db PATH])\n\n"
    "API tokens for /api/v1. 'create' prints the new token as the only line on stdout;\n"
    "only its SHA-256 is stored, so it cannot be shown again. Scopes nest: admin can do\n"
    "what replay can, replay what read can. --waba limits the token to those WABAs.\n";

FlagSpec DbFlag() {
  return {"db", "WABA_JOURNAL_DB", "PATH", "Journal database file.", "./waba-journal.db"};
}

// Opens the store or prints why not; nullptr then.
std::unique_ptr<storage::TokenStore> OpenStore(const FlagSet& flags, const Environment& env,
                                               const char* command) {
  auto journal = storage::OpenJournalStore(*flags.Get("db"), JournalOptions(env));
  auto store = journal.ok() ? journal.value()->OpenTokens(storage::Access::kWritable)
                            : Result<std::unique_ptr<storage::TokenStore>>(journal.status());
  if (!store.ok()) {
    std::cerr << "waba-journal " << command << ": " << store.status().message() << '\n';
    return nullptr;
  }
  return std::move(store.value());
}

int Create(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags(kTokenUsage,
                {DbFlag(),
                 {"scope", "", "SCOPE", "read, replay or admin.", ""},
                 {"waba", "", "WABA_ID", "Limit the token to this WABA (repeatable).", "", true},
                 {"name", "", "NAME", "A label shown by 'token list'.", ""}});
  if (int rc = ParseFlagsOrExit(flags, "token create", args, env); rc >= 0) return rc;
  if (!flags.Get("scope")) {
    std::cerr << "waba-journal token create: --scope is required (read, replay or admin)\n";
    return 2;
  }
  auto scope = storage::ParseTokenScope(*flags.Get("scope"));
  if (!scope.ok()) {
    std::cerr << "waba-journal token create: --" << scope.status().message() << '\n';
    return 2;
  }
  const std::string token = GenerateApiToken();
  if (token.empty()) {
    std::cerr << "waba-journal token create: no randomness available for a token\n";
    return 1;
  }
  for (const std::string& waba : flags.GetAll("waba")) {
    if (!IsWabaId(waba)) {
      std::cerr << "waba-journal token create: --waba must be a numeric WABA id, not '" << waba
                << "'\n";
      return 2;
    }
  }
  auto store = OpenStore(flags, env, "token create");
  if (!store) return 1;
  const std::string name =
      flags.Get("name").value_or(std::string(ToString(scope.value())) + " token");
  auto record = store->Create(name, scope.value(), flags.GetAll("waba"), HashApiToken(token),
                              UnixMillisNow());
  if (!record.ok()) {
    std::cerr << "waba-journal token create: " << record.status().message() << '\n';
    return 1;
  }
  std::cout << token << '\n';
  return 0;
}

int List(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags(kTokenUsage, {DbFlag()});
  if (int rc = ParseFlagsOrExit(flags, "token list", args, env); rc >= 0) return rc;
  auto store = OpenStore(flags, env, "token list");
  if (!store) return 1;
  auto tokens = store->List();
  if (!tokens.ok()) {
    std::cerr << "waba-journal token list: " << tokens.status().message() << '\n';
    return 1;
  }
  std::cout << "ID\tSCOPE\tNAME\tWABAS\tCREATED\tREVOKED\n";
  for (const storage::TokenRecord& t : tokens.value()) {
    std::string wabas;
    for (const std::string& w : t.waba_ids) wabas += (wabas.empty() ? "" : ",") + w;
    std::cout << t.id << '\t' << ToString(t.scope) << '\t' << t.name << '\t'
              << (wabas.empty() ? "*" : wabas) << '\t' << FormatTimeMillis(t.created_at_ms) << '\t'
              << (t.revoked_at_ms ? FormatTimeMillis(*t.revoked_at_ms) : "-") << '\n';
  }
  return 0;
}

int Revoke(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags(kTokenUsage,
                {DbFlag(), {"id", "", "ID", "The token's id (see 'token list').", ""}});
  if (int rc = ParseFlagsOrExit(flags, "token revoke", args, env); rc >= 0) return rc;
  if (!flags.Get("id")) {
    std::cerr << "waba-journal token revoke: --id is required (see 'token list')\n";
    return 2;
  }
  auto id = ParseCount("id", *flags.Get("id"));
  if (!id.ok()) {
    std::cerr << "waba-journal token revoke: " << id.status().message() << '\n';
    return 2;
  }
  auto store = OpenStore(flags, env, "token revoke");
  if (!store) return 1;
  Status s = store->Revoke(static_cast<std::int64_t>(id.value()), UnixMillisNow());
  if (!s.ok()) {
    std::cerr << "waba-journal token revoke: " << s.message() << '\n';
    return 1;
  }
  std::cout << "revoked token " << id.value() << '\n';
  return 0;
}

}  // namespace

int RunToken(const std::vector<std::string>& args, const Environment& env) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kTokenUsage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "create") return Create(rest, env);
  if (args[0] == "list") return List(rest, env);
  if (args[0] == "revoke") return Revoke(rest, env);
  std::cerr << "waba-journal token: unknown action '" << args[0] << "'\n" << kTokenUsage;
  return 2;
}

}  // namespace wj::server
