// wj-sink: a consumer written for Meta's webhooks, as small as one can be, for the README
// demo of forwarding and replay and for the forwarding benchmark. It checks every POST's
// X-Hub-Signature-256 over the raw body with its secret, as Meta's documentation tells a
// consumer to: 401 and a BAD line when it does not verify, else 200 and one line naming the
// journal's seq (and replay), the WABA and the field. Runs until SIGINT or SIGTERM, then
// prints how many requests it received and exits 0.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

#include "server/cli/stop_signals.h"
#include "server/http/http_server.h"
#include "server/http/json_response.h"
#include "server/http/router.h"
#include "server/meta/signature.h"
#include "server/util/cli_flags.h"
#include <signal.h>

namespace {

using wj::server::HttpRequest;

wj::server::FlagSet Flags() {
  return wj::server::FlagSet(
      "Usage: wj-sink --secret SECRET [options]\n\n"
      "A webhook consumer that verifies X-Hub-Signature-256 like one written for Meta's\n"
      "webhooks and prints one line per request: a destination for forwarding and replay.",
      {
          {"listen", "WJ_SINK_LISTEN", "HOST:PORT", "Address to listen on (port 0: any).",
           "127.0.0.1:9000"},
          {"secret", "WJ_SINK_SECRET", "SECRET",
           "Secret that signs requests (repeatable; the variable is comma-separated).", "", true},
          {"threads", "WJ_SINK_THREADS", "N", "HTTP worker threads.", "2"},
          {"quiet", "", "", "Print nothing per request, only the summary at exit.", ""},
          {"fail", "", "", "Answer 500 to every signed request (to watch retries).", ""},
      });
}

int Fail(const std::string& message) {
  std::cerr << "wj-sink: " << message << '\n';
  return 2;
}

// One line, in one stdio call (stdio locks the stream, so lines from the two server threads
// do not interleave), flushed so a pipe reader sees it at once.
void PrintLine(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

// "seq=N[ replay=ID]"; "seq=-" when the request is not from the journal.
std::string JournalPart(const HttpRequest& request) {
  std::string out = "seq=" + request.Header("X-Waba-Journal-Seq").value_or("-");
  if (auto replay = request.Header("X-Waba-Journal-Replay")) out += " replay=" + *replay;
  return out;
}

// "waba=ID field=F" of the envelope's first entry and change ("?" for what is not there):
// the resigned form carries one event, an original delivery may carry several.
std::string EnvelopePart(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string waba = "?";
  std::string field = "?";
  if (json.is_object() && json.contains("entry") && json["entry"].is_array() &&
      !json["entry"].empty()) {
    const auto& entry = json["entry"][0];
    if (entry.is_object() && entry.contains("id") && entry["id"].is_string()) {
      waba = entry["id"].get<std::string>();
    }
    if (entry.is_object() && entry.contains("changes") && entry["changes"].is_array() &&
        !entry["changes"].empty() && entry["changes"][0].is_object() &&
        entry["changes"][0].contains("field") && entry["changes"][0]["field"].is_string()) {
      field = entry["changes"][0]["field"].get<std::string>();
    }
  }
  return "waba=" + waba + " field=" + field;
}

// The handler; its counters are read by main once the server has stopped.
class Sink {
 public:
  Sink(std::vector<std::string> secrets, bool quiet, bool fail)
      : verifier_(std::move(secrets)), quiet_(quiet), fail_(fail) {}

  void Handle(const HttpRequest& request, Pistache::Http::ResponseWriter& response) {
    received_.fetch_add(1, std::memory_order_relaxed);
    const wj::server::SignatureCheck check =
        verifier_.Verify(request.Header("X-Hub-Signature-256"), request.body());
    if (check != wj::server::SignatureCheck::kValid) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      if (!quiet_) {
        PrintLine("BAD " + JournalPart(request) +
                  " signature=" + std::string(wj::server::ToString(check)) + "\n");
      }
      wj::server::SendError(response, Pistache::Http::Code::Unauthorized, "bad_signature",
                            "X-Hub-Signature-256 does not verify");
      return;
    }
    if (!quiet_) {
      PrintLine(JournalPart(request) + " " + EnvelopePart(request.body()) + " signature=ok" +
                (fail_ ? " answered=500" : "") + "\n");
    }
    if (fail_) {
      wj::server::SendError(response, Pistache::Http::Code::Internal_Server_Error, "failing",
                            "wj-sink was started with --fail");
      return;
    }
    wj::server::SendJsonText(response, Pistache::Http::Code::Ok, R"({"status":"ok"})");
  }

  std::string Summary() const {
    return "received " + std::to_string(received_.load()) + ", signature failures " +
           std::to_string(failures_.load()) + "\n";
  }

 private:
  const wj::server::SignatureVerifier verifier_;
  const bool quiet_;
  const bool fail_;
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace

int main(int argc, char** argv) {
  wj::server::FlagSet flags = Flags();
  const wj::Status parsed = flags.Parse(std::vector<std::string>(argv + 1, argv + argc),
                                        wj::server::ProcessEnvironment());
  if (!parsed.ok()) return Fail(parsed.message());
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  const std::vector<std::string> secrets = flags.GetAll("secret");
  if (secrets.empty()) return Fail("--secret (or WJ_SINK_SECRET) is required");
  auto listen = wj::server::ParseListenAddress(*flags.Get("listen"));
  if (!listen.ok()) return Fail("--listen: " + listen.status().message());
  auto threads = wj::server::ParseCount("--threads", *flags.Get("threads"));
  if (!threads.ok() || threads.value() < 1 || threads.value() > 64) {
    return Fail("--threads must be 1-64");
  }

  const sigset_t stop_signals = wj::server::BlockStopSignals();  // before any thread starts

  Sink sink(secrets, flags.IsSet("quiet"), flags.IsSet("fail"));
  auto router = std::make_shared<wj::server::Router>();
  router->Add(Pistache::Http::Method::Post, "/*",
              [&sink](const HttpRequest& request, Pistache::Http::ResponseWriter& response) {
                sink.Handle(request, response);
              });
  wj::server::HttpServer::Options options;
  options.threads = static_cast<int>(threads.value());
  const std::string host = listen->host;
  wj::server::HttpServer server(std::move(listen.value()), options, router);
  const wj::Status started = server.Start();
  if (!started.ok()) {
    std::cerr << "wj-sink: " << started.message() << '\n';
    return 1;
  }
  const bool v6 = host.find(':') != std::string::npos;
  PrintLine("listening on http://" + (v6 ? "[" + host + "]" : host) + ":" +
            std::to_string(server.port()) + "/\n");
  wj::server::WaitForStopSignal(stop_signals);
  server.Shutdown();
  PrintLine(sink.Summary());
  return 0;
}
