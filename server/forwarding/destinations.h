#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/util/cli_flags.h"
#include "storage/journal_reader.h"

namespace wj::server {

// How events reach a destination.
enum class ForwardMode {
  kResign,    // each event in Meta's envelope, signed with the destination's secret
  kOriginal,  // the original delivery's exact bytes with Meta's own signature header
};

// A downstream consumer, configured by the operator (never by an API caller).
struct Destination {
  std::string name;    // [A-Za-z0-9_-]{1,64}, unique
  std::string url;     // http(s); see CheckDestination() for which hosts are allowed
  std::string secret;  // signs resigned events; required for kResign
  ForwardMode mode = ForwardMode::kResign;
  std::vector<std::string> waba_ids;  // only these WABAs; empty: all
  std::vector<std::string> fields;    // only these fields; empty: all

  // Whether `event` passes this destination's WABA and field filters.
  bool Matches(const storage::StoredEvent& event) const;
};

const char* ToString(ForwardMode mode);

// The destinations given by the repeatable options (each value "NAME=…"):
//   --destination NAME=URL, --destination-secret NAME=SECRET, --destination-mode
//   NAME=resign|original, --destination-waba NAME=WABA_ID, --destination-field NAME=FIELD.
// A secret may also come from the environment variable WABA_DESTINATION_SECRET_<NAME>
// (name upper-cased, '-' as '_'), which keeps it out of the process list.
struct DestinationOptions {
  std::vector<std::string> destinations, secrets, modes, wabas, fields;
};
// Returns InvalidArgument naming the option and the destination: a malformed value, a
// duplicate or invalid name, an option for an undeclared destination, a URL that is not
// http(s), or a resign destination without a secret.
Result<std::vector<Destination>> ParseDestinations(const DestinationOptions& options,
                                                   const Environment& env);

}  // namespace wj::server
