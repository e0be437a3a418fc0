#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/status.h"

namespace wj::server {

struct HttpResponse {
  long status = 0;
  std::string headers;  // the raw header block of the final response
  std::string body;
};

// A blocking HTTP(S) client on libcurl that keeps its connection alive between requests.
// Speaks http and https only and never follows redirects.
//
// Thread-safety: one instance per thread; instances are independent.
class HttpClient {
 public:
  explicit HttpClient(long timeout_ms = 10000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `headers` are "Name: value" lines. Returns Unavailable (with curl's reason) when no HTTP
  // answer was received; any HTTP status is an Ok result.
  Result<HttpResponse> Post(const std::string& url, const std::string& body,
                            const std::vector<std::string>& headers);
  Result<HttpResponse> Get(const std::string& url, const std::vector<std::string>& headers = {});
  Result<HttpResponse> Delete(const std::string& url, const std::vector<std::string>& headers = {});

  // Connects to `addresses` (numeric) for `host`:`port` instead of resolving the name again,
  // so a later DNS answer cannot redirect requests elsewhere. Replaces any earlier pinning.
  void PinAddresses(const std::string& host, std::uint16_t port,
                    const std::vector<std::string>& addresses);

  // A request in flight is abandoned (Unavailable) soon after `abort` returns true; libcurl
  // asks about once a second while waiting, more often while data moves.
  void SetAbort(std::function<bool()> abort);

 private:
  Result<HttpResponse> Perform(const std::string& url, const std::string* body,
                               const std::vector<std::string>& headers,
                               const char* method = nullptr);
  void* curl_;     // CURL*, opaque to keep curl.h out of this header
  void* resolve_;  // curl_slist* of CURLOPT_RESOLVE entries, or null
  std::function<bool()> abort_;
};

}  // namespace wj::server
