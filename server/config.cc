#include "server/config.h"

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
          {"synchronous", "WABA_JOURNAL_SYNCHRONOUS", "MODE",
           "SQLite synchronous mode: full (survives power loss), normal or extra.", "full"},
          {"demo", "WABA_JOURNAL_DEMO", "",
           "Demo mode: generate and print a secret and token if none is configured.", ""},
      });
}

Result<ServeConfig> ServeConfigFromFlags(const FlagSet& flags) {
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

  auto sync = storage::ParseSyncMode(*flags.Get("synchronous"));
  if (!sync.ok()) return Status::InvalidArgument("--" + sync.status().message());
  c.sync = sync.value();

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
