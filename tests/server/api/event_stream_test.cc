#include "server/api/event_stream.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http/http_server.h"
#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/token_store.h"
#include "tests/support/api_fixture.h"
#include "tests/support/payloads.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wj::server {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::ApiTest;
using testing::Change;
using testing::CreateToken;
using testing::InboundText;

constexpr const char* kWabaA = "111111111111111";
constexpr const char* kWabaB = "222222222222222";
constexpr milliseconds kWait{10000};

// One SSE frame: an event (id, event, data lines joined with LF) or a comment.
struct Frame {
  std::string id;
  std::string event;
  std::string data;
  std::string comment;
};

// A client of one event stream on a plain socket: sends the GET, then reads the answer's
// head and frames, each read bounded by a deadline.
class SseClient {
 public:
  SseClient(std::uint16_t port, const std::string& target,
            const std::vector<std::string>& headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const std::string& h : headers) request += h + "\r\n";
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("send failed");
    }
  }
  ~SseClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // The status line and headers; empty if they do not arrive in time.
  std::string Head() { return Take("\r\n\r\n", kWait).value_or(""); }

  // The next frame, comments included; nullopt if none arrives within `timeout`.
  std::optional<Frame> Next(milliseconds timeout = kWait) {
    auto block = Take("\n\n", timeout);
    if (!block) return std::nullopt;
    Frame f;
    std::size_t start = 0;
    while (start < block->size()) {
      std::size_t end = block->find('\n', start);
      if (end == std::string::npos) end = block->size();
      const std::string line = block->substr(start, end - start);
      start = end + 1;
      auto value = [&](std::size_t prefix) { return line.substr(prefix); };
      if (line.rfind("id: ", 0) == 0) f.id = value(4);
      if (line.rfind("event: ", 0) == 0) f.event = value(7);
      if (line.rfind("data: ", 0) == 0) f.data += (f.data.empty() ? "" : "\n") + value(6);
      if (line.rfind(": ", 0) == 0) f.comment = value(2);
    }
    return f;
  }

  // The next event frame, skipping keep-alive comments.
  std::optional<Frame> NextEvent(milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      auto f = Next(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
      if (!f || f->comment.empty()) return f;
    }
  }

  // True if the server ends the stream within `timeout`.
  bool WaitForClose(milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    while (Fill(deadline)) {
    }
    return closed_;
  }

  // Hangs up with a reset, as a crashed client or a dropped connection would.
  void Abort() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  std::optional<std::string> Take(const std::string& delimiter, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const std::size_t end = buf_.find(delimiter);
      if (end != std::string::npos) {
        std::string out = buf_.substr(0, end);
        buf_.erase(0, end + delimiter.size());
        return out;
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }
  // Reads what arrives before `deadline`; false on timeout or end of stream.
  bool Fill(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
  bool closed_ = false;
};

// A CommitWaiter the test drives: Publish() plays the writer's commit.
class FakeCommits {
 public:
  void Publish(std::int64_t tip) {
    std::lock_guard lock(mu_);
    tip_ = tip;
    changed_.notify_all();
  }
  std::int64_t Wait(std::int64_t after, milliseconds timeout) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return tip_ > after; });
    return tip_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::int64_t tip_ = 0;
};

class EventStreamTest : public ApiTest {
 protected:
  std::unique_ptr<SseClient> Open(const std::string& query = "",
                                  std::vector<std::string> headers = {},
                                  const std::string& token = "") {
    headers.push_back("Authorization: Bearer " + (token.empty() ? read_token_ : token));
    return std::make_unique<SseClient>(service_.service().api_port(),
                                       "/api/v1/events/stream" + query, headers);
  }
  // Opens a stream and waits for its head: from then on, new events reach it.
  std::unique_ptr<SseClient> Connect(const std::string& query = "",
                                     std::vector<std::string> headers = {},
                                     const std::string& token = "") {
    auto client = Open(query, std::move(headers), token);
    const std::string head = client->Head();
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
    return client;
  }
  // The seqs of the next `n` event frames.
  static std::vector<std::int64_t> Ids(SseClient& client, int n) {
    std::vector<std::int64_t> out;
    for (int i = 0; i < n; ++i) {
      auto f = client.NextEvent();
      if (!f) break;
      out.push_back(std::stoll(f->id));
    }
    return out;
  }
  std::int64_t Tip() { return service_.service().Committed().events; }

  // Stream routes of their own on the service's journal, with `options` and a waiter the
  // test drives (FakeCommits), served by their own listener.
  struct OwnRoutes {
    OwnRoutes(const std::string& db_path, EventStreamOptions options) {
      reader = storage::OpenJournalStore(db_path).value()->OpenReader(2).value();
      tokens = storage::OpenJournalStore(db_path)
                   .value()
                   ->OpenTokens(storage::Access::kReadOnly)
                   .value();
      guard = std::make_unique<ApiGuard>(*tokens);
      routes = std::make_unique<EventStreamRoutes>(
          *reader, [this](std::int64_t after, milliseconds t) { return commits.Wait(after, t); },
          options);
      auto router = std::make_shared<Router>();
      routes->Register(*router, *guard);
      http = std::make_unique<HttpServer>(ListenAddress{"127.0.0.1", 0}, HttpServer::Options{},
                                          router);
      if (!http->Start().ok()) throw std::runtime_error("cannot listen");
    }
    ~OwnRoutes() {
      routes->Stop();
      http->Shutdown();
    }
    FakeCommits commits;
    std::unique_ptr<storage::JournalReader> reader;
    std::unique_ptr<storage::TokenStore> tokens;
    std::unique_ptr<ApiGuard> guard;
    std::unique_ptr<EventStreamRoutes> routes;
    std::unique_ptr<HttpServer> http;
  };
  std::unique_ptr<OwnRoutes> Own(EventStreamOptions options) {
    return std::make_unique<OwnRoutes>(service_.config().db_path, options);
  }
  std::unique_ptr<SseClient> OpenOwn(OwnRoutes& own, const std::string& query = "") {
    return std::make_unique<SseClient>(
        own.http->port(), "/api/v1/events/stream" + query,
        std::vector<std::string>{"Authorization: Bearer " + read_token_});
  }
};

TEST_F(EventStreamTest, StreamsEventsPostedAfterConnectingWithTheirSeqsAsIds) {
  Post(InboundText("wamid.before"));  // already journaled: not streamed
  auto client = Open();
  const std::string head = client->Head() + "\r\n";
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(head.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);

  for (int i = 1; i <= 3; ++i) Post(InboundText("wamid.after" + std::to_string(i)));
  const auto listed = Get("/api/v1/events?after=1");
  ASSERT_EQ(listed.body["events"].size(), 3u) << listed.raw;
  for (int i = 0; i < 3; ++i) {
    auto f = client->NextEvent();
    ASSERT_TRUE(f) << "frame " << i;
    EXPECT_EQ(f->event, "event");
    EXPECT_EQ(f->id, std::to_string(i + 2));
    // Exactly the item GET /api/v1/events shows.
    EXPECT_EQ(json::parse(f->data), listed.body["events"][i]);
  }
}

TEST_F(EventStreamTest, DeliversEachEventWithinAHundredMillisecondsOfItsAcknowledgement) {
  auto client = Connect();
  std::vector<double> after_ack_ms;   // from the webhook's 200 to the frame
  std::vector<double> after_post_ms;  // from sending the POST (commit included)
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  for (int i = 0; i < 20; ++i) {
    const auto posted = Clock::now();
    Post(InboundText("wamid.latency" + std::to_string(i)));
    const auto acknowledged = Clock::now();
    auto f = client->NextEvent();
    const auto arrived = Clock::now();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->id, std::to_string(i + 1));
    // A frame already in the socket when the 200 came arrived before it: about 0.
    after_ack_ms.push_back(ms(arrived - acknowledged));
    after_post_ms.push_back(ms(arrived - posted));
  }
  std::sort(after_ack_ms.begin(), after_ack_ms.end());
  std::sort(after_post_ms.begin(), after_post_ms.end());
  const double median = after_ack_ms[after_ack_ms.size() / 2];
  std::cout << "event stream, 20 posts: after the webhook's 200 median " << median << " ms, max "
            << after_ack_ms.back() << " ms; after sending the POST median "
            << after_post_ms[after_post_ms.size() / 2] << " ms, max " << after_post_ms.back()
            << " ms\n";
  RecordProperty("median_latency_us", static_cast<int>(median * 1000));
  EXPECT_LT(median, 100.0);
}

TEST_F(EventStreamTest, ResumesAfterAfterOrLastEventIdWithoutGapsOrRepeats) {
  for (int i = 1; i <= 5; ++i) Post(InboundText("wamid.r" + std::to_string(i)));
  {
    auto client = Connect("?after=2");
    EXPECT_EQ(Ids(*client, 3), (std::vector<std::int64_t>{3, 4, 5}));  // the backlog first
    Post(InboundText("wamid.r6"));
    EXPECT_EQ(Ids(*client, 1), (std::vector<std::int64_t>{6}));
  }
  Post(InboundText("wamid.r7"));  // while no one listens
  Post(InboundText("wamid.r8"));
  // A reconnecting EventSource sends the last id it saw; it wins over the URL's after.
  auto client = Connect("?after=1", {"Last-Event-ID: 6"});
  EXPECT_EQ(Ids(*client, 2), (std::vector<std::int64_t>{7, 8}));
  Post(InboundText("wamid.r9"));
  EXPECT_EQ(Ids(*client, 1), (std::vector<std::int64_t>{9}));
}

TEST_F(EventStreamTest, FiltersByWabaIdAndFieldAndLeavesRedeliveriesOut) {
  auto a_only = Connect("?waba_id=" + std::string(kWabaA));
  auto reviews = Connect("?field=account_review_update");
  auto both = Connect("?waba_id=" + std::string(kWabaA) + "&waba_id=" + kWabaB);
  auto with_dups = Connect("?include_duplicates=true");
  Post(InboundText("wamid.f1", "hi", kWabaA));                                  // 1
  Post(InboundText("wamid.f2", "hi", kWabaB));                                  // 2
  Post(Change(kWabaB, "account_review_update", R"({"decision":"APPROVED"})"));  // 3
  Post(InboundText("wamid.f1", "hi", kWabaA));  // 4: a redelivery of 1
  Post(Change(kWabaA, "account_review_update", R"({"decision":"REJECTED"})"));  // 5
  EXPECT_EQ(Ids(*a_only, 2), (std::vector<std::int64_t>{1, 5}));
  EXPECT_EQ(Ids(*reviews, 2), (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(Ids(*both, 4), (std::vector<std::int64_t>{1, 2, 3, 5}));
  EXPECT_EQ(Ids(*with_dups, 5), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(EventStreamTest, AWabaLimitedTokenSeesOnlyItsWabas) {
  const std::string limited =
      CreateToken(service_.config().db_path, storage::TokenScope::kRead, {kWabaA});
  auto client = Connect("", {}, limited);
  Post(InboundText("wamid.l1", "hi", kWabaB));
  Post(InboundText("wamid.l2", "hi", kWabaA));
  Post(InboundText("wamid.l3", "hi", kWabaB));
  Post(InboundText("wamid.l4", "hi", kWabaA));
  EXPECT_EQ(Ids(*client, 2), (std::vector<std::int64_t>{2, 4}));

  auto foreign = GetAs(limited, "/api/v1/events/stream?waba_id=" + std::string(kWabaB));
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body["error"]["code"], "forbidden");
}

TEST_F(EventStreamTest, RefusesMissingTokensAndBadParametersBeforeStreaming) {
  auto anonymous = GetAs("", "/api/v1/events/stream");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.body["error"]["code"], "unauthorized");
  for (const char* query : {"?after=x", "?after=-1", "?limit=5", "?include_duplicates=maybe"}) {
    auto r = Get(std::string("/api/v1/events/stream") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.body["error"]["code"], "bad_parameter") << query;
  }
  HttpClient client;
  auto r = client.Get(service_.ApiUrl("/api/v1/events/stream"),
                      {"Authorization: Bearer " + read_token_, "Last-Event-ID: seven"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("Last-Event-ID"), std::string::npos) << r->body;
}

TEST_F(EventStreamTest, KeepsAFrameWholeWhenTheValueSpansLines) {
  auto client = Connect();
  Post(Change(kWabaA, "account_update", "{\r\n  \"event\": \"VERIFIED_ACCOUNT\",\n  \"n\": 1\n}"));
  auto f = client->NextEvent();
  ASSERT_TRUE(f);
  EXPECT_NE(f->data.find('\n'), std::string::npos) << "one data line per line of the value";
  const json event = json::parse(f->data);
  EXPECT_EQ(event["value"], json::parse(R"({"event":"VERIFIED_ACCOUNT","n":1})"));
  EXPECT_EQ(event, Get("/api/v1/events").body["events"][0]);
}

TEST_F(EventStreamTest, SendsHeartbeatsOnAnIdleStream) {
  EventStreamOptions options;
  options.heartbeat = milliseconds(50);
  options.poll_interval = milliseconds(10);
  auto own = Own(options);
  auto client = OpenOwn(*own);
  ASSERT_EQ(client->Head().rfind("HTTP/1.1 200 OK", 0), 0u);
  for (int i = 0; i < 2; ++i) {
    auto f = client->Next(milliseconds(5000));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->comment, "keep-alive");
    EXPECT_TRUE(f->id.empty());
  }
}

TEST_F(EventStreamTest, CatchesUpABacklogLargerThanAPage) {
  for (int i = 1; i <= 7; ++i) Post(InboundText("wamid.p" + std::to_string(i)));
  EventStreamOptions options;
  options.page_size = 2;
  auto own = Own(options);
  own->commits.Publish(Tip());
  auto client = OpenOwn(*own, "?after=1");
  ASSERT_EQ(client->Head().rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(Ids(*client, 6), (std::vector<std::int64_t>{2, 3, 4, 5, 6, 7}));
  Post(InboundText("wamid.p8"));
  own->commits.Publish(Tip());
  EXPECT_EQ(Ids(*client, 1), (std::vector<std::int64_t>{8}));
}

TEST_F(EventStreamTest, AnswersServiceUnavailableBeyondTheCapUntilAStreamEnds) {
  EventStreamOptions options;
  options.max_streams = 2;
  options.poll_interval = milliseconds(10);
  auto own = Own(options);
  auto first = OpenOwn(*own);
  auto second = OpenOwn(*own);
  ASSERT_EQ(first->Head().rfind("HTTP/1.1 200 OK", 0), 0u);
  ASSERT_EQ(second->Head().rfind("HTTP/1.1 200 OK", 0), 0u);
  auto third = OpenOwn(*own);
  const std::string refused = third->Head();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 5"), std::string::npos) << refused;
  EXPECT_EQ(own->routes->Open(), 2u);

  first->Abort();
  // The hang-up is noticed within a poll interval; until then a new stream may be refused.
  const auto deadline = Clock::now() + kWait;
  std::string head;
  while (Clock::now() < deadline) {
    head = OpenOwn(*own)->Head();
    if (head.rfind("HTTP/1.1 200", 0) == 0) break;
  }
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u) << head;
}

TEST_F(EventStreamTest, FiftyClientsHangingUpAbruptlyNeitherCrashNorWedgeTheServer) {
  std::vector<std::unique_ptr<SseClient>> mid_stream;
  for (int i = 0; i < 50; ++i) {
    auto client = Open();
    if (i % 3 == 0) {
      client->Abort();  // before the answer
    } else if (i % 3 == 1) {
      client->Head();
      client->Abort();  // idle, right after the head
    } else {
      client->Head();
      mid_stream.push_back(std::move(client));
    }
  }
  // Events flow while the rest hang up one by one, some having read a frame, some not.
  for (std::size_t i = 0; i < mid_stream.size(); ++i) {
    Post(InboundText("wamid.flow" + std::to_string(i)));
    if (i % 2 == 0) {
      EXPECT_TRUE(mid_stream[i]->NextEvent());
    }
    mid_stream[i]->Abort();
  }
  auto health = service_.Get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  auto client = Connect();
  Post(InboundText("wamid.after-the-storm"));
  auto f = client->NextEvent();
  ASSERT_TRUE(f);
  EXPECT_EQ(json::parse(f->data)["wamid"], "wamid.after-the-storm");
}

TEST_F(EventStreamTest, StoppingTheServiceEndsOpenStreamsPromptly) {
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(Connect());
  Post(InboundText("wamid.s1"));
  for (auto& c : clients) ASSERT_TRUE(c->NextEvent());
  const auto started = Clock::now();
  service_.service().Stop();
  const auto took = Clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(2));
  for (auto& c : clients) EXPECT_TRUE(c->WaitForClose());
}

}  // namespace
}  // namespace wj::server
