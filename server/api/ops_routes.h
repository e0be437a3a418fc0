#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/http/router.h"
#include "storage/group_commit_writer.h"
#include "storage/journal_reader.h"

namespace wj::server {

// GET /healthz and GET /metrics.
//
// Thread-safety: handlers run on any HTTP worker. The referenced objects must outlive the
// HTTP server.
class OpsRoutes {
 public:
  // Each of `sections` returns exposition text appended to /metrics after the journal's own
  // (the counters of ingest, the reconciler, forwarding, the HTTP layer).
  using MetricsSection = std::function<std::string()>;
  OpsRoutes(storage::JournalReader& reader, const storage::GroupCommitWriter& writer,
            std::vector<MetricsSection> sections);
  void Register(Router& router);

 private:
  // 200 {"status":"ok","database":"reachable","deliveries":…,"events":…,"pending":…}
  // or 503 with "database":"unreachable" when the journal cannot be read.
  void Health(const HttpRequest& request, Pistache::Http::ResponseWriter& response);
  void Prometheus(const HttpRequest& request, Pistache::Http::ResponseWriter& response);

  storage::JournalReader& reader_;
  const storage::GroupCommitWriter& writer_;
  const std::vector<MetricsSection> sections_;
};

}  // namespace wj::server
