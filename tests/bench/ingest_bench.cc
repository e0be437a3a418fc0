// wj-bench: load generator for the ingest path of `waba-journal serve`, end to end.
//
// Each run starts the real server binary (fork/exec, port 0, a fresh journal in its own
// temporary directory) and drives it from a single epoll thread over N keep-alive
// connections, one request in flight per connection (a closed loop, no pipelining). Every
// request is a distinct, correctly signed delivery made from the embedded real samples
// (server/samples), so each one goes through signature check, parsing, dedup and a journal
// commit before its 200. After a warm-up, for --duration seconds it measures:
//   - deliveries/s: 200 answers completed in the window / window length;
//   - latency of each delivery, first byte sent to last byte received: p50, p99, p99.9;
//   - server CPU (utime + stime of /proc/<pid>/stat) and the bench's own CPU, in cores;
//   - mean deliveries per journal commit, from the server's /metrics over the window.
// Errors (non-200 answers, requests lost with their connection) and reconnects are counted
// over the whole run, warm-up included. One line per run, then the medians over runs (the
// host is noisy: medians are the figures to report).
//
// Build in Release and run, e.g.:
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
//   ./build/wj-bench --connections 64 --duration 10 --runs 3
// Flags: --binary PATH (default: waba-journal next to wj-bench), --connections N (64),
// --duration S (10), --warmup S (2), --runs R (3), --threads T (server HTTP threads, 2),
// --synchronous full|normal (full), --mix messages|all (messages), --wamids sequential|random
// (sequential: "wamid.b<run>-<n>-…", ids that sort in arrival order; random: a random
// base64 prefix per delivery, as Meta's ids spread over an index), --connection-close (send
// "Connection: close": a new connection per request, to see what keep-alive is worth), --help.
// Exit status: 0 when every run had no error, 1 otherwise or when the benchmark could not
// run (setup failures throw and end up in main), 2 on bad flags.
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/fmt/fmt.h>

#include "server/http/http_client.h"
#include "server/meta/sample_deliveries.h"
#include "server/meta/signature.h"
#include "storage/status.h"
#include "tests/bench/bench_process.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wj::bench {
namespace {

constexpr std::string_view kAppSecret = "bench-secret";
constexpr std::string_view kVerifyToken = "bench-token";
constexpr std::string_view kMessagesPrefix = "messages__";
constexpr std::string_view kWamid = "wamid.";
constexpr auto kStartupTimeout = std::chrono::seconds(10);
constexpr int kMaxEvents = 128;
constexpr std::size_t kReadChunk = 16 * 1024;

constexpr std::string_view kUsage =
    "usage: wj-bench [--binary PATH] [--connections N] [--duration SECONDS]\n"
    "                [--warmup SECONDS] [--runs R] [--threads T]\n"
    "                [--synchronous full|normal] [--mix messages|all]\n"
    "                [--wamids sequential|random] [--connection-close]\n"
    "                [--help]\n"
    "Starts `waba-journal serve` on a fresh journal for each run, drives signed distinct\n"
    "deliveries over N keep-alive connections and prints deliveries/s, latency\n"
    "percentiles, CPU and mean commit batch, then the medians over runs.\n";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view Trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// ---------------------------------------------------------------------------------------
// Command line.

struct Options {
  std::string binary;
  int connections = 64;
  double duration_s = 10;
  double warmup_s = 2;
  int runs = 3;
  int threads = 2;
  std::string synchronous = "full";
  std::string mix = "messages";
  std::string wamids = "sequential";
  bool connection_close = false;  // one request per connection, for comparison
  bool help = false;
};

Status ParseInt(std::string_view flag, std::string_view text, int min, int max, int* out) {
  const auto value = ParseNumber<int>(text);
  if (!value || *value < min || *value > max) {
    return Status::InvalidArgument(
        fmt::format("{}: expected an integer in [{}, {}], got '{}'", flag, min, max, text));
  }
  *out = *value;
  return Status::Ok();
}

Status ParseSeconds(std::string_view flag, std::string_view text, bool allow_zero, double* out) {
  const auto value = ParseNumber<double>(text);
  if (!value || !(*value > 0 || (allow_zero && *value == 0)) || *value > 86400) {
    return Status::InvalidArgument(
        fmt::format("{}: expected a number of seconds, got '{}'", flag, text));
  }
  *out = *value;
  return Status::Ok();
}

Status ParseChoice(std::string_view flag, std::string_view text,
                   std::initializer_list<std::string_view> choices, std::string* out) {
  if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
    return Status::InvalidArgument(
        fmt::format("{}: expected one of {}, got '{}'", flag, fmt::join(choices, "|"), text));
  }
  *out = std::string(text);
  return Status::Ok();
}

Status ApplyFlag(std::string_view flag, std::string_view value, Options* options) {
  if (flag == "--binary") {
    options->binary = std::string(value);
    return Status::Ok();
  }
  if (flag == "--connections") return ParseInt(flag, value, 1, 10000, &options->connections);
  if (flag == "--duration") return ParseSeconds(flag, value, false, &options->duration_s);
  if (flag == "--warmup") return ParseSeconds(flag, value, true, &options->warmup_s);
  if (flag == "--runs") return ParseInt(flag, value, 1, 1000, &options->runs);
  if (flag == "--threads") return ParseInt(flag, value, 1, 64, &options->threads);
  if (flag == "--synchronous") {
    return ParseChoice(flag, value, {"full", "normal"}, &options->synchronous);
  }
  if (flag == "--mix") return ParseChoice(flag, value, {"messages", "all"}, &options->mix);
  if (flag == "--wamids") {
    return ParseChoice(flag, value, {"sequential", "random"}, &options->wamids);
  }
  return Status::InvalidArgument(fmt::format("unknown flag {} (see --help)", flag));
}

// Accepts "--flag value" and "--flag=value".
Result<Options> ParseOptions(std::span<char* const> args) {
  Options options;
  Status read = ForEachFlag(args, {"--connection-close"}, &options.help,
                            [&](std::string_view flag, std::string_view value) {
                              if (flag == "--connection-close") {
                                options.connection_close = true;
                                return Status::Ok();
                              }
                              return ApplyFlag(flag, value, &options);
                            });
  if (!read.ok()) return read;
  if (options.help) return options;
  auto binary = ServerBinary(options.binary);
  if (!binary.ok()) return binary.status();
  options.binary = std::move(binary.value());
  return options;
}

// ---------------------------------------------------------------------------------------
// Payloads and requests.

// A sample body cut at every "wamid.", so that each request can splice in a unique id.
struct PayloadTemplate {
  std::vector<std::string_view> pieces;  // the text around the "wamid." occurrences
};

struct PayloadSet {
  std::vector<PayloadTemplate> templates;
  std::vector<std::string_view> skipped;  // samples left out of the mix
};

PayloadTemplate MakeTemplate(std::string_view body) {
  PayloadTemplate payload;
  std::size_t start = 0;
  for (std::size_t at = body.find(kWamid); at != std::string_view::npos;
       at = body.find(kWamid, start)) {
    payload.pieces.push_back(body.substr(start, at - start));
    start = at + kWamid.size();
  }
  payload.pieces.push_back(body.substr(start));
  return payload;
}

// "messages": inbound messages and statuses, the bulk of real traffic; a sample without a
// wamid cannot be made unique, so it is left out (its repeats would be flagged duplicates).
// "all": every field; repeats of the wamid-less ones are journaled and flagged duplicates.
// Either way a few events carry no wamid (value-level errors) and repeat as duplicates.
PayloadSet SelectPayloads(std::string_view mix) {
  PayloadSet set;
  for (const EmbeddedFile& file : server::SampleFiles()) {
    if (mix == "messages") {
      if (!file.path.starts_with(kMessagesPrefix)) continue;
      if (file.content.find(kWamid) == std::string_view::npos) {
        set.skipped.push_back(file.path);
        continue;
      }
    }
    set.templates.push_back(MakeTemplate(file.content));
  }
  if (set.templates.empty()) {
    throw std::runtime_error("no sample deliveries for mix " + std::string(mix));
  }
  return set;
}

// Makes signed webhook POSTs, each a distinct delivery: every "wamid." of the sample
// becomes "wamid.b<run>-<n>-", n counting the requests of the run. The samples are used in
// turn.
class RequestFactory {
 public:
  RequestFactory(std::span<const PayloadTemplate> payloads, int run_id, bool connection_close,
                 bool random_wamids)
      : payloads_(payloads),
        id_prefix_(fmt::format("{}b{}-", kWamid, run_id)),
        connection_close_(connection_close),
        random_wamids_(random_wamids),
        random_(static_cast<std::uint64_t>(run_id) * 0x9e3779b97f4a7c15ULL + 1) {}

  // The body of the next request (also advances the counter).
  const std::string& NextBody() {
    const PayloadTemplate& payload = payloads_[counter_ % payloads_.size()];
    std::array<char, 24> digits;
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), counter_);
    const std::string_view unique_id(digits.data(), end);
    ++counter_;
    if (random_wamids_) {
      // 16 random base64 characters first, then the counter: unique, and in no order.
      static constexpr std::string_view kBase64 =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      id_prefix_.assign(kWamid);
      std::uint64_t bits = random_();
      for (int i = 0; i < 16; ++i, bits >>= 4) {
        id_prefix_.push_back(kBase64[(bits & 15) * 4 + (random_() & 3)]);
      }
      id_prefix_.push_back('-');
    }
    body_.clear();
    body_.append(payload.pieces.front());
    for (std::size_t i = 1; i < payload.pieces.size(); ++i) {
      body_.append(id_prefix_).append(unique_id).append("-").append(payload.pieces[i]);
    }
    return body_;
  }

  // Replaces `*request` with the next complete request. No Connection header unless asked
  // (--connection-close): HTTP/1.1 connections are persistent by default, and the server
  // must keep them open.
  void Next(std::string* request) {
    const std::string& body = NextBody();
    request->clear();
    request->append("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (connection_close_) request->append("Connection: close\r\n");
    request->append("Content-Type: application/json\r\nX-Hub-Signature-256: ")
        .append(server::SignBody(kAppSecret, body))
        .append("\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n\r\n")
        .append(body);
  }

 private:
  std::span<const PayloadTemplate> payloads_;
  std::string id_prefix_;
  bool connection_close_ = false;
  bool random_wamids_ = false;
  std::mt19937_64 random_;
  std::uint64_t counter_ = 0;
  std::string body_;
};

double MeanBodyBytes(std::span<const PayloadTemplate> payloads) {
  RequestFactory factory(payloads, 1, false, false);
  double total = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    total += static_cast<double>(factory.NextBody().size());
  }
  return total / static_cast<double>(payloads.size());
}

// ---------------------------------------------------------------------------------------
// The server under test.

std::vector<std::string> ServeArgs(const Options& options, const std::filesystem::path& dir) {
  return {"serve",
          "--listen",
          "127.0.0.1:0",
          "--db",
          (dir / "bench.db").string(),
          "--app-secret",
          std::string(kAppSecret),
          "--verify-token",
          std::string(kVerifyToken),
          "--threads",
          std::to_string(options.threads),
          "--synchronous",
          options.synchronous};
}

// utime + stime of a process, in seconds.
double ProcessCpuSeconds(pid_t pid) {
  const std::string path = fmt::format("/proc/{}/stat", pid);
  std::ifstream file(path);
  std::string stat;
  if (!std::getline(file, stat)) throw std::runtime_error("cannot read " + path);
  // Fields are counted from 1; field 2, the command, is in parentheses and may hold
  // spaces, so count from the last ')': field 3 follows it, utime and stime are 14 and 15.
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

double SelfCpuSeconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) ThrowErrno("getrusage");
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<double> MetricValue(std::string_view exposition, std::string_view name) {
  std::istringstream lines{std::string(exposition)};
  for (std::string line; std::getline(lines, line);) {
    const std::string_view view(line);
    if (view.size() > name.size() && view.starts_with(name) && view[name.size()] == ' ') {
      return ParseNumber<double>(Trim(view.substr(name.size() + 1)));
    }
  }
  return std::nullopt;
}

// The server's commit batch histogram: deliveries journaled and commits made so far.
struct BatchTotals {
  double deliveries = 0;
  double commits = 0;
};

BatchTotals FetchBatchTotals(std::uint16_t port) {
  server::HttpClient client;
  const auto response = client.Get(fmt::format("http://127.0.0.1:{}/metrics", port));
  if (!response.ok()) throw std::runtime_error("GET /metrics: " + response.status().message());
  if (response->status != 200) {
    throw std::runtime_error(fmt::format("GET /metrics answered {}", response->status));
  }
  const auto sum = MetricValue(response->body, "waba_journal_commit_batch_size_sum");
  const auto count = MetricValue(response->body, "waba_journal_commit_batch_size_count");
  if (!sum || !count) throw std::runtime_error("/metrics lacks waba_journal_commit_batch_size");
  return {*sum, *count};
}

// What is read at both ends of the measured window.
struct Snapshot {
  Clock::time_point wall;
  double server_cpu_s = 0;
  double self_cpu_s = 0;
  BatchTotals batches;
};

// ---------------------------------------------------------------------------------------
// The load.

struct ParsedResponse {
  int status = 0;
  bool close = false;    // "Connection: close"
  std::size_t size = 0;  // bytes of the whole response
  std::string_view body;
};

enum class ParseState { kIncomplete, kComplete, kMalformed };

// Parses one response at the start of `data`. The server always sends Content-Length.
ParseState ParseResponse(std::string_view data, ParsedResponse* out) {
  const std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return ParseState::kIncomplete;
  const std::string_view head = data.substr(0, head_end);
  std::size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);  // "HTTP/1.1 200 OK"
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    return ParseState::kMalformed;
  }
  const auto status = ParseNumber<int>(status_line.substr(9, 3));
  if (!status) return ParseState::kMalformed;
  out->status = *status;
  out->close = false;
  std::optional<std::size_t> length;
  while (eol != std::string_view::npos) {
    const std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    const std::string_view line =
        head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseState::kMalformed;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Length")) {
      length = ParseNumber<std::size_t>(value);
      if (!length) return ParseState::kMalformed;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      out->close = EqualsIgnoreCase(value, "close");
    }
  }
  if (!length) return ParseState::kMalformed;
  const std::size_t body_start = head_end + 4;
  if (data.size() < body_start + *length) return ParseState::kIncomplete;
  out->body = data.substr(body_start, *length);
  out->size = body_start + *length;
  return ParseState::kComplete;
}

// The "duplicates" count of a 200 answer: {"delivery_id":…,"duplicates":N,…}.
std::int64_t DuplicateEvents(std::string_view body) {
  constexpr std::string_view kKey = "\"duplicates\":";
  const std::size_t at = body.find(kKey);
  if (at == std::string_view::npos) return 0;
  const std::string_view rest = body.substr(at + kKey.size());
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  return ec == std::errc() ? value : 0;
}

// What one phase of the load observed.
struct PhaseStats {
  std::uint64_t deliveries = 0;                 // 200 answers
  std::vector<std::int64_t> latencies_us;       // one per 200 answer
  std::map<std::string, std::uint64_t> errors;  // by kind: "HTTP 503", "connection lost"…
  std::uint64_t reconnects = 0;
  std::int64_t duplicate_events = 0;  // events the server flagged as already journaled

  std::uint64_t ErrorCount() const {
    std::uint64_t total = 0;
    for (const auto& [kind, count] : errors) total += count;
    return total;
  }
};

// N keep-alive connections to the server, each with one request in flight, driven by one
// epoll loop. Connections persist across Run() calls, so the load does not pause between
// the warm-up and the measured window.
class LoadClient {
 public:
  LoadClient(std::uint16_t port, int connections, RequestFactory* factory)
      : factory_(factory), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_.get() < 0) ThrowErrno("epoll_create1");
    address_.sin_family = AF_INET;
    address_.sin_port = htons(port);
    address_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connections_.resize(static_cast<std::size_t>(connections));
    for (std::size_t i = 0; i < connections_.size(); ++i) Open(i);
  }

  // Drives the load for `length`; the stats are those of the answers received meanwhile.
  PhaseStats Run(Clock::duration length) {
    PhaseStats stats;
    const auto end = Clock::now() + length;
    std::array<epoll_event, kMaxEvents> events;
    while (Clock::now() < end) {
      const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, MillisecondsUntil(end));
      if (n < 0 && errno != EINTR) ThrowErrno("epoll_wait");
      for (int i = 0; i < n; ++i) OnEvent(events[i].data.u64, &stats);
    }
    return stats;
  }

 private:
  struct Connection {
    enum class State { kConnecting, kSending, kAwaitingResponse };
    UniqueFd fd;
    State state = State::kConnecting;
    std::uint32_t interest = 0;  // the epoll events registered for fd
    std::string request;
    std::size_t sent = 0;
    std::string response;  // bytes of the current response received so far
    Clock::time_point send_start;
  };

  // A new non-blocking connection in slot `index`; writable once connected. Closing the
  // previous descriptor also removes it from the epoll set.
  void Open(std::size_t index) {
    Connection& c = connections_[index];
    c.fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (c.fd.get() < 0) ThrowErrno("socket");
    const int one = 1;
    if (::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
      ThrowErrno("setsockopt TCP_NODELAY");
    }
    if (::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&address_), sizeof(address_)) !=
            0 &&
        errno != EINPROGRESS) {
      ThrowErrno("connect to the server");
    }
    c.state = Connection::State::kConnecting;
    c.response.clear();
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &event) != 0) ThrowErrno("epoll_ctl");
    c.interest = EPOLLOUT;
  }

  void SetInterest(Connection& c, std::uint64_t index, std::uint32_t interest) {
    if (c.interest == interest) return;
    epoll_event event{};
    event.events = interest;
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &event) != 0) ThrowErrno("epoll_ctl");
    c.interest = interest;
  }

  // Each state waits for one thing, so the event itself needs no inspection: an error or
  // hang-up shows up in the connect result, the send or the receive.
  void OnEvent(std::uint64_t index, PhaseStats* stats) {
    switch (connections_[index].state) {
      case Connection::State::kConnecting:
        return FinishConnect(index, stats);
      case Connection::State::kSending:
        return Flush(index, stats);
      case Connection::State::kAwaitingResponse:
        return Receive(index, stats);
    }
  }

  void FinishConnect(std::uint64_t index, PhaseStats* stats) {
    Connection& c = connections_[index];
    int error = 0;
    socklen_t size = sizeof(error);
    if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
      ThrowErrno("getsockopt SO_ERROR");
    }
    if (error != 0)
      throw std::system_error(error, std::generic_category(), "connect to the server");
    StartRequest(index, stats);
  }

  void StartRequest(std::uint64_t index, PhaseStats* stats) {
    Connection& c = connections_[index];
    factory_->Next(&c.request);
    c.sent = 0;
    c.response.clear();
    c.state = Connection::State::kSending;
    c.send_start = Clock::now();
    Flush(index, stats);
  }

  void Flush(std::uint64_t index, PhaseStats* stats) {
    Connection& c = connections_[index];
    while (c.sent < c.request.size()) {
      const ssize_t n =
          ::send(c.fd.get(), c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
      if (n >= 0) {
        c.sent += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return SetInterest(c, index, EPOLLOUT);
      } else if (errno != EINTR) {
        return Reconnect(index, stats, "connection lost");
      }
    }
    c.state = Connection::State::kAwaitingResponse;
    SetInterest(c, index, EPOLLIN);
  }

  // One read per readiness event; level-triggered epoll reports the rest.
  void Receive(std::uint64_t index, PhaseStats* stats) {
    Connection& c = connections_[index];
    std::array<char, kReadChunk> buffer;
    const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return Reconnect(index, stats, "connection lost");
    c.response.append(buffer.data(), static_cast<std::size_t>(n));

    ParsedResponse response;
    switch (ParseResponse(c.response, &response)) {
      case ParseState::kIncomplete:
        return;
      case ParseState::kMalformed:
        return Reconnect(index, stats, "malformed response");
      case ParseState::kComplete:
        break;
    }
    if (response.status == 200) {
      ++stats->deliveries;
      stats->latencies_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.send_start)
              .count());
      stats->duplicate_events += DuplicateEvents(response.body);
    } else {
      ++stats->errors[fmt::format("HTTP {}", response.status)];
    }
    // Bytes beyond the answer cannot be another one: requests are never pipelined.
    if (c.response.size() > response.size) return Reconnect(index, stats, "unexpected bytes");
    if (response.close) return Reconnect(index, stats, "");
    StartRequest(index, stats);
  }

  // Replaces the connection of slot `index`; `error` names the failure, if any ("" when the
  // server asked to close after a complete answer).
  void Reconnect(std::uint64_t index, PhaseStats* stats, std::string_view error) {
    if (!error.empty()) ++stats->errors[std::string(error)];
    ++stats->reconnects;
    Open(index);
  }

  sockaddr_in address_{};
  RequestFactory* factory_;
  UniqueFd epoll_;
  std::vector<Connection> connections_;
};

// ---------------------------------------------------------------------------------------
// Runs and report.

struct RunResult {
  double deliveries_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  std::map<std::string, std::uint64_t> errors;  // whole run, warm-up included
  std::uint64_t reconnects = 0;                 // whole run, warm-up included
  std::int64_t duplicate_events = 0;
  double server_cores = 0;
  double bench_cores = 0;
  double mean_batch = 0;
  std::string server_exit;  // "" when the server stopped cleanly

  std::uint64_t ErrorCount() const {
    std::uint64_t total = 0;
    for (const auto& [kind, count] : errors) total += count;
    return total;
  }
};

// Nearest-rank percentile of sorted latencies, in milliseconds.
Snapshot TakeSnapshot(const ServerProcess& server, bool metrics_first) {
  Snapshot snapshot;
  // The HTTP round trip for /metrics stays outside the window: first at its start, last at
  // its end.
  if (metrics_first) snapshot.batches = FetchBatchTotals(server.port());
  snapshot.wall = Clock::now();
  snapshot.server_cpu_s = ProcessCpuSeconds(server.pid());
  snapshot.self_cpu_s = SelfCpuSeconds();
  if (!metrics_first) snapshot.batches = FetchBatchTotals(server.port());
  return snapshot;
}

RunResult Summarize(const PhaseStats& warmup, PhaseStats measured, const Snapshot& start,
                    const Snapshot& end) {
  RunResult result;
  const double wall_s = SecondsBetween(start.wall, end.wall);
  result.deliveries_per_s = static_cast<double>(measured.deliveries) / wall_s;
  std::sort(measured.latencies_us.begin(), measured.latencies_us.end());
  result.p50_ms = PercentileMs(measured.latencies_us, 0.50);
  result.p99_ms = PercentileMs(measured.latencies_us, 0.99);
  result.p999_ms = PercentileMs(measured.latencies_us, 0.999);
  result.errors = warmup.errors;
  for (const auto& [kind, count] : measured.errors) result.errors[kind] += count;
  result.reconnects = warmup.reconnects + measured.reconnects;
  result.duplicate_events = warmup.duplicate_events + measured.duplicate_events;
  result.server_cores = (end.server_cpu_s - start.server_cpu_s) / wall_s;
  result.bench_cores = (end.self_cpu_s - start.self_cpu_s) / wall_s;
  const double commits = end.batches.commits - start.batches.commits;
  result.mean_batch =
      commits > 0 ? (end.batches.deliveries - start.batches.deliveries) / commits : 0;
  return result;
}

RunResult RunOnce(const Options& options, std::span<const PayloadTemplate> payloads, int run_id) {
  const TempDir dir("wj-bench");  // outlives the server
  const auto server = ServerProcess::Start("wj-bench", options.binary,
                                           ServeArgs(options, dir.path()), kStartupTimeout);
  RequestFactory factory(payloads, run_id, options.connection_close, options.wamids == "random");
  RunResult result;
  {
    LoadClient client(server->port(), options.connections, &factory);
    const PhaseStats warmup = client.Run(Seconds(options.warmup_s));
    const Snapshot start = TakeSnapshot(*server, /*metrics_first=*/true);
    PhaseStats measured = client.Run(Seconds(options.duration_s));
    const Snapshot end = TakeSnapshot(*server, /*metrics_first=*/false);
    result = Summarize(warmup, std::move(measured), start, end);
  }  // the connections close before the server is asked to stop
  result.server_exit = server->Stop();
  return result;
}

void PrintConfiguration(const Options& options, const PayloadSet& payloads) {
  fmt::print("wj-bench: {} connections, {} s measured after {} s warm-up, {} runs\n",
             options.connections, options.duration_s, options.warmup_s, options.runs);
  fmt::print("server: {} --threads {} --synchronous {}\n", options.binary, options.threads,
             options.synchronous);
  fmt::print("requests: {}\n", options.connection_close
                                   ? "\"Connection: close\", one connection per request"
                                   : "no Connection header (HTTP/1.1 keep-alive by default)");
  fmt::print("payloads: mix {}, {} samples, mean body {:.0f} bytes", options.mix,
             payloads.templates.size(), MeanBodyBytes(payloads.templates));
  if (!payloads.skipped.empty()) {
    fmt::print(" (left out, no wamid to make unique: {})", fmt::join(payloads.skipped, ", "));
  }
  fmt::print("\n");
  std::fflush(stdout);
}

void PrintRun(int run, const RunResult& r) {
  fmt::print(
      "run {}: {:.0f} deliveries/s  p50 {:.1f} ms  p99 {:.1f} ms  p99.9 {:.1f} ms  errors {}  "
      "reconnects {}  server cpu {:.2f} cores  bench cpu {:.2f} cores  mean batch {:.1f}\n",
      run, r.deliveries_per_s, r.p50_ms, r.p99_ms, r.p999_ms, r.ErrorCount(), r.reconnects,
      r.server_cores, r.bench_cores, r.mean_batch);
  for (const auto& [kind, count] : r.errors) fmt::print("  error: {} x{}\n", kind, count);
  if (r.duplicate_events > 0) {
    // Expected from events without a wamid (value-level errors), which the samples repeat.
    fmt::print(
        "  {} events flagged as duplicates by the server (repeated events without a wamid)\n",
        r.duplicate_events);
  }
  if (!r.server_exit.empty()) fmt::print("  server {}\n", r.server_exit);
  std::fflush(stdout);
}

void PrintMedians(const std::vector<RunResult>& results) {
  const auto median_of = [&results](double RunResult::*field) {
    std::vector<double> values;
    for (const RunResult& r : results) values.push_back(r.*field);
    return Median(std::move(values));
  };
  fmt::print("median of {} runs: {:.0f} deliveries/s  p50 {:.1f} ms  p99 {:.1f} ms\n",
             results.size(), median_of(&RunResult::deliveries_per_s), median_of(&RunResult::p50_ms),
             median_of(&RunResult::p99_ms));
}

int RunBenchmark(const Options& options) {
  const PayloadSet payloads = SelectPayloads(options.mix);
  PrintConfiguration(options, payloads);
  std::vector<RunResult> results;
  bool clean = true;
  for (int run = 1; run <= options.runs; ++run) {
    results.push_back(RunOnce(options, payloads.templates, run));
    PrintRun(run, results.back());
    clean = clean && results.back().ErrorCount() == 0 && results.back().server_exit.empty();
  }
  PrintMedians(results);
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace wj::bench

int main(int argc, char** argv) {
  return wj::bench::BenchMain("wj-bench", argc, argv, wj::bench::kUsage, wj::bench::ParseOptions,
                              wj::bench::RunBenchmark);
}
