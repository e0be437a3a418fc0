// wj-replay-bench: how fast `waba-journal serve` replays a slice of its journal to a consumer,
// and what a running replay costs ingest.
//
// Goal (issue 4 §8): replay 100,000 events to a local consumer that answers 200 at once at
// ≥ 5,000 events/s, while ingest keeps ≥ 80 % of its throughput.
//
// Setup, once:
//   - the consumer is wj-sink (tests/tools/sink_main.cc, next to this program): it checks
//     every request's X-Hub-Signature-256 and answers 200; it counts what it received and
//     prints the count when stopped. Its capacity is measured first on its own: one keep-alive
//     client (libcurl, as the server's sender) posting signed events one at a time for 2 s,
//     the same pattern as a replay; if that is not well above the replay rate, the sink is the
//     bottleneck and the figures say so;
//   - the real server binary (fork/exec, port 0) is started on a fresh journal in a temporary
//     directory, --events distinct signed deliveries of one inbound text message each (one
//     event each, unique wamids) are posted over 8 keep-alive clients, and it is stopped;
//   - a replay-scope API token is made with `waba-journal token create --scope replay`;
//   - the server is started again on the same journal with the sink as destination "sink"
//     (resign mode, --allow-private-destinations). A new destination starts at the journal's
//     tip: the loaded events reach the sink only through replays.
// Then the phases alternate, baseline 0, replay 1, baseline 1, ..., replay R, baseline R:
//   - baseline: --clients threads, each with one keep-alive connection (libcurl) and one
//     request in flight, post distinct signed deliveries as fast as answered; after 1 s of
//     warm-up, 200 answers over --duration seconds give ingest deliveries/s;
//   - replay: the same load again; after its 1 s warm-up, POST /api/v1/replays
//     {"destination":"sink","until_seq":N} (expects 202 and total N), then GET
//     /api/v1/replays/{id} every 50 ms until it is no longer running. Replay events/s = total /
//     (202 received → first poll reading "done"); the server's own view, total / (created_at →
//     finished_at), is shown beside it (millisecond stamps). Ingest during the replay counts
//     only the 200 answers that arrived within that window;
//   - a run's ratio is its ingest during the replay over the mean of the baselines just
//     before and just after it: the host's load drifts, and bracketing the replay keeps that
//     drift out of the ratio better than one baseline would;
//   - new deliveries are forwarded live to the sink in both phases alike; before each phase
//     the bench waits until the live forwarder has caught up (GET /api/v1/destinations
//     lag_events 0), and reports the live lag left at the end of each phase.
// CPU of the server, the sink and this program (the load generator), utime + stime from
// /proc, is reported per phase, in cores. At the end the bench waits for the live forwarder
// to catch up, stops the server and the sink, and checks the sink's count: every sent event
// at least once (calibration + R × N replayed + every delivery ingested while the
// destination was configured), no bad signature.
//
// The load generator, the server and the sink share the machine's cores: on a small host the
// figures are those of the three together. Medians over runs are the figures to report.
//
// Build in Release and run, e.g.:
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
//   ./build/wj-replay-bench --runs 3
// Flags: --events N (100000), --duration S (baseline length, 10), --clients K (ingest
// threads, 4), --runs R (3), --binary PATH (default: waba-journal next to wj-replay-bench),
// --sink-binary PATH (default: wj-sink next to it), --help.
// Exit status: 0 when every answer was the expected one (all ingest 200, replays 202 then
// done with every event sent, the sink's count and signatures right) — the goals are
// reported, not enforced; 1 otherwise or when the benchmark could not run; 2 on bad flags.
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "server/util/time_format.h"
#include "storage/status.h"
#include "tests/bench/bench_process.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wj::bench {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTool = "wj-replay-bench";
constexpr std::string_view kAppSecret = "bench-secret";
constexpr std::string_view kVerifyToken = "bench-token";
constexpr std::string_view kSinkSecret = "sink-secret";
constexpr std::string_view kDestination = "sink";
constexpr std::string_view kSinkPrefix = "listening on http://127.0.0.1:";
constexpr std::string_view kWabaId = "102290129340398";
constexpr auto kStartupTimeout = std::chrono::seconds(30);
constexpr auto kWarmup = std::chrono::seconds(1);
constexpr auto kPollEvery = std::chrono::milliseconds(50);
constexpr auto kCatchUpTimeout = std::chrono::seconds(120);
constexpr auto kCalibration = std::chrono::seconds(2);
constexpr int kLoadClients = 8;
constexpr double kGoalReplayPerS = 5000;
constexpr double kGoalRatio = 0.80;

constexpr std::string_view kUsage =
    "usage: wj-replay-bench [--events N] [--duration SECONDS] [--clients K] [--runs R]\n"
    "                       [--binary PATH] [--sink-binary PATH] [--help]\n"
    "Loads N events into a fresh journal, starts `waba-journal serve` on it with wj-sink as\n"
    "destination, and measures ingest alone, then a replay of the N events to the sink\n"
    "with the same ingest load running: replay events/s and what it costs ingest.\n";

// ---------------------------------------------------------------------------------------
// Command line.

struct Options {
  std::int64_t events = 100'000;
  double duration_s = 10;
  int clients = 4;
  int runs = 3;
  std::string binary;
  std::string sink_binary;
  bool help = false;
};

template <typename T>
Status ParseInteger(std::string_view flag, std::string_view text, T min, T max, T* out) {
  const auto value = ParseNumber<T>(text);
  if (!value || *value < min || *value > max) {
    return Status::InvalidArgument(
        fmt::format("{}: expected an integer in [{}, {}], got '{}'", flag, min, max, text));
  }
  *out = *value;
  return Status::Ok();
}

Status ApplyFlag(std::string_view flag, std::string_view value, Options* options) {
  if (flag == "--events") {
    return ParseInteger<std::int64_t>(flag, value, 1, 100'000'000, &options->events);
  }
  if (flag == "--duration") {
    const auto seconds = ParseNumber<double>(value);
    if (!seconds || !(*seconds > 0) || *seconds > 86400) {
      return Status::InvalidArgument(
          fmt::format("{}: expected a number of seconds, got '{}'", flag, value));
    }
    options->duration_s = *seconds;
    return Status::Ok();
  }
  if (flag == "--clients") return ParseInteger(flag, value, 1, 256, &options->clients);
  if (flag == "--runs") return ParseInteger(flag, value, 1, 1000, &options->runs);
  if (flag == "--binary" || flag == "--sink-binary") {
    if (value.empty()) return Status::InvalidArgument(fmt::format("{} needs a path", flag));
    (flag == "--binary" ? options->binary : options->sink_binary) = std::string(value);
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("unknown flag {} (see --help)", flag));
}

// wj-sink beside this program unless given; InvalidArgument unless it is executable.
Result<std::string> SinkBinary(std::string binary) {
  if (binary.empty()) {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    binary = ec ? "wj-sink" : (self.parent_path() / "wj-sink").string();
  }
  if (::access(binary.c_str(), X_OK) != 0) {
    return Status::InvalidArgument(fmt::format(
        "sink binary {} is not executable: {} (use --sink-binary)", binary, std::strerror(errno)));
  }
  return binary;
}

// Accepts "--flag value" and "--flag=value".
Result<Options> ParseOptions(std::span<char* const> args) {
  Options options;
  Status read =
      ForEachFlag(args, {}, &options.help, [&](std::string_view flag, std::string_view value) {
        return ApplyFlag(flag, value, &options);
      });
  if (!read.ok()) return read;
  if (options.help) return options;
  auto binary = ServerBinary(options.binary);
  if (!binary.ok()) return binary.status();
  options.binary = std::move(binary.value());
  auto sink = SinkBinary(options.sink_binary);
  if (!sink.ok()) return sink.status();
  options.sink_binary = std::move(sink.value());
  return options;
}

// ---------------------------------------------------------------------------------------
// Child processes other than the server: the sink, and one-shot commands.

int WaitFor(pid_t pid) {
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  if (reaped < 0) ThrowErrno("waitpid");
  return status;
}

// Runs a command to its end; returns its stdout, or throws naming how it failed.
std::string RunCommand(const std::string& binary, const std::vector<std::string>& args) {
  UniqueFd out;
  const pid_t pid = SpawnWithStdout(kTool, binary, args, &out);
  std::string text;
  std::array<char, 4096> buffer;
  for (;;) {
    const ssize_t n = ::read(out.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (const std::string problem = DescribeExit(WaitFor(pid)); !problem.empty()) {
    throw std::runtime_error(fmt::format("{} {}: {}", binary, fmt::join(args, " "), problem));
  }
  return text;
}

// A running wj-sink: Start() returns once it has printed its port; the rest of its output
// is kept (with --quiet, only the summary it prints when stopped).
class SinkProcess {
 public:
  static std::unique_ptr<SinkProcess> Start(const std::string& binary) {
    std::unique_ptr<SinkProcess> sink(new SinkProcess());
    sink->pid_ = SpawnWithStdout(
        kTool, binary, {"--listen", "127.0.0.1:0", "--secret", std::string(kSinkSecret), "--quiet"},
        &sink->stdout_);
    sink->WaitUntilListening();
    return sink;
  }
  ~SinkProcess() {
    if (pid_ >= 0) Stop();
  }
  SinkProcess(const SinkProcess&) = delete;
  SinkProcess& operator=(const SinkProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }

  // SIGTERM, reaps it; returns everything it printed after its first line, or "" with
  // *problem set when it did not exit 0.
  std::string Stop(std::string* problem = nullptr) {
    if (pid_ < 0) return output_;
    ::kill(pid_, SIGTERM);
    const std::string exit = DescribeExit(WaitFor(pid_));
    pid_ = -1;
    if (drain_.joinable()) drain_.join();
    if (problem != nullptr) *problem = exit;
    return output_;
  }

 private:
  SinkProcess() = default;

  void WaitUntilListening() {
    const auto deadline = Clock::now() + kStartupTimeout;
    std::string pending;
    std::array<char, 4096> buffer;
    for (;;) {
      if (const std::size_t eol = pending.find('\n'); eol != std::string::npos) {
        const std::string_view line(pending.data(), eol);
        if (!line.starts_with(kSinkPrefix)) {
          throw std::runtime_error("the sink printed, instead of its port: " + std::string(line));
        }
        std::string_view rest = line.substr(kSinkPrefix.size());
        rest = rest.substr(0, rest.find('/'));
        const auto port = ParseNumber<std::uint16_t>(rest);
        if (!port || *port == 0) {
          throw std::runtime_error("the sink printed a bad port: " + std::string(line));
        }
        port_ = *port;
        output_ = pending.substr(eol + 1);
        drain_ = std::thread([this] { Drain(); });
        return;
      }
      if (Clock::now() >= deadline) {
        throw std::runtime_error("the sink did not report its port in time");
      }
      pollfd readable{stdout_.get(), POLLIN, 0};
      const int ready = ::poll(&readable, 1, MillisecondsUntil(deadline));
      if (ready < 0 && errno != EINTR) ThrowErrno("poll on the sink's stdout");
      if (ready <= 0) continue;
      const ssize_t n = ::read(stdout_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno != EINTR) ThrowErrno("read of the sink's stdout");
      if (n == 0) throw std::runtime_error("the sink stopped before listening");
      if (n > 0) pending.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }

  // Thread body: keeps the sink's output until EOF (read by Stop() after the join).
  void Drain() {
    std::array<char, 4096> buffer;
    for (;;) {
      const ssize_t n = ::read(stdout_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      output_.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  UniqueFd stdout_;
  std::uint16_t port_ = 0;
  std::string output_;  // written by drain_ until it is joined
  std::thread drain_;
};

// "received N, signature failures M" of the sink's summary.
struct SinkCount {
  std::int64_t received = -1;
  std::int64_t bad_signatures = -1;
};

SinkCount ParseSinkSummary(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    long long received = 0;
    long long bad = 0;
    if (std::sscanf(line.c_str(), "received %lld, signature failures %lld", &received, &bad) == 2) {
      return {received, bad};
    }
  }
  return {};
}

// utime + stime of a process, in seconds.
double ProcessCpuSeconds(pid_t pid) {
  const std::string path = fmt::format("/proc/{}/stat", pid);
  std::ifstream file(path);
  std::string stat;
  if (!std::getline(file, stat)) throw std::runtime_error("cannot read " + path);
  // The command (field 2) is in parentheses and may hold spaces: count from the last ')'.
  // Field 3 follows it; utime and stime are 14 and 15.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) throw std::runtime_error("unexpected format of " + path);
  std::istringstream fields(stat.substr(paren + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (!(fields >> utime >> stime)) throw std::runtime_error("unexpected format of " + path);
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) ThrowErrno("sysconf(_SC_CLK_TCK)");
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

// ---------------------------------------------------------------------------------------
// Deliveries.

// A one-message inbound text delivery as Meta sends it: one event, unique by its wamid.
std::string InboundText(std::string_view wamid) {
  return fmt::format(
      R"({{"object":"whatsapp_business_account","entry":[{{"id":"{}","changes":[{{"value":{{)"
      R"("messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881",)"
      R"("phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Sheena )"
      R"(Nelson"}},"wa_id":"16505551234"}}],"messages":[{{"from":"16505551234","id":"{}",)"
      R"("timestamp":"1749416383","type":"text","text":{{"body":"Hello, is the order )"
      R"(on its way?"}}}}]}},"field":"messages"}}]}}]}})",
      kWabaId, wamid);
}

// "HTTP 503 x2, <reason> x1".
std::string DescribeErrors(const std::map<std::string, std::uint64_t>& errors) {
  std::string out;
  for (const auto& [kind, count] : errors) {
    out += fmt::format("{}{} x{}", out.empty() ? "" : ", ", kind, count);
  }
  return out;
}

// What a set of ingest clients observed.
struct IngestStats {
  std::vector<Clock::time_point> completed;     // each 200 answer's arrival, any order
  std::map<std::string, std::uint64_t> errors;  // "HTTP 503", or the client's reason

  std::uint64_t ErrorCount() const {
    std::uint64_t total = 0;
    for (const auto& [kind, count] : errors) total += count;
    return total;
  }
  std::uint64_t CompletedBetween(Clock::time_point from, Clock::time_point to) const {
    return static_cast<std::uint64_t>(
        std::count_if(completed.begin(), completed.end(),
                      [&](Clock::time_point t) { return t >= from && t <= to; }));
  }
};

// `clients` threads, each posting distinct signed deliveries over its own keep-alive
// connection, one at a time, until Stop() or, with a `limit`, until `limit` deliveries have
// been answered in all. Wamids are "wamid.<tag>-<thread>-<n>".
class IngestLoad {
 public:
  IngestLoad(std::uint16_t port, int clients, std::string tag,
             std::optional<std::int64_t> limit = std::nullopt)
      : url_(fmt::format("http://127.0.0.1:{}/webhook", port)),
        tag_(std::move(tag)),
        limit_(limit),
        per_thread_(static_cast<std::size_t>(clients)) {
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, i] { Post(i, &per_thread_[static_cast<std::size_t>(i)]); });
    }
  }
  ~IngestLoad() { Stop(); }
  IngestLoad(const IngestLoad&) = delete;
  IngestLoad& operator=(const IngestLoad&) = delete;

  // Ends the load (a request in flight is finished) and merges what the threads observed.
  const IngestStats& Stop() {
    stop_.store(true);
    return Wait();
  }

  // Waits for the threads to end by themselves (with a limit) and merges what they observed.
  const IngestStats& Wait() {
    if (threads_.empty()) return merged_;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    for (IngestStats& s : per_thread_) {
      merged_.completed.insert(merged_.completed.end(), s.completed.begin(), s.completed.end());
      for (const auto& [kind, count] : s.errors) merged_.errors[kind] += count;
    }
    return merged_;
  }

 private:
  void Post(int thread, IngestStats* stats) {
    server::HttpClient client;
    stats->completed.reserve(1 << 16);
    for (std::int64_t n = 0; !stop_.load(std::memory_order_relaxed); ++n) {
      if (limit_ && claimed_.fetch_add(1) >= *limit_) return;
      const std::string body = InboundText(fmt::format("wamid.{}-{}-{}", tag_, thread, n));
      const std::vector<std::string> headers = {
          "Content-Type: application/json",
          "X-Hub-Signature-256: " + server::SignBody(kAppSecret, body)};
      const auto answer = client.Post(url_, body, headers);
      if (!answer.ok()) {
        ++stats->errors[answer.status().message()];
      } else if (answer->status != 200) {
        ++stats->errors[fmt::format("HTTP {}", answer->status)];
      } else {
        stats->completed.push_back(Clock::now());
      }
    }
  }

  const std::string url_;
  const std::string tag_;
  const std::optional<std::int64_t> limit_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> claimed_{0};
  std::vector<IngestStats> per_thread_;  // one per thread, merged by Stop()
  IngestStats merged_;
  std::vector<std::thread> threads_;
};

// ---------------------------------------------------------------------------------------
// The API.

class Api {
 public:
  Api(std::uint16_t port, const std::string& token)
      : base_(fmt::format("http://127.0.0.1:{}/api/v1", port)),
        headers_({"Authorization: Bearer " + token, "Content-Type: application/json"}) {}

  // POST /replays; the answer's JSON, or throws unless it is a 202.
  Json CreateReplay(std::int64_t until_seq) {
    const std::string body = Json{{"destination", kDestination}, {"until_seq", until_seq}}.dump();
    return Expect(client_.Post(base_ + "/replays", body, headers_), 202, "POST /replays");
  }
  Json GetReplay(std::int64_t id) {
    return Expect(client_.Get(fmt::format("{}/replays/{}", base_, id), headers_), 200,
                  "GET /replays/{id}");
  }
  // The live forwarder's lag_events for the sink.
  std::int64_t LiveLag() {
    const Json answer =
        Expect(client_.Get(base_ + "/destinations", headers_), 200, "GET /destinations");
    for (const Json& d : answer.at("destinations")) {
      if (d.at("name") == kDestination) return d.at("lag_events").get<std::int64_t>();
    }
    throw std::runtime_error("GET /destinations does not list the sink");
  }
  // Waits until the live forwarder has sent every event; throws after kCatchUpTimeout.
  void WaitForLiveCatchUp() {
    const auto deadline = Clock::now() + kCatchUpTimeout;
    while (LiveLag() > 0) {
      if (Clock::now() >= deadline) {
        throw std::runtime_error("the live forwarder did not catch up within 120 s");
      }
      std::this_thread::sleep_for(kPollEvery);
    }
  }

 private:
  static Json Expect(const Result<server::HttpResponse>& answer, long status,
                     std::string_view what) {
    if (!answer.ok())
      throw std::runtime_error(fmt::format("{}: {}", what, answer.status().message()));
    if (answer->status != status) {
      throw std::runtime_error(
          fmt::format("{} answered {}: {}", what, answer->status, answer->body.substr(0, 300)));
    }
    Json json = Json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) throw std::runtime_error(fmt::format("{}: not JSON", what));
    return json;
  }

  const std::string base_;
  const std::vector<std::string> headers_;
  server::HttpClient client_;
};

// ---------------------------------------------------------------------------------------
// Phases.

// Requests/s one keep-alive client gets from the sink alone, one signed request at a time
// (what the replay runner does), over kCalibration. Adds the requests sent to *sent.
double CalibrateSink(std::uint16_t port, std::int64_t* sent) {
  server::HttpClient client;
  const std::string url = fmt::format("http://127.0.0.1:{}/hook", port);
  const std::string body = InboundText("wamid.calibration");
  const std::vector<std::string> headers = {
      "Content-Type: application/json",
      "X-Hub-Signature-256: " + server::SignBody(kSinkSecret, body)};
  const auto start = Clock::now();
  const auto end = start + kCalibration;
  std::int64_t ok = 0;
  while (Clock::now() < end) {
    const auto answer = client.Post(url, body, headers);
    ++*sent;
    if (!answer.ok() || answer->status != 200) {
      throw std::runtime_error("the sink did not answer 200 to a signed request");
    }
    ++ok;
  }
  return static_cast<double>(ok) / SecondsBetween(start, Clock::now());
}

std::vector<std::string> ServeArgs(const std::filesystem::path& db) {
  return {"serve",
          "--listen",
          "127.0.0.1:0",
          "--db",
          db.string(),
          "--app-secret",
          std::string(kAppSecret),
          "--verify-token",
          std::string(kVerifyToken)};
}

// Loads `events` distinct deliveries into a new journal at `db`; returns deliveries/s.
double LoadJournal(const Options& options, const std::filesystem::path& db) {
  const auto server = ServerProcess::Start(kTool, options.binary, ServeArgs(db), kStartupTimeout);
  const auto start = Clock::now();
  IngestLoad load(server->port(), kLoadClients, "load", options.events);
  const IngestStats& stats = load.Wait();
  const double seconds = SecondsBetween(start, Clock::now());
  if (stats.ErrorCount() > 0 ||
      static_cast<std::int64_t>(stats.completed.size()) != options.events) {
    throw std::runtime_error(fmt::format("loading: {} of {} deliveries answered 200, errors: {}",
                                         stats.completed.size(), options.events,
                                         DescribeErrors(stats.errors)));
  }
  if (const std::string problem = server->Stop(); !problem.empty()) {
    throw std::runtime_error("the server, after loading, " + problem);
  }
  return static_cast<double>(options.events) / seconds;
}

struct CpuMark {
  Clock::time_point wall;
  double server_s = 0;
  double sink_s = 0;
  double self_s = 0;  // this program: the ingest clients, mostly
};

CpuMark MarkCpu(pid_t server, pid_t sink) {
  return {Clock::now(), ProcessCpuSeconds(server), ProcessCpuSeconds(sink),
          ProcessCpuSeconds(::getpid())};
}

// CPU used over a window, in cores.
struct Cores {
  double server = 0;
  double sink = 0;
  double self = 0;
};

Cores CoresBetween(const CpuMark& start, const CpuMark& end) {
  const double seconds = SecondsBetween(start.wall, end.wall);
  return {(end.server_s - start.server_s) / seconds, (end.sink_s - start.sink_s) / seconds,
          (end.self_s - start.self_s) / seconds};
}

// Every ingest answer of the benchmark, for the final checks.
struct IngestTotals {
  std::uint64_t ingested = 0;  // 200 answers, warm-ups included
  std::map<std::string, std::uint64_t> errors;

  void Add(const IngestStats& stats) {
    ingested += stats.completed.size();
    for (const auto& [kind, count] : stats.errors) errors[kind] += count;
  }
};

// Ingest alone (with its live forwarding).
struct Baseline {
  double per_s = 0;
  Cores cores;
  std::int64_t lag_end = 0;  // live lag at the end of the window
};

Baseline MeasureBaseline(const Options& options, const ServerProcess& server,
                         const SinkProcess& sink, Api& api, const std::string& tag,
                         IngestTotals* totals) {
  Baseline b;
  api.WaitForLiveCatchUp();
  IngestLoad load(server.port(), options.clients, tag);
  std::this_thread::sleep_for(kWarmup);
  const CpuMark start = MarkCpu(server.pid(), sink.pid());
  std::this_thread::sleep_for(Seconds(options.duration_s));
  const CpuMark end = MarkCpu(server.pid(), sink.pid());
  const IngestStats& stats = load.Stop();
  b.per_s = static_cast<double>(stats.CompletedBetween(start.wall, end.wall)) /
            SecondsBetween(start.wall, end.wall);
  b.cores = CoresBetween(start, end);
  b.lag_end = api.LiveLag();
  totals->Add(stats);
  return b;
}

// A replay of the loaded events with the same ingest load running.
struct ReplayPhase {
  double per_s = 0;         // total / (202 → first "done" poll)
  double server_per_s = 0;  // total / (created_at → finished_at)
  double seconds = 0;
  double ingest_per_s = 0;  // 200 answers within the window
  Cores cores;
  std::int64_t lag_end = 0;  // live lag when the replay was seen done
  std::int64_t total = 0;
  std::vector<std::string> problems;  // answers that were not the expected ones
};

ReplayPhase MeasureReplay(const Options& options, const ServerProcess& server,
                          const SinkProcess& sink, Api& api, const std::string& tag,
                          IngestTotals* totals) {
  ReplayPhase r;
  api.WaitForLiveCatchUp();
  IngestLoad load(server.port(), options.clients, tag);
  std::this_thread::sleep_for(kWarmup);
  const Json created = api.CreateReplay(options.events);
  const CpuMark start = MarkCpu(server.pid(), sink.pid());
  const std::int64_t id = created.at("id").get<std::int64_t>();
  r.total = created.at("total").get<std::int64_t>();
  if (r.total != options.events) {
    r.problems.push_back(
        fmt::format("replay {}: total {}, expected {}", id, r.total, options.events));
  }
  const auto deadline = start.wall + std::chrono::seconds(600) +
                        std::chrono::milliseconds(options.events);  // ≥ 1,000/s
  Json progress;
  for (;;) {
    std::this_thread::sleep_for(kPollEvery);
    progress = api.GetReplay(id);
    if (progress.at("status") != "running") break;
    if (Clock::now() >= deadline) {
      throw std::runtime_error(fmt::format("replay {} still running after {:.0f} s", id,
                                           SecondsBetween(start.wall, Clock::now())));
    }
  }
  const CpuMark end = MarkCpu(server.pid(), sink.pid());
  const IngestStats& stats = load.Stop();
  r.lag_end = api.LiveLag();
  totals->Add(stats);
  r.seconds = SecondsBetween(start.wall, end.wall);
  r.per_s = static_cast<double>(r.total) / r.seconds;
  r.ingest_per_s = static_cast<double>(stats.CompletedBetween(start.wall, end.wall)) / r.seconds;
  r.cores = CoresBetween(start, end);

  const std::string status = progress.at("status").get<std::string>();
  const auto sent = progress.at("sent").get<std::int64_t>();
  const auto failed = progress.at("failed").get<std::int64_t>();
  if (status != "done" || sent != r.total || failed != 0) {
    r.problems.push_back(fmt::format("replay {}: status {}, sent {} of {}, failed {}", id, status,
                                     sent, r.total, failed));
  }
  const auto created_ms =
      server::ParseTime("created_at", progress.at("created_at").get<std::string>());
  const auto finished_ms =
      progress.at("finished_at").is_string()
          ? server::ParseTime("finished_at", progress.at("finished_at").get<std::string>())
          : Result<std::int64_t>(Status::InvalidArgument("finished_at is null"));
  if (created_ms.ok() && finished_ms.ok() && finished_ms.value() > created_ms.value()) {
    r.server_per_s = static_cast<double>(r.total) * 1000.0 /
                     static_cast<double>(finished_ms.value() - created_ms.value());
  } else {
    r.problems.push_back(fmt::format("replay {}: created_at {} / finished_at {} unusable", id,
                                     progress.at("created_at").dump(),
                                     progress.at("finished_at").dump()));
  }
  return r;
}

// One replay and the baselines measured just before and just after it: the host's load
// drifts, and the mean of the two is the fairer reference.
struct RunResult {
  Baseline before;
  ReplayPhase replay;
  Baseline after;

  double BaselinePerS() const { return (before.per_s + after.per_s) / 2; }
  double Ratio() const {
    const double baseline = BaselinePerS();
    return baseline > 0 ? replay.ingest_per_s / baseline : 0;
  }
  Cores BaselineCores() const {
    return {(before.cores.server + after.cores.server) / 2,
            (before.cores.sink + after.cores.sink) / 2, (before.cores.self + after.cores.self) / 2};
  }
};

// ---------------------------------------------------------------------------------------
// Report.

std::string DescribeCores(const Cores& c) {
  return fmt::format("cores: server {:.2f}, sink {:.2f}, load generator {:.2f}", c.server, c.sink,
                     c.self);
}

void PrintBaseline(const std::string& name, const Baseline& b) {
  fmt::print("{}: ingest alone {:.0f} deliveries/s ({}; live lag at end {})\n", name, b.per_s,
             DescribeCores(b.cores), b.lag_end);
  std::fflush(stdout);
}

void PrintReplay(int run, const RunResult& r) {
  const ReplayPhase& p = r.replay;
  fmt::print(
      "run {}: replay of {} events in {:.2f} s = {:.0f} events/s (server's stamps: {:.0f}/s); "
      "ingest meanwhile {:.0f}/s = {:.2f} of the baselines around it ({}; live lag at end {})\n",
      run, p.total, p.seconds, p.per_s, p.server_per_s, p.ingest_per_s, r.Ratio(),
      DescribeCores(p.cores), p.lag_end);
  for (const std::string& problem : p.problems) fmt::print("  PROBLEM: {}\n", problem);
  std::fflush(stdout);
}

double MedianOf(const std::vector<RunResult>& results,
                const std::function<double(const RunResult&)>& get) {
  std::vector<double> values;
  for (const RunResult& r : results) values.push_back(get(r));
  return Median(std::move(values));
}

void PrintTable(const std::vector<RunResult>& results, double sink_alone_per_s,
                const SinkCount& count, std::int64_t expected) {
  const auto median = [&](const std::function<double(const RunResult&)>& get) {
    return MedianOf(results, get);
  };
  const double replay = median([](const RunResult& r) { return r.replay.per_s; });
  const double ratio = median([](const RunResult& r) { return r.Ratio(); });
  const auto verdict = [](bool met) { return met ? "met" : "MISSED"; };
  fmt::print("\n{}\n", results.size() > 1 ? fmt::format("medians of {} runs:", results.size())
                                          : std::string("summary:"));
  fmt::print("| measure | value | goal |\n|---|---|---|\n");
  fmt::print("| replay events/s (202 → done seen) | {:.0f} | ≥ {:.0f}: {} |\n", replay,
             kGoalReplayPerS, verdict(replay >= kGoalReplayPerS));
  fmt::print("| replay events/s (created_at → finished_at) | {:.0f} | |\n",
             median([](const RunResult& r) { return r.replay.server_per_s; }));
  fmt::print("| ingest baseline, deliveries/s (mean of before and after) | {:.0f} | |\n",
             median([](const RunResult& r) { return r.BaselinePerS(); }));
  fmt::print("| ingest during replay, deliveries/s | {:.0f} | |\n",
             median([](const RunResult& r) { return r.replay.ingest_per_s; }));
  fmt::print("| ratio (median of per-run ratios) | {:.2f} | ≥ {:.2f}: {} |\n", ratio, kGoalRatio,
             verdict(ratio >= kGoalRatio));
  fmt::print("| server CPU, baseline / replay (cores) | {:.2f} / {:.2f} | |\n",
             median([](const RunResult& r) { return r.BaselineCores().server; }),
             median([](const RunResult& r) { return r.replay.cores.server; }));
  fmt::print("| sink CPU, baseline / replay (cores) | {:.2f} / {:.2f} | |\n",
             median([](const RunResult& r) { return r.BaselineCores().sink; }),
             median([](const RunResult& r) { return r.replay.cores.sink; }));
  fmt::print("| load generator CPU, baseline / replay (cores) | {:.2f} / {:.2f} | |\n",
             median([](const RunResult& r) { return r.BaselineCores().self; }),
             median([](const RunResult& r) { return r.replay.cores.self; }));
  // A replay sends one event per request and waits for each answer, as this client does.
  fmt::print("| sink alone, one client, one request at a time (req/s) | {:.0f} | |\n",
             sink_alone_per_s);
  fmt::print("| sink received (expected ≥ {}) | {} ({} bad signatures) | |\n", expected,
             count.received, count.bad_signatures);
  std::fflush(stdout);
}

int RunBenchmark(const Options& options) {
  fmt::print("{}: {} events, {} ingest clients, {} s baseline, {} runs\n", kTool, options.events,
             options.clients, options.duration_s, options.runs);
  fmt::print("server: {}\nsink: {}\n", options.binary, options.sink_binary);
  std::fflush(stdout);

  const TempDir dir(kTool);  // outlives the server
  const std::filesystem::path db = dir.path() / "bench.db";
  auto sink = SinkProcess::Start(options.sink_binary);
  std::int64_t expected_at_sink = 0;
  const double sink_alone = CalibrateSink(sink->port(), &expected_at_sink);
  fmt::print("sink alone: {:.0f} requests/s (one keep-alive client, one request at a time)\n",
             sink_alone);
  std::fflush(stdout);

  const double load_rate = LoadJournal(options, db);
  fmt::print("loaded {} events at {:.0f} deliveries/s ({} keep-alive clients)\n", options.events,
             load_rate, kLoadClients);
  std::string token =
      RunCommand(options.binary, {"token", "create", "--db", db.string(), "--scope", "replay"});
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty() || token.find('\n') != std::string::npos) {
    throw std::runtime_error("token create printed something else than one token");
  }

  std::vector<std::string> args = ServeArgs(db);
  args.insert(args.end(), {"--destination",
                           fmt::format("{}=http://127.0.0.1:{}/hook", kDestination, sink->port()),
                           "--destination-secret", fmt::format("{}={}", kDestination, kSinkSecret),
                           "--allow-private-destinations"});
  auto server = ServerProcess::Start(kTool, options.binary, args, kStartupTimeout);
  fmt::print("serving on port {} (pid {}), forwarding to the sink on port {} (pid {})\n",
             server->port(), server->pid(), sink->port(), sink->pid());
  std::fflush(stdout);

  std::vector<RunResult> results;
  bool clean = true;
  IngestTotals totals;
  {
    Api api(server->port(), token);
    Baseline previous = MeasureBaseline(options, *server, *sink, api, "b0", &totals);
    PrintBaseline("baseline 0", previous);
    for (int run = 1; run <= options.runs; ++run) {
      RunResult r;
      r.before = previous;
      r.replay = MeasureReplay(options, *server, *sink, api, fmt::format("r{}", run), &totals);
      r.after = MeasureBaseline(options, *server, *sink, api, fmt::format("b{}", run), &totals);
      PrintReplay(run, r);
      PrintBaseline(fmt::format("baseline {}", run), r.after);
      clean = clean && r.replay.problems.empty();
      expected_at_sink += r.replay.total;
      previous = r.after;
      results.push_back(std::move(r));
    }
    api.WaitForLiveCatchUp();  // every ingested event has reached the sink
  }
  expected_at_sink += static_cast<std::int64_t>(totals.ingested);
  if (!totals.errors.empty()) {
    fmt::print("PROBLEM: ingest errors: {}\n", DescribeErrors(totals.errors));
    clean = false;
  }
  if (const std::string problem = server->Stop(); !problem.empty()) {
    fmt::print("server {}\n", problem);
    clean = false;
  }
  std::string sink_exit;
  const SinkCount count = ParseSinkSummary(sink->Stop(&sink_exit));
  if (!sink_exit.empty()) {
    fmt::print("sink {}\n", sink_exit);
    clean = false;
  }
  if (count.received < expected_at_sink || count.bad_signatures != 0) {
    fmt::print("PROBLEM: the sink received {} ({} bad signatures), expected at least {}\n",
               count.received, count.bad_signatures, expected_at_sink);
    clean = false;
  }
  PrintTable(results, sink_alone, count, expected_at_sink);
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace wj::bench

int main(int argc, char** argv) {
  return wj::bench::BenchMain("wj-replay-bench", argc, argv, wj::bench::kUsage,
                              wj::bench::ParseOptions, wj::bench::RunBenchmark);
}
