#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/http_client.h"
#include "server/meta/signature.h"
#include "server/service/service.h"
#include "tests/support/temp_dir.h"

namespace wj::testing {

inline constexpr const char* kTestSecret = "test-app-secret";
inline constexpr const char* kTestToken = "test-verify-token";

// A ServeConfig for a Service on 127.0.0.1, any free port, journaling into `dir`.
inline server::ServeConfig TestConfig(const TempDir& dir) {
  server::ServeConfig c;
  c.listen = {"127.0.0.1", 0};
  c.db_path = dir.File("journal.db");
  c.app_secrets = {kTestSecret};
  c.verify_token = kTestToken;
  return c;
}

// The real Service, started on loopback port 0, with helpers to talk to it over HTTP.
class TestService {
 public:
  explicit TestService(server::ServeConfig config, server::Service::JournalWrapper wrap = {})
      : config_(std::move(config)) {
    auto started = server::Service::Start(config_, std::move(wrap));
    if (!started.ok()) throw std::runtime_error(started.status().message());
    service_ = std::move(started.value());
  }

  server::Service& service() { return *service_; }
  const server::ServeConfig& config() const { return config_; }
  // On the webhook listener, and on the API listener (the same one unless api_listen).
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(service_->port()) + path;
  }
  std::string ApiUrl(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(service_->api_port()) + path;
  }

  // POSTs `body` to /webhook signed with `secret`, as Meta would.
  server::HttpResponse PostSigned(const std::string& body,
                                  const std::string& secret = kTestSecret) {
    return PostWithHeaders(body, {"Content-Type: application/json",
                                  "X-Hub-Signature-256: " + server::SignBody(secret, body)});
  }
  server::HttpResponse PostWithHeaders(const std::string& body,
                                       const std::vector<std::string>& headers) {
    auto r = client_.Post(Url("/webhook"), body, headers);
    if (!r.ok()) throw std::runtime_error(r.status().message());
    return r.value();
  }
  // GETs `path` from the API listener.
  server::HttpResponse Get(const std::string& path, const std::vector<std::string>& headers = {}) {
    auto r = client_.Get(ApiUrl(path), headers);
    if (!r.ok()) throw std::runtime_error(r.status().message());
    return r.value();
  }

 private:
  server::ServeConfig config_;
  std::unique_ptr<server::Service> service_;
  server::HttpClient client_;
};

}  // namespace wj::testing
