#pragma once

#include <string>

#include "server/http/http_client.h"
#include "server/reconciler/graph_answer.h"

namespace wj::server {

struct GraphOptions {
  std::string base_url = "https://graph.facebook.com";  // no trailing slash
  std::string version = "v24.0";
  std::string access_token;  // sent as "Authorization: Bearer"; never logged
  std::string app_secret;    // when set, every call carries appsecret_proof
  long timeout_ms = 10000;   // whole call, connect included
};

// The two Graph API calls of the reconciler, on /{waba-id}/subscribed_apps.
// Redirects are not followed. Never throws; failures are in the answer.
//
// Thread-safety: one instance per thread.
class GraphClient {
 public:
  explicit GraphClient(GraphOptions options);

  // GET: which apps are subscribed to the WABA.
  GraphAnswer GetSubscribedApps(const std::string& waba_id);
  // POST without a body: subscribes the token's app to the WABA. Never DELETE.
  GraphAnswer Subscribe(const std::string& waba_id);

 private:
  GraphAnswer Call(const std::string& waba_id, bool post);

  GraphOptions options_;
  std::string proof_;  // appsecret_proof, computed once
  HttpClient http_;
};

// HMAC-SHA256 of the access token keyed with the app secret, as lowercase hex: Meta's
// appsecret_proof.
std::string AppSecretProof(const std::string& access_token, const std::string& app_secret);

}  // namespace wj::server
