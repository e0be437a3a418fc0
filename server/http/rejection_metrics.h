#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace wj::server {

// Requests the HTTP layer refused before routing (413, 431, 400), by status, rendered as
// waba_journal_http_rejections_total{code} in Prometheus text format.
//
// Thread-safety: every method may be called from any thread.
class RejectionMetrics {
 public:
  void Count(int status_code);
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<int, std::uint64_t> by_code_;  // guarded by mu_
};

}  // namespace wj::server
