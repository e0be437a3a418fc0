// wj-fake-graph: the fake Graph API of tests/support/fake_graph_api.h as a program, for the
// README demo of the subscription reconciler. Serves /{version}/{waba-id}/subscribed_apps
// with each WABA set by flags, prints one line per call, and runs until SIGINT or SIGTERM.
#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "server/cli/stop_signals.h"
#include "server/http/http_server.h"
#include "server/util/cli_flags.h"
#include "tests/support/fake_graph_api.h"
#include <signal.h>

namespace {

using wj::testing::FakeGraphApi;

wj::server::FlagSet Flags() {
  return wj::server::FlagSet(
      "Usage: wj-fake-graph [options]\n\n"
      "A fake of Meta's Graph API /{version}/{waba-id}/subscribed_apps for demos and tests.\n"
      "WABAs not named answer as missing; a POST subscribes a missing WABA.",
      {
          {"listen", "", "HOST:PORT", "Address to listen on.", "127.0.0.1:8090"},
          {"app-id", "", "ID", "Our app's id, listed for subscribed WABAs.",
           FakeGraphApi::kDefaultAppId},
          {"subscribed", "", "WABA", "A WABA our app is subscribed to.", "", true},
          {"missing", "", "WABA", "A WABA our app is not subscribed to.", "", true},
          {"overridden", "", "WABA", "A WABA whose callback is overridden elsewhere.", "", true},
          {"throttled", "", "WABA=MINUTES",
           "A WABA answering code 80008, regaining access in MINUTES.", "", true},
      });
}

int Fail(const std::string& message) {
  std::cerr << "wj-fake-graph: " << message << '\n';
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  wj::server::FlagSet flags = Flags();
  const wj::Status parsed =
      flags.Parse(std::vector<std::string>(argv + 1, argv + argc),
                  [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  if (!parsed.ok()) return Fail(parsed.message());
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  auto listen = wj::server::ParseListenAddress(*flags.Get("listen"));
  if (!listen.ok()) return Fail("--listen: " + listen.status().message());

  struct Throttle {
    std::string waba;
    int minutes;
  };
  std::vector<Throttle> throttles;
  for (const std::string& spec : flags.GetAll("throttled")) {
    const std::size_t eq = spec.find('=');
    int minutes = 0;
    const char* end = spec.data() + spec.size();
    if (eq == std::string::npos || eq == 0 ||
        std::from_chars(spec.data() + eq + 1, end, minutes).ptr != end || eq + 1 == spec.size()) {
      return Fail("--throttled must be WABA=MINUTES: " + spec);
    }
    throttles.push_back({spec.substr(0, eq), minutes});
  }

  const sigset_t stop_signals = wj::server::BlockStopSignals();  // before any thread starts

  try {
    FakeGraphApi fake(listen.value(), [](const FakeGraphApi::Call& call) {
      // One write per line, flushed: lines from server threads do not interleave.
      std::cout << (call.method + " " + call.waba + " -> " +
                    (call.status == 0 ? std::string("(held)") : std::to_string(call.status)) + " " +
                    call.outcome + "\n")
                << std::flush;
    });
    fake.SetAppId(*flags.Get("app-id"));
    using Mode = FakeGraphApi::Mode;
    for (const auto& waba : flags.GetAll("subscribed")) fake.Set(waba, Mode::kSubscribed);
    for (const auto& waba : flags.GetAll("missing")) fake.Set(waba, Mode::kMissing);
    for (const auto& waba : flags.GetAll("overridden")) fake.Set(waba, Mode::kOverridden);
    for (const auto& t : throttles) {
      fake.Set(t.waba, Mode::kThrottled);
      fake.SetThrottle(t.waba, t.minutes);
    }
    std::cout << "fake graph api on " << fake.BaseUrl() << std::endl;
    wj::server::WaitForStopSignal(stop_signals);
  } catch (const std::exception& e) {
    std::cerr << "wj-fake-graph: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
