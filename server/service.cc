#include "server/service.h"

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "storage/sqlite_journal.h"

namespace wj::server {

Result<std::unique_ptr<Service>> Service::Start(const ServeConfig& config, JournalWrapper wrap) {
  std::unique_ptr<Service> s(new Service());
  auto journal = storage::SqliteJournal::Open(config.db_path, {config.sync, 5000});
  if (!journal.ok()) return journal.status();
  s->journal_ = std::move(journal.value());
  if (wrap) s->journal_ = wrap(std::move(s->journal_));
  auto reader = storage::SqliteJournalReader::Open(config.db_path);
  if (!reader.ok()) return reader.status();
  s->reader_ = std::move(reader.value());
  s->writer_ = std::make_unique<storage::GroupCommitWriter>(*s->journal_,
                                                            storage::GroupCommitWriter::Options{});
  s->webhook_ = std::make_unique<WebhookRoutes>(
      config.verify_token, SignatureVerifier(config.app_secrets), *s->writer_, s->metrics_);
  s->ops_ = std::make_unique<OpsRoutes>(*s->reader_, *s->writer_, s->metrics_);
  s->web_ = std::make_unique<StaticFiles>(WebFiles());

  auto router = std::make_shared<Router>();
  s->webhook_->Register(*router);
  s->ops_->Register(*router);
  s->web_->Register(*router);  // last: its "/*" takes what the others do not

  HttpServer::Options options;
  options.threads = config.threads;
  options.limits.max_body_bytes = config.max_body_bytes;
  Metrics* metrics = &s->metrics_;
  options.on_reject = [metrics](int code) { metrics->CountHttpRejection(code); };
  s->server_ = std::make_unique<HttpServer>(config.listen, options, router);
  if (Status started = s->server_->Start(); !started.ok()) return started;
  return s;
}

Service::~Service() { Stop(); }

void Service::Stop() {
  if (stopped_) return;
  stopped_ = true;
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
  if (writer_) writer_->Stop();
}

}  // namespace wj::server
