#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "server/forwarding/destinations.h"
#include "server/http/client_origin.h"
#include "server/http/http_server.h"
#include "server/retention/content_retention.h"
#include "storage/store_options.h"

namespace wj::server {

// Everything `waba-journal serve` needs, with its defaults. Every field has a flag and an
// environment variable (see ServeFlags() in server/cli/serve_flags.h).
struct ServeConfig {
  ListenAddress listen{"127.0.0.1", 8080};
  // When set, the API (and web UI, health, metrics) listen here and `listen` serves only
  // /webhook; otherwise everything shares `listen`.
  std::optional<ListenAddress> api_listen;
  std::string db_path = "./waba-journal.db";
  std::string journal_key;  // hex, from WABA_JOURNAL_KEY; empty: the key file beside db_path
  std::vector<std::string> app_secrets;  // a delivery is valid if any one signs it
  std::string verify_token;              // answers Meta's GET handshake
  std::size_t max_body_bytes = 4 << 20;  // Meta sends up to 3 MB
  int threads = 2;                       // HTTP worker threads
  // Peers (the TLS front) whose X-Forwarded-For and X-Client-Cert-* headers are believed.
  TrustedProxies trusted_proxies;
  // POST /webhook without a verified client certificate attested by a trusted front → 401.
  bool require_client_cert = false;
  storage::SyncMode sync = storage::SyncMode::kFull;
  bool demo = false;  // generate a secret and token when none is configured
  // Serve the web UI from this directory instead of the copy built into the binary (for
  // developing the UI without rebuilding); empty: the built-in copy.
  std::string web_root;

  // The reconciler (on when access_token is set).
  std::string graph_url = "https://graph.facebook.com";
  std::string graph_version = "v24.0";
  std::string access_token;  // never logged, never in an API answer
  std::string app_id;
  std::vector<std::string> wabas;
  bool watch_seen_wabas = false;
  std::chrono::seconds reconcile_interval{15 * 60};
  std::chrono::seconds graph_timeout{10};
  bool auto_resubscribe = false;

  // Forwarding to downstream consumers (see server/forwarding/forwarding.h).
  std::vector<Destination> destinations;
  bool allow_private_destinations = false;  // loopback / private / link-local targets
  std::chrono::milliseconds forward_timeout{10'000};
  std::chrono::milliseconds forward_horizon{24 * 60 * 60 * 1000};
  std::chrono::milliseconds forward_retry_initial{1000};
  std::chrono::milliseconds forward_retry_max{5 * 60 * 1000};
  int replay_rate = 6000;  // events/s per destination; 0: unlimited

  // Erasure of customers' content by age (none: keep everything).
  RetentionPolicy retention;
};

}  // namespace wj::server
