#include "server/http/http_client.h"

#include <mutex>

#include <curl/curl.h>

namespace wj::server {
namespace {

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// libcurl's progress callback: non-zero abandons the transfer.
int CheckAbort(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<std::function<bool()>*>(abort))() ? 1 : 0;
}

// Keeps only the last response's headers (a 100 Continue block would come first).
std::size_t CollectHeader(char* data, std::size_t size, std::size_t n, void* out) {
  auto* headers = static_cast<std::string*>(out);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();
  headers->append(line);
  return size * n;
}

}  // namespace

HttpClient::HttpClient(long timeout_ms) : resolve_(nullptr) {
  // curl_global_init is not thread-safe; do it once, before any handle exists.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
  curl_slist_free_all(static_cast<curl_slist*>(resolve_));
}

void HttpClient::SetAbort(std::function<bool()> abort) {
  abort_ = std::move(abort);
  if (abort_) {
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, CheckAbort);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &abort_);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  } else {
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 1L);
  }
}

void HttpClient::PinAddresses(const std::string& host, std::uint16_t port,
                              const std::vector<std::string>& addresses) {
  // "HOST:PORT:ADDR,ADDR"; IPv6 addresses in brackets. A leading '+' would make the entry
  // time out; plain entries stay until replaced.
  std::string entry = host + ":" + std::to_string(port) + ":";
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) entry += ",";
    const bool v6 = addresses[i].find(':') != std::string::npos;
    entry += v6 ? "[" + addresses[i] + "]" : addresses[i];
  }
  // Entries for the same host:port replace each other; "-HOST:PORT" first drops any cached
  // address from an earlier pinning.
  curl_slist* list = curl_slist_append(nullptr, ("-" + host + ":" + std::to_string(port)).c_str());
  list = curl_slist_append(list, entry.c_str());
  curl_easy_setopt(curl_, CURLOPT_RESOLVE, list);
  curl_slist_free_all(static_cast<curl_slist*>(resolve_));
  resolve_ = list;
}

Result<HttpResponse> HttpClient::Post(const std::string& url, const std::string& body,
                                      const std::vector<std::string>& headers) {
  return Perform(url, &body, headers);
}

Result<HttpResponse> HttpClient::Get(const std::string& url,
                                     const std::vector<std::string>& headers) {
  return Perform(url, nullptr, headers);
}

Result<HttpResponse> HttpClient::Delete(const std::string& url,
                                        const std::vector<std::string>& headers) {
  return Perform(url, nullptr, headers, "DELETE");
}

Result<HttpResponse> HttpClient::Perform(const std::string& url, const std::string* body,
                                         const std::vector<std::string>& headers,
                                         const char* method) {
  CURL* curl = curl_;
  HttpResponse response;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip before larger bodies.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);  // null: the one set above
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    // Without the query string: it may carry credentials (appsecret_proof, tokens).
    return Status::Unavailable("request to " + url.substr(0, url.find('?')) +
                               " failed: " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace wj::server
