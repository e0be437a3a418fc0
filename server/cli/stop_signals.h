#pragma once

#include <csignal>

namespace wj::server {

// How a long-running command (serve, and the test tools wj-sink and wj-fake-graph) stops:
// SIGINT or SIGTERM, taken by one sigwait() on the main thread.
//
// BlockStopSignals() must run before any thread starts, so that every thread inherits the
// mask: it ignores SIGPIPE (a vanished peer must not kill the process), blocks SIGINT and
// SIGTERM, and restores their default disposition (a shell starts background jobs with
// SIGINT ignored, and an ignored signal never reaches sigwait). Returns the set to wait on.
sigset_t BlockStopSignals();

// Blocks until SIGINT or SIGTERM arrives; returns which.
int WaitForStopSignal(const sigset_t& stop_signals);

}  // namespace wj::server
