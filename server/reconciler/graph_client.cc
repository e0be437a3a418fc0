#include "server/reconciler/graph_client.h"

#include <cctype>

#include "server/meta/signature.h"

namespace wj::server {
namespace {

// The value of header `name` (case-insensitive) in a raw header block, if present.
std::optional<std::string> HeaderValue(const std::string& block, std::string_view name) {
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t eol = block.find('\n', pos);
    if (eol == std::string::npos) eol = block.size();
    std::string_view line(block.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= name.size() || line[name.size()] != ':') continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(line[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (!same) continue;
    std::string_view value = line.substr(name.size() + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace

std::string AppSecretProof(const std::string& access_token, const std::string& app_secret) {
  const std::string header = SignBody(app_secret, access_token);  // "sha256=<hex>"
  return header.substr(header.find('=') + 1);
}

GraphClient::GraphClient(GraphOptions options)
    : options_(std::move(options)),
      proof_(options_.app_secret.empty()
                 ? std::string()
                 : AppSecretProof(options_.access_token, options_.app_secret)),
      http_(options_.timeout_ms) {}

GraphAnswer GraphClient::GetSubscribedApps(const std::string& waba_id) {
  return Call(waba_id, /*post=*/false);
}

GraphAnswer GraphClient::Subscribe(const std::string& waba_id) {
  return Call(waba_id, /*post=*/true);
}

GraphAnswer GraphClient::Call(const std::string& waba_id, bool post) {
  std::string url = options_.base_url + "/" + options_.version + "/" + waba_id + "/subscribed_apps";
  if (!proof_.empty()) url += "?appsecret_proof=" + proof_;
  const std::vector<std::string> headers = {"Authorization: Bearer " + options_.access_token,
                                            "Accept: application/json"};
  auto response = post ? http_.Post(url, "", headers) : http_.Get(url, headers);
  GraphAnswer answer;
  if (!response.ok()) {
    answer.transport_error = response.status().message();
    return answer;
  }
  answer.http_status = static_cast<int>(response->status);
  answer.body = std::move(response->body);
  answer.usage = HeaderValue(response->headers, "X-Business-Use-Case-Usage");
  answer.app_usage = HeaderValue(response->headers, "X-App-Usage");
  return answer;
}

}  // namespace wj::server
