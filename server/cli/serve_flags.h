#pragma once

#include "server/service/serve_config.h"
#include "server/util/cli_flags.h"

namespace wj::server {

// The flag table of `serve`, also used for --help.
FlagSet ServeFlags();

// Reads the configuration from parsed flags. Returns InvalidArgument with a one-line message
// naming the option when a value is malformed, or when the app secret or the verify token
// is missing outside demo mode.
// Destination secrets may come from `env` (WABA_DESTINATION_SECRET_<NAME>).
Result<ServeConfig> ServeConfigFromFlags(const FlagSet& flags,
                                         const Environment& env = ProcessEnvironment());

}  // namespace wj::server
