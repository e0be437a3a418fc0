#pragma once

#include <functional>
#include <string>

#include "server/metrics.h"
#include "server/router.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

// GET /healthz and GET /metrics.
//
// Thread-safety: handlers run on any HTTP worker. The referenced objects must outlive the
// HTTP server.
class OpsRoutes {
 public:
  // `more_metrics`, when set, returns exposition text appended to /metrics (metrics of
  // parts that keep their own state, e.g. forwarding).
  OpsRoutes(storage::JournalReader& reader, const storage::GroupCommitWriter& writer,
            const Metrics& metrics, std::function<std::string()> more_metrics = {});
  void Register(Router& router);

 private:
  // 200 {"status":"ok","database":"reachable","deliveries":…,"events":…,"pending":…}
  // or 503 with "database":"unreachable" when the journal cannot be read.
  void Health(const HttpRequest& request, Pistache::Http::ResponseWriter& response);
  void Prometheus(const HttpRequest& request, Pistache::Http::ResponseWriter& response);

  storage::JournalReader& reader_;
  const storage::GroupCommitWriter& writer_;
  const Metrics& metrics_;
  const std::function<std::string()> more_metrics_;
};

}  // namespace wj::server
