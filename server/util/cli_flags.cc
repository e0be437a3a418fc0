#include "server/util/cli_flags.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace wj::server {

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

FlagSet::FlagSet(std::string usage, std::vector<FlagSpec> specs)
    : usage_(std::move(usage)), specs_(std::move(specs)) {}

const FlagSpec* FlagSet::Find(const std::string& name) const {
  for (const FlagSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status FlagSet::Parse(const std::vector<std::string>& args, const Environment& env) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return Status::Ok();
    }
    if (arg.rfind("--", 0) != 0)
      return Status::InvalidArgument("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (std::size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = Find(name);
    if (spec == nullptr) return Status::InvalidArgument("unknown option --" + name);
    auto& values = values_[name];
    if (!values.empty() && !spec->repeatable) {
      return Status::InvalidArgument("--" + name + " given more than once");
    }
    if (spec->value_name.empty()) {
      if (inline_value) return Status::InvalidArgument("--" + name + " takes no value");
      values.push_back("true");
      continue;
    }
    if (inline_value) {
      values.push_back(*inline_value);
    } else if (i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      return Status::InvalidArgument("--" + name + " needs a value (" + spec->value_name + ")");
    }
  }
  for (const FlagSpec& s : specs_) {
    if (values_.count(s.name) != 0 || s.env.empty()) continue;
    auto v = env(s.env);
    if (!v || v->empty()) continue;
    auto& values = values_[s.name];
    if (!s.repeatable) {
      values.push_back(*v);
      continue;
    }
    std::stringstream parts(*v);
    for (std::string part; std::getline(parts, part, ',');) {
      if (!part.empty()) values.push_back(part);
    }
  }
  return Status::Ok();
}

std::optional<std::string> FlagSet::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.front();
  const FlagSpec* spec = Find(name);
  if (spec != nullptr && !spec->default_value.empty()) return spec->default_value;
  return std::nullopt;
}

std::vector<std::string> FlagSet::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool FlagSet::IsSet(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty() && it->second.front() != "false" &&
         it->second.front() != "0";
}

std::string FlagSet::Help() const {
  std::ostringstream os;
  os << usage_ << "\n\nOptions:\n";
  for (const FlagSpec& s : specs_) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    os << left;
    os << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << s.help;
    if (s.repeatable) os << " Repeatable.";
    if (!s.default_value.empty()) os << " Default: " << s.default_value << ".";
    if (!s.env.empty())
      os << " Env: " << s.env << (s.repeatable ? " (comma-separated)" : "") << ".";
    os << '\n';
  }
  os << "  --help                      Show this help.\n";
  return os.str();
}

Result<std::uint64_t> ParseCount(const std::string& flag, const std::string& text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("--" + flag + " must be a non-negative integer, not '" + text +
                                   "'");
  }
  return value;
}

Result<std::chrono::seconds> ParseDuration(const std::string& flag, const std::string& text) {
  std::string digits = text;
  std::int64_t unit = 1;
  if (!digits.empty() && !std::isdigit(static_cast<unsigned char>(digits.back()))) {
    const char suffix = digits.back();
    digits.pop_back();
    unit = suffix == 's' ? 1 : suffix == 'm' ? 60 : suffix == 'h' ? 3600 : 0;
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  // Up to a year: a longer interval is a typo, and the product must not overflow.
  if (unit == 0 || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      n < 1 || n * unit > 366LL * 86400) {
    return Status::InvalidArgument("--" + flag +
                                   " must be a duration such as 30s, 15m, 1h or seconds");
  }
  return std::chrono::seconds(n * unit);
}

int ParseFlagsOrExit(FlagSet& flags, const char* command, const std::vector<std::string>& args,
                     const Environment& env) {
  Status s = flags.Parse(args, env);
  if (!s.ok()) {
    std::cerr << "waba-journal " << command << ": " << s.message() << '\n';
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  return -1;
}

}  // namespace wj::server
