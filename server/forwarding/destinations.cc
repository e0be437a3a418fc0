#include "server/forwarding/destinations.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "server/forwarding/outbound_policy.h"
#include "server/meta/waba_id.h"

namespace wj::server {
namespace {

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Splits "NAME=VALUE"; InvalidArgument names `option` when it is not that shape.
Result<std::pair<std::string, std::string>> Split(const std::string& option,
                                                  const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return Status::InvalidArgument("--" + option + " must be NAME=VALUE");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

std::string SecretVariable(const std::string& name) {
  std::string var = "WABA_DESTINATION_SECRET_";
  for (char c : name) {
    var.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return var;
}

}  // namespace

bool Destination::Matches(const storage::StoredEvent& event) const {
  auto any_of = [](const std::vector<std::string>& allowed, const std::string& v) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), v) != allowed.end();
  };
  return any_of(waba_ids, event.waba_id) && any_of(fields, event.field);
}

const char* ToString(ForwardMode mode) {
  return mode == ForwardMode::kOriginal ? "original" : "resign";
}

Result<std::vector<Destination>> ParseDestinations(const DestinationOptions& options,
                                                   const Environment& env) {
  std::vector<Destination> out;
  std::map<std::string, std::size_t> index;
  for (const std::string& text : options.destinations) {
    auto kv = Split("destination", text);
    if (!kv.ok()) return kv.status();
    auto& [name, url] = kv.value();
    if (!ValidName(name)) {
      return Status::InvalidArgument("--destination name '" + name +
                                     "' must be 1-64 letters, digits, '_' or '-'");
    }
    if (index.count(name) > 0) {
      return Status::InvalidArgument("--destination " + name + " is given twice");
    }
    if (auto parsed = ParseDestinationUrl(url); !parsed.ok()) {
      return Status::InvalidArgument("--destination " + name + ": " + parsed.status().message());
    }
    index[name] = out.size();
    out.push_back(Destination{name, url, {}, ForwardMode::kResign, {}, {}});
  }
  // Every other option names a declared destination.
  auto apply = [&](const char* option, const std::vector<std::string>& values,
                   auto&& set) -> Status {
    for (const std::string& text : values) {
      auto kv = Split(option, text);
      if (!kv.ok()) return kv.status();
      auto it = index.find(kv->first);
      if (it == index.end()) {
        return Status::InvalidArgument(std::string("--") + option + " names '" + kv->first +
                                       "', which no --destination declares");
      }
      if (Status s = set(out[it->second], kv->second); !s.ok()) return s;
    }
    return Status::Ok();
  };
  Status s = apply("destination-secret", options.secrets, [](Destination& d, const std::string& v) {
    d.secret = v;
    return Status::Ok();
  });
  if (s.ok()) {
    s = apply("destination-mode", options.modes, [](Destination& d, const std::string& v) {
      if (v == "resign") {
        d.mode = ForwardMode::kResign;
      } else if (v == "original") {
        d.mode = ForwardMode::kOriginal;
      } else {
        return Status::InvalidArgument("--destination-mode " + d.name +
                                       " must be resign or original");
      }
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = apply("destination-waba", options.wabas, [](Destination& d, const std::string& v) {
      if (!IsWabaId(v)) {
        return Status::InvalidArgument("--destination-waba " + d.name + ": '" + v +
                                       "' is not a WABA id");
      }
      d.waba_ids.push_back(v);
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = apply("destination-field", options.fields, [](Destination& d, const std::string& v) {
      d.fields.push_back(v);
      return Status::Ok();
    });
  }
  if (!s.ok()) return s;
  for (Destination& d : out) {
    if (d.secret.empty()) d.secret = env(SecretVariable(d.name)).value_or("");
    if (d.mode == ForwardMode::kResign && d.secret.empty()) {
      return Status::InvalidArgument("destination " + d.name +
                                     " needs a signing secret: --destination-secret " + d.name +
                                     "=SECRET or " + SecretVariable(d.name));
    }
  }
  return out;
}

}  // namespace wj::server
