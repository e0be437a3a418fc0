// `waba-journal serve`: reads the configuration, starts the Service, and stops it
// gracefully on SIGTERM or SIGINT.
#include <iostream>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "server/cli/commands.h"
#include "server/cli/serve_flags.h"
#include "server/cli/stop_signals.h"
#include "server/service/service.h"
#include "storage/digest.h"
#include <signal.h>

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

  ::signal(SIGXFSZ, SIG_IGN);  // a file-size limit must fail the commit (503), not the process
  const sigset_t stop_signals = BlockStopSignals();

  auto service = Service::Start(config);
  if (!service.ok()) {
    std::cerr << "waba-journal serve: " << service.status().message() << '\n';
    return 1;
  }
  const auto committed = service.value()->Committed();
  spdlog::info("journal {}: {} deliveries, {} events", config.db_path, committed.deliveries,
               committed.events);
  // Scripts and tests read the bound port from this line.
  const std::string base =
      "http://" + config.listen.host + ":" + std::to_string(service.value()->port());
  std::cout << "listening on " << base << std::endl;
  if (config.api_listen) {
    std::cout << "api on http://" << config.api_listen->host << ":" << service.value()->api_port()
              << std::endl;
  }
  const std::string api_base = config.api_listen ? "http://" + config.api_listen->host + ":" +
                                                       std::to_string(service.value()->api_port())
                                                 : base;
  std::cout << "web UI on " << api_base
            << "/ (sign in with a token from: waba-journal token create --scope read)" << std::endl;
  if (config.demo) {
    std::cout << "try: waba-journal simulate --url " << base << "/webhook --app-secret "
              << config.app_secrets.front() << std::endl;
  }

  const int sig = WaitForStopSignal(stop_signals);
  spdlog::info("received signal {}: finishing pending commits", sig);
  service.value()->Stop();
  const auto final_counts = service.value()->Committed();
  spdlog::info("stopped; journal has {} deliveries, {} events", final_counts.deliveries,
               final_counts.events);
  return 0;
}

}  // namespace wj::server
