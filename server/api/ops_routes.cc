#include "server/api/ops_routes.h"

#include <spdlog/spdlog.h>

#include "server/api/journal_metrics.h"
#include "server/http/json_response.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

OpsRoutes::OpsRoutes(storage::JournalReader& reader, const storage::GroupCommitWriter& writer,
                     std::vector<MetricsSection> sections)
    : reader_(reader), writer_(writer), sections_(std::move(sections)) {}

void OpsRoutes::Register(Router& router) {
  router.Add(Pistache::Http::Method::Get, "/healthz",
             [this](const HttpRequest& rq, ResponseWriter& rs) { Health(rq, rs); });
  router.Add(Pistache::Http::Method::Get, "/metrics",
             [this](const HttpRequest& rq, ResponseWriter& rs) { Prometheus(rq, rs); });
}

void OpsRoutes::Health(const HttpRequest& /*request*/, ResponseWriter& response) {
  auto stats = reader_.Stats();
  const auto commits = writer_.Stats();
  if (!stats.ok()) {
    spdlog::error("health check: {}", stats.status().message());
    SendJson(response, Code::Service_Unavailable,
             {{"status", "unavailable"}, {"database", "unreachable"}});
    return;
  }
  SendJson(response, Code::Ok,
           {{"status", "ok"},
            {"database", "reachable"},
            {"deliveries", stats->deliveries},
            {"events", stats->events},
            {"pending", writer_.Pending()},
            {"failed_commits", commits.failed_commits}});
}

void OpsRoutes::Prometheus(const HttpRequest& /*request*/, ResponseWriter& response) {
  static const auto kType =
      Pistache::Http::Mime::MediaType::fromString("text/plain; version=0.0.4; charset=utf-8");
  std::string text = RenderJournalMetrics(writer_.Stats(), writer_.Committed());
  for (const MetricsSection& section : sections_) text += section();
  response.send(Code::Ok, text, kType);
}

}  // namespace wj::server
