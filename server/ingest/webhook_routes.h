#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/http/client_origin.h"
#include "server/http/router.h"
#include "server/ingest/ingest_metrics.h"
#include "server/meta/signature.h"
#include "storage/journal_writer.h"

namespace wj::server {

// Whom POST /webhook believes about a delivery's origin, and whether it needs Meta's mTLS.
struct WebhookClientPolicy {
  TrustedProxies trusted_proxies;           // whose forwarding headers are believed
  bool require_client_certificate = false;  // Meta's mTLS, as a second lock
};

// GET /webhook (Meta's verification handshake) and POST /webhook (deliveries).
//
// A POST is answered 401 unless its X-Hub-Signature-256 verifies over the raw body; a
// verified one is handed to the journal and answered 200 only once committed, 503 if the
// commit failed (Meta then retries). A verified body that is not a WABA envelope is still
// journaled, raw, with its parse error, and answered 200: Meta would otherwise retry it for
// days.
//
// Each delivery records where it came from: the socket's peer, or, from a trusted TLS front,
// the client address and the verified client certificate it attests (ClientOrigin). With
// `require_client_certificate`, a POST without such a certificate is answered 401 before
// anything else is read.
//
// Thread-safety: handlers run on any HTTP worker; completions on the journal's writer
// thread. Must outlive the HTTP server and the appender it uses.
class WebhookRoutes {
 public:
  WebhookRoutes(std::string verify_token, SignatureVerifier verifier,
                storage::DeliveryAppender& appender, IngestMetrics& metrics,
                WebhookClientPolicy client_policy = {});

  void Register(Router& router);

  // When set, new deliveries are answered 503 (Meta retries later): used while stopping.
  void SetDraining(bool draining) { draining_.store(draining); }
  // Deliveries accepted for the journal whose answer has not been written yet.
  int InFlight() const { return in_flight_->load(); }

 private:
  void Handshake(const HttpRequest& request, Pistache::Http::ResponseWriter& response);
  void Receive(const HttpRequest& request, Pistache::Http::ResponseWriter& response);

  const std::string verify_token_;
  const SignatureVerifier verifier_;
  storage::DeliveryAppender& appender_;
  IngestMetrics& metrics_;
  const WebhookClientPolicy client_policy_;
  std::atomic<bool> draining_ = false;
  // Shared with the send callbacks, which may outlive this object if a stop gives up waiting.
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace wj::server
