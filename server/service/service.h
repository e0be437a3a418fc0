#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "server/api/api_auth.h"
#include "server/api/api_docs.h"
#include "server/api/erasure_routes.h"
#include "server/api/event_routes.h"
#include "server/api/event_stream.h"
#include "server/api/forwarding_routes.h"
#include "server/api/integrity_routes.h"
#include "server/api/ops_routes.h"
#include "server/api/session_routes.h"
#include "server/api/subscription_routes.h"
#include "server/api/waba_routes.h"
#include "server/forwarding/forwarding.h"
#include "server/http/http_server.h"
#include "server/http/rejection_metrics.h"
#include "server/http/static_files.h"
#include "server/ingest/ingest_metrics.h"
#include "server/ingest/webhook_routes.h"
#include "server/reconciler/reconciler.h"
#include "server/reconciler/reconciler_metrics.h"
#include "server/retention/content_retention.h"
#include "server/service/serve_config.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/token_store.h"

namespace wj::server {

// The web UI's files as compiled into the binary from web/.
std::span<const EmbeddedFile> WebFiles();

// The running receiver: journal, group-commit writer, routes and HTTP listeners, assembled
// from a ServeConfig. `serve` runs one; tests run the very same assembly on port 0.
//
// Thread-safety: Start/Stop from one controlling thread.
class Service {
 public:
  // Lets tests interpose on the journal writer (e.g. to inject commit failures).
  using JournalWrapper = std::function<std::unique_ptr<storage::JournalWriter>(
      std::unique_ptr<storage::JournalWriter>)>;

  // Opens (and migrates) the journal and starts listening. Returns the reason on failure:
  // the journal cannot be opened, or the address cannot be bound.
  static Result<std::unique_ptr<Service>> Start(const ServeConfig& config,
                                                JournalWrapper wrap = {});
  ~Service();  // stops as Stop() does
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The webhook listener's port, and the API's (the same unless --api-listen was given).
  std::uint16_t port() const { return server_->port(); }
  std::uint16_t api_port() const { return (api_server_ ? api_server_ : server_)->port(); }
  storage::JournalStats Committed() const { return writer_->Committed(); }
  Forwarding& forwarding() { return *forwarding_; }
  // The routes of the API listener, e.g. to check them against the OpenAPI document.
  std::vector<Router::RouteInfo> ApiRoutes() const { return api_router_->Routes(); }

  // Graceful stop: new deliveries get 503, accepted ones are committed and answered
  // (bounded wait), then the listener and the writer stop. Idempotent.
  void Stop();

 private:
  Service() = default;

  std::unique_ptr<storage::JournalStore> store_;
  std::unique_ptr<storage::JournalWriter> journal_;
  std::unique_ptr<storage::JournalReader> reader_;
  std::unique_ptr<storage::TokenStore> tokens_;
  std::unique_ptr<storage::GroupCommitWriter> writer_;
  IngestMetrics ingest_metrics_;
  ReconcilerMetrics reconciler_metrics_;
  RejectionMetrics rejection_metrics_;
  std::unique_ptr<WebhookRoutes> webhook_;
  std::unique_ptr<ContentRetention> retention_;
  std::unique_ptr<OpsRoutes> ops_;
  std::unique_ptr<ApiGuard> guard_;
  std::unique_ptr<EventRoutes> events_;
  std::unique_ptr<EventStreamRoutes> stream_;
  std::unique_ptr<WabaRoutes> wabas_;
  std::unique_ptr<Reconciler> reconciler_;  // null when off
  std::unique_ptr<SubscriptionRoutes> subscriptions_;
  std::unique_ptr<storage::JournalReader> forward_reader_;
  std::unique_ptr<storage::ForwardStateReader> forward_state_;
  std::unique_ptr<Forwarding> forwarding_;
  std::unique_ptr<ForwardingRoutes> forwarding_routes_;
  SessionRoutes session_;
  std::unique_ptr<IntegrityRoutes> integrity_;
  std::unique_ptr<ErasureRoutes> erasures_;
  ApiDocs docs_;
  std::unique_ptr<StaticFiles> web_;
  std::shared_ptr<Router> api_router_;
  std::unique_ptr<HttpServer> server_;      // --listen
  std::unique_ptr<HttpServer> api_server_;  // --api-listen, when given
  bool stopped_ = false;
};

}  // namespace wj::server
