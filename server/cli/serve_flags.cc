#include "server/cli/serve_flags.h"

#include <filesystem>
#include <system_error>

#include "server/cli/commands.h"
#include "server/meta/waba_id.h"
#include "server/retention/content_retention.h"

namespace wj::server {

FlagSet ServeFlags() {
  return FlagSet(
      "Usage: waba-journal serve [options]\n\n"
      "Receives Meta's WhatsApp Business Account webhooks: answers the verification\n"
      "handshake on GET /webhook, verifies X-Hub-Signature-256 on POST /webhook and answers\n"
      "200 only once the delivery is committed to the journal.",
      {
          {"listen", "WABA_JOURNAL_LISTEN", "HOST:PORT", "Address to listen on.", "127.0.0.1:8080"},
          {"api-listen", "WABA_JOURNAL_API_LISTEN", "HOST:PORT",
           "Serve the API, UI, /healthz and /metrics here; --listen then serves only /webhook.",
           ""},
          {"db", "WABA_JOURNAL_DB", "PATH", "Journal database file (created with mode 0600).",
           "./waba-journal.db"},
          {"app-secret", "WABA_APP_SECRET", "SECRET",
           "Meta app secret that signs deliveries; several = rotation or several apps.", "", true},
          {"verify-token", "WABA_VERIFY_TOKEN", "TOKEN",
           "Token Meta sends in the GET handshake (set in the App Dashboard).", ""},
          {"max-body", "WABA_JOURNAL_MAX_BODY", "BYTES", "Largest accepted delivery body.",
           "4194304"},
          {"threads", "WABA_JOURNAL_THREADS", "N", "HTTP worker threads.", "2"},
          {"trusted-proxy", "WABA_JOURNAL_TRUSTED_PROXIES", "CIDR",
           "A TLS front (e.g. 127.0.0.1/32) whose X-Forwarded-For and X-Client-Cert-* headers "
           "are believed (repeatable); anyone else's are ignored.",
           "", true},
          {"require-client-cert", "WABA_JOURNAL_REQUIRE_CLIENT_CERT", "",
           "Answer 401 to a POST /webhook whose trusted front attested no verified client "
           "certificate (Meta's mTLS).",
           ""},
          {"synchronous", "WABA_JOURNAL_SYNCHRONOUS", "MODE",
           "SQLite synchronous mode: full (survives power loss), normal or extra.", "full"},
          {"demo", "WABA_JOURNAL_DEMO", "",
           "Demo mode: generate and print a secret and token if none is configured.", ""},
          {"web-root", "WABA_JOURNAL_WEB_ROOT", "DIR",
           "Serve the web UI from DIR instead of the built-in copy (UI development).", ""},
          {"access-token", "WABA_ACCESS_TOKEN", "TOKEN",
           "Graph API token for the reconciler (off without one); never logged.", ""},
          {"app-id", "WABA_APP_ID", "ID", "Our Meta app id: which subscribed app is us.", ""},
          {"waba", "WABA_JOURNAL_WABAS", "WABA_ID",
           "A WABA whose subscription the reconciler watches (repeatable).", "", true},
          {"watch-seen-wabas", "WABA_JOURNAL_WATCH_SEEN_WABAS", "",
           "Also watch every WABA that appears in the journal.", ""},
          {"reconcile-interval", "WABA_JOURNAL_RECONCILE_INTERVAL", "DURATION",
           "How often each WABA is checked (30s, 15m, 1h or seconds).", "15m"},
          {"auto-resubscribe", "WABA_JOURNAL_AUTO_RESUBSCRIBE", "",
           "Subscribe our app again when a check finds it missing.", ""},
          {"graph-url", "WABA_GRAPH_URL", "URL", "Graph API base URL.",
           "https://graph.facebook.com"},
          {"graph-version", "WABA_GRAPH_VERSION", "VERSION", "Graph API version.", "v24.0"},
          {"graph-timeout", "WABA_GRAPH_TIMEOUT", "DURATION", "Timeout of one Graph API call.",
           "10s"},
          {"destination", "WABA_JOURNAL_DESTINATIONS", "NAME=URL",
           "Forward every new event to this consumer (repeatable).", "", true},
          {"destination-secret", "", "NAME=SECRET",
           "Secret that re-signs events for NAME (or WABA_DESTINATION_SECRET_<NAME>).", "", true},
          {"destination-mode", "", "NAME=MODE",
           "resign (default: Meta's envelope, signed with NAME's secret) or original (the "
           "delivery's bytes and Meta's signature).",
           "", true},
          {"destination-waba", "", "NAME=WABA_ID", "Forward only this WABA to NAME (repeatable).",
           "", true},
          {"destination-field", "", "NAME=FIELD", "Forward only this field to NAME (repeatable).",
           "", true},
          {"allow-private-destinations", "WABA_JOURNAL_ALLOW_PRIVATE_DESTINATIONS", "",
           "Allow destinations on loopback, private and link-local addresses.", ""},
          {"forward-timeout", "WABA_JOURNAL_FORWARD_TIMEOUT", "DURATION",
           "Timeout of one forwarded request.", "10s"},
          {"forward-horizon", "WABA_JOURNAL_FORWARD_HORIZON", "DURATION",
           "Retry an event this long, then record it as failed and go on.", "24h"},
          {"replay-rate", "WABA_JOURNAL_REPLAY_RATE", "N",
           "Most events per second a replay sends to one destination (0: no limit).", "6000"},
          {"content-retention", "WABA_JOURNAL_CONTENT_RETENTION", "DURATION",
           "Erase customers' content (messages, echoes, calls, history...) received longer ago"
           " than this (30d, 12h...), every hour. Default: keep.",
           ""},
          {"content-retention-waba", "WABA_JOURNAL_CONTENT_RETENTION_WABAS", "WABA=DURATION",
           "A retention of its own for one WABA (repeatable).", "", true},
      });
}

Result<ServeConfig> ServeConfigFromFlags(const FlagSet& flags, const Environment& env) {
  ServeConfig c;
  auto listen = ParseListenAddress(*flags.Get("listen"));
  if (!listen.ok()) return Status::InvalidArgument("--listen: " + listen.status().message());
  c.listen = listen.value();
  if (auto api = flags.Get("api-listen"); api && !api->empty()) {
    auto parsed = ParseListenAddress(*api);
    if (!parsed.ok()) return Status::InvalidArgument("--api-listen: " + parsed.status().message());
    c.api_listen = parsed.value();
  }
  c.db_path = *flags.Get("db");
  c.journal_key = JournalOptions(env).journal_key;
  c.app_secrets = flags.GetAll("app-secret");
  c.verify_token = flags.Get("verify-token").value_or("");
  c.demo = flags.IsSet("demo");

  auto max_body = ParseCount("max-body", *flags.Get("max-body"));
  if (!max_body.ok()) return max_body.status();
  if (max_body.value() < 1024 || max_body.value() > (256u << 20)) {
    return Status::InvalidArgument("--max-body must be between 1024 and 268435456 bytes");
  }
  c.max_body_bytes = max_body.value();

  auto threads = ParseCount("threads", *flags.Get("threads"));
  if (!threads.ok()) return threads.status();
  if (threads.value() < 1 || threads.value() > 64) {
    return Status::InvalidArgument("--threads must be between 1 and 64");
  }
  c.threads = static_cast<int>(threads.value());
  auto proxies = TrustedProxies::Parse(flags.GetAll("trusted-proxy"));
  if (!proxies.ok()) return proxies.status();
  c.trusted_proxies = std::move(proxies.value());
  c.require_client_cert = flags.IsSet("require-client-cert");

  auto sync = storage::ParseSyncMode(*flags.Get("synchronous"));
  if (!sync.ok()) return Status::InvalidArgument("--" + sync.status().message());
  c.sync = sync.value();

  c.web_root = flags.Get("web-root").value_or("");
  if (!c.web_root.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(c.web_root, ec)) {
      return Status::InvalidArgument("--web-root: '" + c.web_root + "' is not a directory");
    }
  }

  c.access_token = flags.Get("access-token").value_or("");
  c.app_id = flags.Get("app-id").value_or("");
  c.wabas = flags.GetAll("waba");
  c.watch_seen_wabas = flags.IsSet("watch-seen-wabas");
  c.auto_resubscribe = flags.IsSet("auto-resubscribe");
  for (const std::string& id : c.wabas) {
    // Ids become a URL path segment: digits only.
    if (!IsWabaId(id)) {
      return Status::InvalidArgument("--waba must be a numeric WABA id, not '" + id + "'");
    }
  }
  if (!c.app_id.empty() && c.app_id.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("--app-id must be a numeric app id");
  }
  auto interval = ParseDuration("reconcile-interval", *flags.Get("reconcile-interval"));
  if (!interval.ok()) return interval.status();
  c.reconcile_interval = interval.value();
  auto timeout = ParseDuration("graph-timeout", *flags.Get("graph-timeout"));
  if (!timeout.ok()) return timeout.status();
  c.graph_timeout = timeout.value();
  c.graph_url = *flags.Get("graph-url");
  while (!c.graph_url.empty() && c.graph_url.back() == '/') c.graph_url.pop_back();
  if (c.graph_url.rfind("https://", 0) != 0 && c.graph_url.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("--graph-url must start with https:// or http://");
  }
  c.graph_version = *flags.Get("graph-version");
  if (c.graph_version.empty() ||
      c.graph_version.find_first_not_of("v0123456789.") != std::string::npos) {
    return Status::InvalidArgument("--graph-version must look like v24.0");
  }

  DestinationOptions destinations{flags.GetAll("destination"), flags.GetAll("destination-secret"),
                                  flags.GetAll("destination-mode"),
                                  flags.GetAll("destination-waba"),
                                  flags.GetAll("destination-field")};
  auto parsed_destinations = ParseDestinations(destinations, env);
  if (!parsed_destinations.ok()) return parsed_destinations.status();
  c.destinations = std::move(parsed_destinations.value());
  c.allow_private_destinations = flags.IsSet("allow-private-destinations");
  auto forward_timeout = ParseDuration("forward-timeout", *flags.Get("forward-timeout"));
  if (!forward_timeout.ok()) return forward_timeout.status();
  c.forward_timeout = forward_timeout.value();
  auto horizon = ParseDuration("forward-horizon", *flags.Get("forward-horizon"));
  if (!horizon.ok()) return horizon.status();
  c.forward_horizon = horizon.value();
  auto replay_rate = ParseCount("replay-rate", *flags.Get("replay-rate"));
  if (!replay_rate.ok()) return replay_rate.status();
  if (replay_rate.value() > 1'000'000) {
    return Status::InvalidArgument("--replay-rate must be at most 1000000 events/s");
  }
  c.replay_rate = static_cast<int>(replay_rate.value());
  if (auto retention = flags.Get("content-retention"); retention && !retention->empty()) {
    auto all = ParseRetention("content-retention", *retention);
    if (!all.ok()) return all.status();
    c.retention.all = all.value();
  }
  for (const std::string& spec : flags.GetAll("content-retention-waba")) {
    const std::size_t eq = spec.find('=');
    const std::string waba = spec.substr(0, eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || !IsWabaId(waba)) {
      return Status::InvalidArgument("--content-retention-waba must be WABA_ID=DURATION, not '" +
                                     spec + "'");
    }
    auto keep = ParseRetention("content-retention-waba", spec.substr(eq + 1));
    if (!keep.ok()) return keep.status();
    if (!c.retention.per_waba.emplace(waba, keep.value()).second) {
      return Status::InvalidArgument("--content-retention-waba names WABA " + waba + " twice");
    }
  }

  for (const std::string& secret : c.app_secrets) {
    // An empty HMAC key is one anyone can sign with.
    if (secret.empty()) return Status::InvalidArgument("--app-secret must not be empty");
  }
  if (!c.demo) {
    if (c.app_secrets.empty()) {
      return Status::InvalidArgument(
          "missing --app-secret (or WABA_APP_SECRET): deliveries cannot be verified without it");
    }
    if (c.verify_token.empty()) {
      return Status::InvalidArgument(
          "missing --verify-token (or WABA_VERIFY_TOKEN): Meta's handshake needs it");
    }
  }
  return c;
}

}  // namespace wj::server
