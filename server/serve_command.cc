// `waba-journal serve`: wires the journal, the group-commit writer and the HTTP routes,
// then runs until SIGTERM or SIGINT.
#include <openssl/rand.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "server/commands.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/ops_routes.h"
#include "server/static_files.h"
#include "server/webhook_routes.h"
#include "storage/digest.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"
#include "storage/sqlite_journal.h"

namespace wj::server {
namespace {

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return ToHex(raw);
}

// Demo mode: invent what is missing and tell the user, on stdout (never in the log).
void FillDemoSecrets(ServeConfig& config) {
  const bool need_secret = config.app_secrets.empty();
  const bool need_token = config.verify_token.empty();
  if (need_secret) config.app_secrets.push_back(RandomHex(16));
  if (need_token) config.verify_token = RandomHex(8);
  if (!need_secret && !need_token) return;
  std::cout << "DEMO MODE: generated for this run only; set --app-secret and --verify-token\n"
            << "(or WABA_APP_SECRET and WABA_VERIFY_TOKEN) for real use.\n";
  if (need_secret) std::cout << "  app secret:   " << config.app_secrets.front() << '\n';
  if (need_token) std::cout << "  verify token: " << config.verify_token << '\n';
}

// Blocks until SIGINT or SIGTERM. The signals are blocked in every thread (the mask is set
// before any thread starts), so only this sigwait sees them.
int WaitForStopSignal(const sigset_t& stop_signals) {
  int sig = 0;
  sigwait(&stop_signals, &sig);
  return sig;
}

// Lets the deliveries already accepted finish: committed, and their answers written.
void Drain(WebhookRoutes& webhook, const storage::GroupCommitWriter& writer) {
  webhook.SetDraining(true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((writer.Pending() > 0 || webhook.InFlight() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

int RunServe(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags = ServeFlags();
  Status parsed = flags.Parse(args, env);
  if (!parsed.ok()) {
    std::cerr << "waba-journal serve: " << parsed.message() << '\n';
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  auto config_or = ServeConfigFromFlags(flags);
  if (!config_or.ok()) {
    std::cerr << "waba-journal serve: " << config_or.status().message() << '\n';
    return 2;
  }
  ServeConfig config = std::move(config_or.value());
  if (config.demo) FillDemoSecrets(config);

  ::signal(SIGPIPE, SIG_IGN);  // a vanished peer must not kill the process
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto journal = storage::SqliteJournal::Open(config.db_path, {config.sync, 5000});
  if (!journal.ok()) {
    std::cerr << "waba-journal serve: " << journal.status().message() << '\n';
    return 1;
  }
  auto reader = storage::SqliteJournalReader::Open(config.db_path);
  if (!reader.ok()) {
    std::cerr << "waba-journal serve: " << reader.status().message() << '\n';
    return 1;
  }
  storage::GroupCommitWriter writer(*journal.value(), {});
  Metrics metrics;
  WebhookRoutes webhook(config.verify_token, SignatureVerifier(config.app_secrets), writer,
                        metrics);
  OpsRoutes ops(*reader.value(), writer, metrics);
  StaticFiles web(WebFiles());
  auto router = std::make_shared<Router>();
  webhook.Register(*router);
  ops.Register(*router);
  web.Register(*router);  // last: its "/*" catches what the others do not

  HttpServer::Options options;
  options.threads = config.threads;
  options.limits.max_body_bytes = config.max_body_bytes;
  options.on_reject = [&metrics](int code) { metrics.CountHttpRejection(code); };
  HttpServer server(config.listen, options, router);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "waba-journal serve: " << s.message() << '\n';
    return 1;
  }
  const auto committed = writer.Committed();
  spdlog::info("journal {}: {} deliveries, {} events", config.db_path, committed.deliveries,
               committed.events);
  // Scripts and tests read the bound port from this line.
  std::cout << "listening on http://" << config.listen.host << ":" << server.port() << std::endl;

  const int sig = WaitForStopSignal(stop_signals);
  spdlog::info("received signal {}: finishing pending commits", sig);
  Drain(webhook, writer);
  server.Shutdown();
  writer.Stop();
  spdlog::info("stopped; journal has {} deliveries, {} events", writer.Committed().deliveries,
               writer.Committed().events);
  return 0;
}

}  // namespace wj::server
