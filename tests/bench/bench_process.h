#pragma once

// What the benchmark programs share: starting `waba-journal serve` as a child process and
// reading the port it listens on, a temporary directory, file descriptors, and the
// statistics they report (percentiles, medians).

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/fmt/fmt.h>

#include "storage/status.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wj::bench {

using Clock = std::chrono::steady_clock;

inline constexpr std::string_view kListeningPrefix = "listening on http://127.0.0.1:";
inline constexpr auto kShutdownTimeout = std::chrono::seconds(30);

[[noreturn]] inline void ThrowErrno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

inline Clock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

inline double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

inline int MillisecondsUntil(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

template <typename T>
std::optional<T> ParseNumber(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }

  int get() const { return fd_; }
  void Reset() {
    // A failed close leaves nothing to retry or report: the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline std::string DefaultBinary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "waba-journal";
  return (self.parent_path() / "waba-journal").string();
}

class TempDir {
 public:
  // `tool` names the program in the directory name and in messages.
  explicit TempDir(std::string_view tool) : tool_(tool) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
    pattern += "/" + tool_ + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ThrowErrno("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) std::cerr << tool_ << ": could not remove " << path_ << ": " << ec.message() << '\n';
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::string tool_;
  std::filesystem::path path_;
};

inline std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? ""
                                    : fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("ended with wait status {}", status);
}

// Forks and execs `binary` with `args`, its stdout into a new pipe (the read end goes to
// `stdout_read`); stderr is shared. `tool` names the benchmark in the child's failure line.
inline pid_t SpawnWithStdout(std::string_view tool, const std::string& binary,
                             const std::vector<std::string>& args, UniqueFd* stdout_read) {
  std::array<int, 2> fds;
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) ThrowErrno("pipe2");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string failed = fmt::format("{}: could not start {}\n", tool, binary);
  const pid_t pid = ::fork();
  if (pid < 0) ThrowErrno("fork");
  if (pid == 0) {
    if (::dup2(write_end.get(), STDOUT_FILENO) >= 0) ::execv(argv[0], argv.data());
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, failed.data(), failed.size());
    ::_exit(127);
  }
  *stdout_read = std::move(read_end);
  return pid;
}

// A running `waba-journal serve`. Start() returns once the server has printed the port it
// listens on; its later output is drained by a thread, which passes warnings and errors on
// to stderr. Stop() (or the destructor) sends SIGTERM and reaps it.
class ServerProcess {
 public:
  // `tool` names the benchmark in messages; `startup_timeout` bounds the wait for the port
  // (opening a large journal takes longer).
  static std::unique_ptr<ServerProcess> Start(std::string_view tool, const std::string& binary,
                                              const std::vector<std::string>& args,
                                              std::chrono::seconds startup_timeout) {
    std::unique_ptr<ServerProcess> server(new ServerProcess(tool));
    server->Spawn(binary, args);
    server->WaitUntilListening(startup_timeout);
    return server;
  }

  ~ServerProcess() {
    if (const std::string problem = Stop(); !problem.empty()) {
      std::cerr << tool_ << ": server " << problem << '\n';
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }

  // SIGTERM, then waits up to kShutdownTimeout for pending commits to finish before
  // SIGKILL. Returns "" when the server exited 0, otherwise what went wrong.
  std::string Stop() noexcept {
    if (pid_ < 0) return "";
    std::string problem;
    if (::kill(pid_, SIGTERM) != 0) problem = fmt::format("kill: {}", std::strerror(errno));
    if (problem.empty() && pidfd_.get() >= 0) {
      pollfd exited{pidfd_.get(), POLLIN, 0};
      const auto deadline = Clock::now() + kShutdownTimeout;
      int ready = 0;
      do {
        ready = ::poll(&exited, 1, MillisecondsUntil(deadline));
      } while (ready < 0 && errno == EINTR);
      if (ready == 0) {
        problem = "did not stop within 30 s of SIGTERM; killed";
        ::kill(pid_, SIGKILL);
      }
    }
    int status = 0;
    pid_t reaped = 0;
    do {
      reaped = ::waitpid(pid_, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    pid_ = -1;
    if (reaped < 0) {
      problem = fmt::format("waitpid: {}", std::strerror(errno));
    } else if (problem.empty()) {
      problem = DescribeExit(status);
    }
    if (drain_.joinable()) drain_.join();  // the pipe is at EOF now that the server is gone
    return problem;
  }

 private:
  explicit ServerProcess(std::string_view tool) : tool_(tool) {}

  void Spawn(const std::string& binary, const std::vector<std::string>& args) {
    const pid_t pid = SpawnWithStdout(tool_, binary, args, &stdout_);
    pid_ = pid;
    // The raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
    pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd_.get() < 0) ThrowErrno("pidfd_open");
  }

  // Reads the server's stdout up to "listening on http://127.0.0.1:PORT".
  void WaitUntilListening(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string pending;
    std::array<char, 4096> buffer;
    for (;;) {
      for (std::size_t eol = pending.find('\n'); eol != std::string::npos;
           eol = pending.find('\n')) {
        const std::string_view line(pending.data(), eol);
        if (line.starts_with(kListeningPrefix)) {
          const auto port = ParseNumber<std::uint16_t>(line.substr(kListeningPrefix.size()));
          if (!port || *port == 0) {
            throw std::runtime_error("server printed a bad port: " + std::string(line));
          }
          port_ = *port;
          drain_ = std::thread([fd = stdout_.get()] { DrainOutput(fd); });
          return;
        }
        ForwardIfWarning(line);
        pending.erase(0, eol + 1);
      }
      if (Clock::now() >= deadline) {
        throw std::runtime_error(
            fmt::format("the server did not report its port within {} s", timeout.count()));
      }
      pollfd readable{stdout_.get(), POLLIN, 0};
      const int ready = ::poll(&readable, 1, MillisecondsUntil(deadline));
      if (ready < 0 && errno != EINTR) ThrowErrno("poll on the server's stdout");
      if (ready <= 0) continue;
      const ssize_t n = ::read(stdout_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno != EINTR) ThrowErrno("read of the server's stdout");
      if (n == 0) throw std::runtime_error("the server stopped before listening: " + Stop());
      if (n > 0) pending.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }

  // Passes a server log line at warning level or above on to stderr.
  static void ForwardIfWarning(std::string_view line) {
    for (std::string_view level : {"] [warning] ", "] [error] ", "] [critical] "}) {
      if (line.find(level) != std::string_view::npos) {
        std::cerr << "server: " << line << '\n';
        return;
      }
    }
  }

  // Thread body: reads the server's stdout until EOF, so that its log never blocks on a
  // full pipe; lines at warning level and above go to stderr.
  static void DrainOutput(int fd) {
    std::string pending;
    std::array<char, 4096> buffer;
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      pending.append(buffer.data(), static_cast<std::size_t>(n));
      for (std::size_t eol = pending.find('\n'); eol != std::string::npos;
           eol = pending.find('\n')) {
        ForwardIfWarning(std::string_view(pending.data(), eol));
        pending.erase(0, eol + 1);
      }
    }
  }

  std::string tool_;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdout_;
  std::uint16_t port_ = 0;
  std::thread drain_;  // last: joined in Stop(), before the descriptors close
};

inline double PercentileMs(const std::vector<std::int64_t>& sorted_us, double fraction) {
  if (sorted_us.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted_us.size())));
  return static_cast<double>(sorted_us[std::clamp<std::size_t>(rank, 1, sorted_us.size()) - 1]) /
         1000.0;
}

inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Reads "--flag value", "--flag=value" and the value-less `switches`, calling
// apply(flag, value) for each (value "" for a switch) and stopping at the first failure.
// "--help" or "-h" sets *help and ends the reading.
template <typename Apply>
Status ForEachFlag(std::span<char* const> args, std::initializer_list<std::string_view> switches,
                   bool* help, Apply apply) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return Status::Ok();
    }
    if (!arg.starts_with("--")) {
      return Status::InvalidArgument(fmt::format("unexpected argument '{}'", arg));
    }
    std::string_view value;
    if (std::find(switches.begin(), switches.end(), arg) != switches.end()) {
      value = "";
    } else if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument(fmt::format("{} needs a value", arg));
    }
    if (Status applied = apply(arg, value); !applied.ok()) return applied;
  }
  return Status::Ok();
}

// `binary`, or waba-journal beside this program when empty; InvalidArgument unless it is
// executable.
inline Result<std::string> ServerBinary(std::string binary) {
  if (binary.empty()) binary = DefaultBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    return Status::InvalidArgument(fmt::format(
        "server binary {} is not executable: {} (use --binary)", binary, std::strerror(errno)));
  }
  return binary;
}

// A benchmark's main(): parses the flags with `parse` (2 and a one-line message on bad
// flags), prints `usage` for --help, runs `run` and turns an escaping exception (a setup
// failure) into 1 and a message naming `tool`.
template <typename Parse, typename Run>
int BenchMain(std::string_view tool, int argc, char** argv, std::string_view usage, Parse parse,
              Run run) {
  const auto options =
      parse(std::span<char* const>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
  if (!options.ok()) {
    std::cerr << tool << ": " << options.status().message() << '\n';
    return 2;
  }
  if (options->help) {
    std::cout << usage;
    return 0;
  }
  try {
    return run(options.value());
  } catch (const std::exception& e) {
    std::cerr << tool << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace wj::bench
