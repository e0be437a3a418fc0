// waba-journal: wires the sub-commands to the command line. Everything else lives in the
// wj_server and wj_storage libraries.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "server/cli/commands.h"

namespace {

constexpr const char* kUsage =
    "Usage: waba-journal COMMAND [options]\n\n"
    "Commands:\n"
    "  serve      Receive, verify and journal Meta's WABA webhooks\n"
    "  simulate   Post signed sample deliveries of every field to a running service\n"
    "  events     Print the journal's events (NDJSON or a table), filtered\n"
    "  token      Create, list or revoke API tokens\n"
    "  migrate    Apply the schema migrations to a journal database\n"
    "  verify     Check the journal's hash chains\n"
    "  backup     Copy a journal in use to a new file, consistently, and verify the copy\n\n"
    "Run 'waba-journal COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries what commands print for people and scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("waba-journal"));
  if (const char* level = std::getenv("WABA_JOURNAL_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  const auto env = wj::server::ProcessEnvironment();
  if (command == "serve") return wj::server::RunServe(args, env);
  if (command == "simulate") return wj::server::RunSimulate(args, env);
  if (command == "events") return wj::server::RunEvents(args, env);
  if (command == "token") return wj::server::RunToken(args, env);
  if (command == "migrate") return wj::server::RunMigrate(args, env);
  if (command == "verify") return wj::server::RunVerify(args, env);
  if (command == "backup") return wj::server::RunBackup(args, env);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "waba-journal: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
