#pragma once

#include <string>
#include <vector>

#include "server/util/cli_flags.h"
#include "storage/store_options.h"

namespace wj::server {

// The sub-commands of the waba-journal binary. Each takes the arguments after its name and
// returns the process exit code: 0 success, 1 failure, 2 usage error. Errors go to stderr
// as one line; --help prints the command's options to stdout.

// serve: run the webhook receiver until SIGTERM/SIGINT.
int RunServe(const std::vector<std::string>& args, const Environment& env);
// migrate: apply the built-in migrations to a database and exit.
int RunMigrate(const std::vector<std::string>& args, const Environment& env);
// verify: walk the journal's hash chains; exit 0 with "OK <n> events" or 1 naming the
// first bad row.
int RunVerify(const std::vector<std::string>& args, const Environment& env);
// backup: write a consistent copy of a journal in use to a new file, then verify the copy.
int RunBackup(const std::vector<std::string>& args, const Environment& env);
// token: create, list or revoke API tokens.
int RunToken(const std::vector<std::string>& args, const Environment& env);
// events: print the journal's events, filtered like GET /api/v1/events.
int RunEvents(const std::vector<std::string>& args, const Environment& env);
// simulate: post signed sample deliveries of every field to a running service.
int RunSimulate(const std::vector<std::string>& args, const Environment& env);

// How every command opens the journal: the journal key from WABA_JOURNAL_KEY when set (hex;
// never a flag, never logged), else from the file beside the database.
storage::StoreOptions JournalOptions(const Environment& env);

}  // namespace wj::server
