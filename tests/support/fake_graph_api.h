// A fake of Meta's Graph API edge /{version}/{waba-id}/subscribed_apps (GET lists the
// subscribed apps, POST subscribes the caller's app), served over HTTP on loopback for the
// reconciler's tests and for the README demo (tests/tools/fake_graph_main.cc). Each WABA
// answers as its Mode says, in the shapes of /work/shared/META-WEBHOOKS.md §5-6: subscribed,
// missing, overridden, empty, BUC-throttled (code 80008 with X-Business-Use-Case-Usage),
// server error, hanging, or broken JSON. Every call is counted and its Authorization header
// and appsecret_proof are kept for the test to check.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

#include "server/http/http_headers.h"
#include "server/http/http_server.h"
#include "server/http/json_response.h"
#include "server/http/router.h"

namespace wj::testing {

// The Graph API's usage headers, typed so Pistache writes them (see server/http/http_headers.h).
namespace fake_graph_header_names {
inline constexpr char kBusinessUseCaseUsage[] = "X-Business-Use-Case-Usage";
inline constexpr char kAppUsage[] = "X-App-Usage";
}  // namespace fake_graph_header_names
using BusinessUseCaseUsageHeader =
    server::TextHeader<fake_graph_header_names::kBusinessUseCaseUsage>;
using AppUsageHeader = server::TextHeader<fake_graph_header_names::kAppUsage>;

// The fake Graph API, listening from construction until destruction.
//
// Thread-safety: every public method may be called from any thread at any time; requests
// are served on the server's own threads.
class FakeGraphApi {
 public:
  enum class Mode {
    kSubscribed,   // 200, our app listed (beside an unrelated app)
    kMissing,      // 200, only an unrelated app listed; the default for an unknown WABA
    kOverridden,   // 200, our app listed with "override_callback_uri" (SetOverride)
    kEmpty,        // 200, {"data":[]}
    kThrottled,    // 400, code 80008, X-Business-Use-Case-Usage (SetThrottle)
    kServerError,  // 500, code 2 "An unexpected error has occurred..."
    kHang,         // no answer until Release() or destruction
    kInvalidJson,  // 200, body {"data":[
  };

  static constexpr const char* kDefaultAppId = "670843887433847";
  static constexpr const char* kDefaultAppName = "WABA Journal";
  static constexpr const char* kDefaultOverride = "https://other.example/webhook";
  static constexpr int kDefaultRegainMinutes = 7;
  // The unrelated app that kSubscribed, kOverridden and kMissing also list.
  static constexpr const char* kOtherAppId = "1234567890123456";
  static constexpr const char* kOtherAppName = "Other Inbox";

  // One request, as told to the on_call observer. status is 0 for a request held by kHang
  // (the observer is told again, with the real status, when Release() answers it).
  struct Call {
    std::string method;  // "GET" or "POST"
    std::string waba;
    int status = 0;
    std::string outcome;  // the mode's name, or what a POST did: "subscribed", "hang", …
  };
  using CallObserver = std::function<void(const Call&)>;

  // On 127.0.0.1, any free port.
  FakeGraphApi() : FakeGraphApi(server::ListenAddress{"127.0.0.1", 0}) {}
  // On `address`; `on_call`, if set, is told of every request (on a server thread).
  // Throws std::runtime_error if the address cannot be bound.
  explicit FakeGraphApi(server::ListenAddress address, CallObserver on_call = {})
      : host_(address.host), on_call_(std::move(on_call)) {
    auto router = std::make_shared<server::Router>();
    for (auto method : {Pistache::Http::Method::Get, Pistache::Http::Method::Post}) {
      router->Add(method, "/:version/:waba/subscribed_apps",
                  [this](const server::HttpRequest& request,
                         Pistache::Http::ResponseWriter& response) { Handle(request, response); });
    }
    server_ = std::make_unique<server::HttpServer>(std::move(address),
                                                   server::HttpServer::Options{}, router);
    const Status started = server_->Start();
    if (!started.ok()) throw std::runtime_error("fake graph api: " + started.message());
  }

  // Answers every held request first, so no client waits on a server being torn down.
  ~FakeGraphApi() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    Release();
    server_->Shutdown();
  }

  FakeGraphApi(const FakeGraphApi&) = delete;
  FakeGraphApi& operator=(const FakeGraphApi&) = delete;

  // "http://127.0.0.1:PORT", no trailing slash: GraphOptions::base_url.
  std::string BaseUrl() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(server_->port());
  }
  std::uint16_t port() const { return server_->port(); }

  // --- Behaviour -------------------------------------------------------------------------

  void Set(const std::string& waba, Mode mode) {
    std::lock_guard<std::mutex> lock(mu_);
    wabas_[waba].mode = mode;
  }
  // The mode in force (kMissing for a WABA never set): shows whether a POST healed it.
  Mode ModeOf(const std::string& waba) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = wabas_.find(waba);
    return it == wabas_.end() ? Mode::kMissing : it->second.mode;
  }
  // The override_callback_uri kOverridden lists. Does not change the mode.
  void SetOverride(const std::string& waba, const std::string& uri) {
    std::lock_guard<std::mutex> lock(mu_);
    wabas_[waba].override_uri = uri;
  }
  // The estimated_time_to_regain_access (minutes) kThrottled sends; < 0 omits the field.
  // Does not change the mode: Set(waba, Mode::kThrottled) as well.
  void SetThrottle(const std::string& waba, int regain_minutes) {
    std::lock_guard<std::mutex> lock(mu_);
    wabas_[waba].regain_minutes = regain_minutes;
  }
  // Adds X-Business-Use-Case-Usage with this call_count (percent) to the WABA's 200
  // answers; < 0 removes it again.
  void SetUsage(const std::string& waba, int call_count) {
    std::lock_guard<std::mutex> lock(mu_);
    wabas_[waba].usage_call_count = call_count;
  }
  // Adds X-App-Usage {"call_count":N,…} to every answer; < 0 (the default) removes it.
  void SetAppUsage(int call_count) {
    std::lock_guard<std::mutex> lock(mu_);
    app_usage_call_count_ = call_count;
  }
  // Our app, as listed by kSubscribed and kOverridden.
  void SetAppId(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    app_id_ = id;
  }
  void SetAppName(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    app_name_ = name;
  }

  // Answers every request kHang holds now, as its WABA's current mode says (a WABA still
  // in kHang answers like kServerError). kHang requests arriving later are held again:
  // Set() another mode to stop hanging.
  void Release() {
    std::list<Held> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (Held& h : held) {
      Answer answer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        answer = RespondLocked(h.method, h.waba);
      }
      if (on_call_) on_call_(Call{h.method, h.waba, answer.status, answer.outcome});
      Send(h.writer, answer);
    }
  }
  // How many requests kHang holds unanswered.
  int HeldCount() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(held_.size());
  }

  // --- Accounting --------------------------------------------------------------------------

  // Requests received for `waba` with `method` ("GET", "POST"; "" = any), held ones included.
  int Calls(const std::string& waba, const std::string& method = "GET") const {
    std::lock_guard<std::mutex> lock(mu_);
    return CountLocked(waba, method);
  }
  int TotalCalls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return total_calls_;
  }
  // The last request's Authorization header ("Bearer …"); empty if none or no request.
  std::string LastAuthorization(const std::string& waba) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = wabas_.find(waba);
    return it == wabas_.end() ? std::string() : it->second.last_authorization;
  }
  // The last request's appsecret_proof query value; empty if none or no request.
  std::string LastAppSecretProof(const std::string& waba) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = wabas_.find(waba);
    return it == wabas_.end() ? std::string() : it->second.last_proof;
  }
  // The last POST's body (empty for the reconciler's bodiless subscribe).
  std::string LastPostBody(const std::string& waba) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = wabas_.find(waba);
    return it == wabas_.end() ? std::string() : it->second.last_post_body;
  }
  // Waits until Calls(waba, method) >= n; false on timeout. Counts any method by default.
  bool WaitForCalls(const std::string& waba, int n,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5),
                    const std::string& method = "") const {
    std::unique_lock<std::mutex> lock(mu_);
    return calls_cv_.wait_for(lock, timeout, [&] { return CountLocked(waba, method) >= n; });
  }

  static const char* ModeName(Mode mode) {
    switch (mode) {
      case Mode::kSubscribed:
        return "subscribed";
      case Mode::kMissing:
        return "missing";
      case Mode::kOverridden:
        return "overridden";
      case Mode::kEmpty:
        return "empty";
      case Mode::kThrottled:
        return "throttled";
      case Mode::kServerError:
        return "server-error";
      case Mode::kHang:
        return "hang";
      case Mode::kInvalidJson:
        return "invalid-json";
    }
    return "?";
  }

 private:
  using Json = nlohmann::ordered_json;

  struct WabaState {
    Mode mode = Mode::kMissing;
    std::string override_uri = kDefaultOverride;
    int regain_minutes = kDefaultRegainMinutes;
    int usage_call_count = -1;
    std::map<std::string, int> calls;  // by method
    std::string last_authorization;
    std::string last_proof;
    std::string last_post_body;
  };
  struct Answer {
    int status = 200;
    std::string body;
    std::optional<std::string> usage;
    std::optional<std::string> app_usage;
    std::string outcome;
  };
  // A request kHang holds: its writer is answered later, from another thread (Pistache
  // queues writes to the connection's reactor), so no server thread is blocked.
  struct Held {
    std::string method;
    std::string waba;
    Pistache::Http::ResponseWriter writer;
  };

  void Handle(const server::HttpRequest& request, Pistache::Http::ResponseWriter& response) {
    const std::string method = request.method == Pistache::Http::Method::Post ? "POST" : "GET";
    const std::string waba = request.Param("waba");
    Answer answer;
    bool held = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      WabaState& s = wabas_[waba];
      ++s.calls[method];
      ++total_calls_;
      s.last_authorization = request.Header("Authorization").value_or("");
      s.last_proof = request.query.Get("appsecret_proof").value_or("");
      if (method == "POST") s.last_post_body = request.body();
      if (s.mode == Mode::kHang && !stopping_) {
        held_.push_back(Held{method, waba, std::move(response)});
        held = true;
      } else {
        answer = RespondLocked(method, waba);
      }
    }
    calls_cv_.notify_all();
    if (on_call_)
      on_call_(Call{method, waba, held ? 0 : answer.status, held ? "hang" : answer.outcome});
    if (!held) Send(response, answer);
  }

  static void Send(Pistache::Http::ResponseWriter& response, const Answer& answer) {
    try {
      if (answer.usage) response.headers().add<BusinessUseCaseUsageHeader>(*answer.usage);
      if (answer.app_usage) response.headers().add<AppUsageHeader>(*answer.app_usage);
      server::SendJsonText(response, static_cast<Pistache::Http::Code>(answer.status), answer.body);
    } catch (const std::exception&) {
      // The client of a held request may have gone: nothing to answer.
    }
  }

  int CountLocked(const std::string& waba, const std::string& method) const {
    auto it = wabas_.find(waba);
    if (it == wabas_.end()) return 0;
    int n = 0;
    for (const auto& [m, count] : it->second.calls) {
      if (method.empty() || m == method) n += count;
    }
    return n;
  }

  static Json AppEntry(const std::string& id, const std::string& name) {
    return Json{
        {"whatsapp_business_api_data",
         {{"id", id}, {"link", "https://www.facebook.com/games/?app_id=" + id}, {"name", name}}}};
  }
  static std::string GraphError(const std::string& message, int code, std::optional<int> subcode) {
    Json error{{"message", message}, {"type", "OAuthException"}, {"code", code}};
    if (subcode) error["error_subcode"] = *subcode;
    error["fbtrace_id"] = "AFakeGraphTrace0001";
    return Json{{"error", error}}.dump();
  }
  static std::string UsageJson(const std::string& waba, int call_count, int regain_minutes) {
    Json entry{{"type", "whatsapp_business_management"},
               {"call_count", call_count},
               {"total_cputime", std::min(call_count, 10)},
               {"total_time", std::min(call_count, 10)}};
    if (regain_minutes >= 0) entry["estimated_time_to_regain_access"] = regain_minutes;
    return Json{{waba, Json::array({entry})}}.dump();
  }

  // The answer to `method` on `waba` as its mode says now; a POST to a missing or empty
  // WABA subscribes it. kHang here (Release, destruction) answers like kServerError.
  Answer RespondLocked(const std::string& method, const std::string& waba) {
    WabaState& s = wabas_[waba];
    Answer a;
    if (app_usage_call_count_ >= 0) {
      a.app_usage = Json{{"call_count", app_usage_call_count_},
                         {"total_time", std::min(app_usage_call_count_, 10)},
                         {"total_cputime", std::min(app_usage_call_count_, 10)}}
                        .dump();
    }
    const bool post = method == "POST";
    a.outcome = ModeName(s.mode);
    switch (s.mode) {
      case Mode::kThrottled:
        a.status = 400;
        a.body = GraphError(
            "(#80008) There have been too many calls to this WhatsApp Business account. Wait a "
            "bit and try again. For more info, please refer to "
            "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            80008, 2593002);
        a.usage = UsageJson(waba, 100, s.regain_minutes);
        return a;
      case Mode::kHang:
        a.outcome = "released";
        [[fallthrough]];
      case Mode::kServerError:
        a.status = 500;
        a.body = GraphError("An unexpected error has occurred. Please retry your request later.", 2,
                            std::nullopt);
        return a;
      case Mode::kInvalidJson:
        a.body = R"({"data":[)";
        break;
      case Mode::kMissing:
      case Mode::kEmpty:
        if (post) {
          s.mode = Mode::kSubscribed;
          a.outcome = "subscribed";
          a.body = R"({"success":true})";
          break;
        }
        a.body = s.mode == Mode::kEmpty
                     ? Json{{"data", Json::array()}}.dump()
                     : Json{{"data", Json::array({AppEntry(kOtherAppId, kOtherAppName)})}}.dump();
        break;
      case Mode::kSubscribed:
      case Mode::kOverridden: {
        if (post) {
          a.body = R"({"success":true})";
          break;
        }
        Json ours = AppEntry(app_id_, app_name_);
        if (s.mode == Mode::kOverridden) ours["override_callback_uri"] = s.override_uri;
        a.body = Json{{"data", Json::array({AppEntry(kOtherAppId, kOtherAppName), ours})}}.dump();
        break;
      }
    }
    if (s.usage_call_count >= 0) a.usage = UsageJson(waba, s.usage_call_count, 0);
    return a;
  }

  const std::string host_;
  const CallObserver on_call_;
  mutable std::mutex mu_;
  mutable std::condition_variable calls_cv_;
  std::map<std::string, WabaState> wabas_;
  std::list<Held> held_;
  int total_calls_ = 0;
  int app_usage_call_count_ = -1;
  std::string app_id_ = kDefaultAppId;
  std::string app_name_ = kDefaultAppName;
  bool stopping_ = false;
  std::unique_ptr<server::HttpServer> server_;  // last: stopped before the state goes
};

}  // namespace wj::testing
