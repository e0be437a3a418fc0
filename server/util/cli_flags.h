#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/status.h"

namespace wj::server {

// Looks up an environment variable; injectable so tests need not touch the real one.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment ProcessEnvironment();

struct FlagSpec {
  std::string name;           // without dashes: "listen" for --listen
  std::string env;            // environment variable read when the flag is absent; may be empty
  std::string value_name;     // shown in help, e.g. "HOST:PORT"; empty for a switch
  std::string help;           // one line
  std::string default_value;  // used when neither flag nor variable is given; may be empty
  bool repeatable = false;    // may be given several times; the variable is comma-separated
};

// The flags of one sub-command: parses "--name value", "--name=value" and switches, with
// environment variables as fallbacks, and renders --help from the same table.
//
// Thread-safety: none needed; used once at start.
class FlagSet {
 public:
  FlagSet(std::string usage, std::vector<FlagSpec> specs);

  // Returns InvalidArgument naming the offending flag for an unknown flag, a missing value,
  // a repeated non-repeatable flag or a positional argument.
  Status Parse(const std::vector<std::string>& args, const Environment& env);

  bool help_requested() const { return help_requested_; }
  // The value given by flag, else variable, else the default; nullopt if none.
  std::optional<std::string> Get(const std::string& name) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  bool IsSet(const std::string& name) const;  // for switches
  std::string Help() const;

 private:
  const FlagSpec* Find(const std::string& name) const;

  std::string usage_;
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  bool help_requested_ = false;
};

// Parses the flags of sub-command `command`. Returns -1 to go on, else the exit code: 2
// after printing a usage error to stderr, 0 after printing --help to stdout.
int ParseFlagsOrExit(FlagSet& flags, const char* command, const std::vector<std::string>& args,
                     const Environment& env);

// Parses a duration: "30s", "15m", "1h", or plain seconds ("90"); at least one second.
// InvalidArgument names the flag.
Result<std::chrono::seconds> ParseDuration(const std::string& flag, const std::string& text);

// Parses a non-negative integer flag value; InvalidArgument names the flag.
Result<std::uint64_t> ParseCount(const std::string& flag, const std::string& text);

}  // namespace wj::server
