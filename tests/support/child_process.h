#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wj::testing {

// Runs a program with its stdout and stderr on pipes. Reads are bounded by deadlines, not
// sleeps. The child is killed (SIGKILL) and reaped on destruction if still running.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::vector<std::string>& env = {}) {
    int out[2];
    int err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      std::vector<char*> argv{const_cast<char*>(program.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
      envp.push_back(nullptr);
      execve(program.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~ChildProcess() {
    if (!exit_code_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    close(out_);
    close(err_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Returns the next stdout line starting with `prefix`, skipping others (kept in
  // stdout_seen()); nullopt if none arrives within `timeout` or stdout closes.
  std::optional<std::string> WaitForLine(const std::string& prefix,
                                         std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::size_t eol;
      while ((eol = out_buf_.find('\n')) != std::string::npos) {
        std::string line = out_buf_.substr(0, eol);
        out_buf_.erase(0, eol + 1);
        stdout_seen_ += line + "\n";
        if (line.rfind(prefix, 0) == 0) return line;
      }
      if (!ReadSome(out_, out_buf_, deadline)) return std::nullopt;
    }
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Waits for exit; returns the exit code, or 128+signal when killed by a signal.
  int Wait() {
    if (exit_code_) return *exit_code_;
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
  }

  // Everything the child wrote to stderr until it closed it (call after Wait()).
  std::string ReadAllStderr() {
    std::string all;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ReadSome(err_, all, deadline)) {
    }
    return all;
  }
  std::string ReadAllStdout() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ReadSome(out_, out_buf_, deadline)) {
    }
    return stdout_seen_ + out_buf_;
  }

 private:
  // Appends what `fd` has; false at EOF or deadline.
  static bool ReadSome(int fd, std::string& buf, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string out_buf_;
  std::string stdout_seen_;
  std::optional<int> exit_code_;
};

// What a run of the waba-journal binary printed and returned.
struct CliOutcome {
  int code = 0;
  std::string out;
  std::string err;
};

// Runs the binary under test (WJ_BINARY) with `args` to completion.
inline CliOutcome RunCli(const std::vector<std::string>& args) {
  ChildProcess p(WJ_BINARY, args);
  std::string out = p.ReadAllStdout();
  const int code = p.Wait();
  return {code, out, p.ReadAllStderr()};
}

}  // namespace wj::testing
