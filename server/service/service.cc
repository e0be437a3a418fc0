#include "server/service/service.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/forwarding/forwarding_metrics.h"
#include "server/util/time_format.h"

namespace wj::server {

Result<std::unique_ptr<Service>> Service::Start(const ServeConfig& config, JournalWrapper wrap) {
  std::unique_ptr<Service> s(new Service());
  storage::StoreOptions store_options;
  store_options.sync = config.sync;
  store_options.journal_key = config.journal_key;
  auto store = storage::OpenJournalStore(config.db_path, store_options);
  if (!store.ok()) return store.status();
  s->store_ = std::move(store.value());
  storage::JournalStore& journal_store = *s->store_;
  auto journal = journal_store.OpenWriter();
  if (!journal.ok()) return journal.status();
  s->journal_ = std::move(journal.value());
  if (wrap) s->journal_ = wrap(std::move(s->journal_));
  // One read connection per HTTP worker of both listeners, so readers never queue.
  const int listeners = config.api_listen ? 2 : 1;
  auto reader = journal_store.OpenReader(config.threads * listeners);
  if (!reader.ok()) return reader.status();
  s->reader_ = std::move(reader.value());
  auto tokens = journal_store.OpenTokens(storage::Access::kReadOnly);
  if (!tokens.ok()) return tokens.status();
  s->tokens_ = std::move(tokens.value());
  s->writer_ = std::make_unique<storage::GroupCommitWriter>(*s->journal_,
                                                            storage::GroupCommitWriter::Options{});
  s->webhook_ = std::make_unique<WebhookRoutes>(
      config.verify_token, SignatureVerifier(config.app_secrets), *s->writer_, s->ingest_metrics_,
      WebhookClientPolicy{config.trusted_proxies, config.require_client_cert});
  if (config.require_client_cert && config.trusted_proxies.empty()) {
    spdlog::warn(
        "--require-client-cert without --trusted-proxy: every POST /webhook will be refused");
  }
  s->guard_ = std::make_unique<ApiGuard>(*s->tokens_);
  // Forwarding reads through its own connections: its workers never wait behind HTTP.
  auto forward_reader =
      journal_store.OpenReader(2 * static_cast<int>(config.destinations.size()) + 1);
  if (!forward_reader.ok()) return forward_reader.status();
  s->forward_reader_ = std::move(forward_reader.value());
  auto forward_state = journal_store.OpenForwardStateReader(2);
  if (!forward_state.ok()) return forward_state.status();
  s->forward_state_ = std::move(forward_state.value());
  ForwardingOptions forwarding;
  forwarding.sender.timeout_ms = static_cast<long>(config.forward_timeout.count());
  forwarding.sender.allow_private = config.allow_private_destinations;
  forwarding.retry = {config.forward_retry_initial, config.forward_retry_max,
                      config.forward_horizon};
  forwarding.replay_rate = config.replay_rate;
  auto forwarder = Forwarding::Create(
      config.destinations, forwarding,
      {*s->forward_reader_, *s->forward_state_, *s->writer_, SystemResolver(), UnixMillisNow});
  if (!forwarder.ok()) return forwarder.status();
  s->forwarding_ = std::move(forwarder.value());
  s->forwarding_routes_ = std::make_unique<ForwardingRoutes>(*s->forwarding_);
  Forwarding* fw = s->forwarding_.get();
  Service* self = s.get();
  s->ops_ = std::make_unique<OpsRoutes>(
      *s->reader_, *s->writer_,
      std::vector<OpsRoutes::MetricsSection>{
          [self] { return self->ingest_metrics_.Render(); },
          [self] { return self->reconciler_metrics_.Render(); },
          [self] { return self->rejection_metrics_.Render(); },
          [fw] {
            auto statuses = fw->DestinationStatuses();
            return statuses.ok() ? RenderForwardingMetrics(statuses.value(), UnixMillisNow())
                                 : std::string();
          }});
  s->events_ = std::make_unique<EventRoutes>(
      *s->reader_, SignatureVerifier(config.app_secrets),
      [fw](const storage::StoredEvent& e) -> Result<nlohmann::ordered_json> {
        auto list = fw->ForwardingOf(e);
        if (!list.ok()) return list.status();
        return EventForwardingJson(list.value());
      });
  storage::GroupCommitWriter* writer = s->writer_.get();
  s->stream_ = std::make_unique<EventStreamRoutes>(
      *s->reader_, [writer](std::int64_t after, std::chrono::milliseconds timeout) {
        return writer->WaitForEventsAfter(after, timeout).events;
      });
  s->wabas_ = std::make_unique<WabaRoutes>(*s->reader_, UnixMillisNow);
  if (!config.access_token.empty()) {
    ReconcilerOptions r;
    r.graph = {config.graph_url, config.graph_version, config.access_token,
               config.app_secrets.empty() ? std::string() : config.app_secrets.front(),
               static_cast<long>(config.graph_timeout.count() * 1000)};
    r.app_id = config.app_id;
    r.wabas = config.wabas;
    r.watch_seen_wabas = config.watch_seen_wabas;
    r.interval = config.reconcile_interval;
    r.auto_resubscribe = config.auto_resubscribe;
    s->reconciler_ = std::make_unique<Reconciler>(std::move(r), *s->writer_, *s->reader_,
                                                  s->reconciler_metrics_, UnixMillisNow);
  } else {
    spdlog::info("reconciler off: no --access-token (WABA_ACCESS_TOKEN)");
  }
  s->subscriptions_ = std::make_unique<SubscriptionRoutes>(s->reconciler_.get(), *s->reader_);
  s->integrity_ = std::make_unique<IntegrityRoutes>(
      UnixMillisNow, [&journal_store] { return journal_store.Verify(); });
  s->erasures_ = std::make_unique<ErasureRoutes>(*s->reader_, *s->writer_, UnixMillisNow);
  s->web_ = config.web_root.empty()
                ? std::make_unique<StaticFiles>(WebFiles())
                : std::make_unique<StaticFiles>(std::filesystem::path(config.web_root));

  // The internet-facing listener serves only /webhook when the API has its own.
  auto router = std::make_shared<Router>();
  s->webhook_->Register(*router);
  auto api_router = config.api_listen ? std::make_shared<Router>() : router;
  s->api_router_ = api_router;
  s->ops_->Register(*api_router);
  s->stream_->Register(*api_router, *s->guard_);  // before /api/v1/events/:seq takes "stream"
  s->events_->Register(*api_router, *s->guard_);
  s->wabas_->Register(*api_router, *s->guard_);
  s->subscriptions_->Register(*api_router, *s->guard_);
  s->forwarding_routes_->Register(*api_router, *s->guard_);
  s->session_.Register(*api_router, *s->guard_);
  s->integrity_->Register(*api_router, *s->guard_);
  s->erasures_->Register(*api_router, *s->guard_);
  s->docs_.Register(*api_router, *s->guard_);  // after the /api routes: its 404 takes the rest
  s->web_->Register(*api_router);              // last: its "/*" takes what the others do not

  HttpServer::Options options;
  options.threads = config.threads;
  options.limits.max_body_bytes = config.max_body_bytes;
  RejectionMetrics* rejections = &s->rejection_metrics_;
  options.on_reject = [rejections](int code) { rejections->Count(code); };
  s->server_ = std::make_unique<HttpServer>(config.listen, options, router);
  if (Status started = s->server_->Start(); !started.ok()) return started;
  if (config.api_listen) {
    s->api_server_ = std::make_unique<HttpServer>(*config.api_listen, options, api_router);
    if (Status started = s->api_server_->Start(); !started.ok()) return started;
  }
  if (s->reconciler_) s->reconciler_->Start();
  if (!config.retention.empty()) {
    storage::GroupCommitWriter* group = s->writer_.get();
    ContentRetention::Journal retention_journal{
        [group](const storage::ErasureRequest& r) {
          std::promise<Result<std::vector<storage::ErasureRecord>>> done;
          auto answer = done.get_future();
          group->SubmitErasure(r, [&done](Result<std::vector<storage::ErasureRecord>> erased) {
            done.set_value(std::move(erased));
          });
          return answer.get();
        },
        [group] {
          std::promise<Status> done;
          auto answer = done.get_future();
          group->SubmitCheckpoint([&done](Status status) { done.set_value(std::move(status)); });
          return answer.get();
        }};
    s->retention_ = std::make_unique<ContentRetention>(
        config.retention, ContentRetention::Options{}, std::move(retention_journal), UnixMillisNow);
    s->retention_->Start();
  }
  s->forwarding_->Start();
  return s;
}

Service::~Service() { Stop(); }

void Service::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (erasures_) {
    // An erasure in progress answers once it is committed: let its answer out before
    // the listener goes (bounded, like the deliveries below).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (erasures_->InFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (server_ && webhook_) {
    webhook_->SetDraining(true);
    // Bounded: a response the peer never reads must not hold the process forever.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((writer_->Pending() > 0 || webhook_->InFlight() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server_->Shutdown();
  }
  if (api_server_) api_server_->Shutdown();
  if (stream_) stream_->Stop();  // its threads wait on the writer
  if (reconciler_) reconciler_->Stop();
  if (retention_) retention_->Stop();
  if (forwarding_) forwarding_->Stop();  // writes cursors: before the writer stops
  if (writer_) writer_->Stop();
}

}  // namespace wj::server
