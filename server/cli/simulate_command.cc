// `waba-journal simulate`: posts signed sample deliveries to a running service, the way
// Meta would, so that a new user can see every field arrive in the journal.
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/cli/commands.h"
#include "server/cli/simulate_story.h"
#include "server/http/http_client.h"
#include "server/meta/sample_deliveries.h"
#include "server/meta/signature.h"
#include "server/util/time_format.h"

namespace wj::server {
namespace {

FlagSet SimulateFlags() {
  return FlagSet(
      "Usage: waba-journal simulate [--url URL] --app-secret SECRET [--count N] "
      "[--concurrency C]\n\n"
      "Posts real sample deliveries of every webhook field, signed with SECRET as Meta signs\n"
      "them, then a short story (an account review rejected then approved; a message whose\n"
      "statuses arrive out of order; one that fails), and reports how the service answered.\n"
      "Exits 1 unless every answer is 200.",
      {
          {"url", "WABA_JOURNAL_URL", "URL", "Webhook URL of the service.",
           "http://127.0.0.1:8080/webhook"},
          {"app-secret", "WABA_APP_SECRET", "SECRET", "App secret to sign with.", "", true},
          {"count", "", "N", "Deliveries to post, cycling through the samples (0: each once).",
           "0"},
          {"concurrency", "", "C", "Parallel connections.", "4"},
          {"no-story", "", "", "Post only the samples, not the story.", ""},
      });
}

std::string FieldOf(std::string_view sample_name) {
  return std::string(sample_name.substr(0, sample_name.find("__")));
}

}  // namespace

int RunSimulate(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags = SimulateFlags();
  if (Status s = flags.Parse(args, env); !s.ok()) {
    std::cerr << "waba-journal simulate: " << s.message() << '\n';
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  const auto secrets = flags.GetAll("app-secret");
  if (secrets.empty()) {
    std::cerr << "waba-journal simulate: missing --app-secret (or WABA_APP_SECRET)\n";
    return 2;
  }
  auto count = ParseCount("count", *flags.Get("count"));
  auto concurrency = ParseCount("concurrency", *flags.Get("concurrency"));
  for (const auto* r : {&count, &concurrency}) {
    if (!r->ok()) {
      std::cerr << "waba-journal simulate: " << r->status().message() << '\n';
      return 2;
    }
  }
  const auto samples = SampleFiles();
  const std::uint64_t total = count.value() == 0 ? samples.size() : count.value();
  const std::uint64_t workers = std::clamp<std::uint64_t>(concurrency.value(), 1, 256);
  const std::string url = *flags.Get("url");
  const std::string& secret = secrets.front();

  std::atomic<std::uint64_t> next = 0;
  std::mutex mu;
  std::map<std::string, int> answers;  // "200", "401", "error: …" → count
  std::map<std::string, int> fields;   // field → deliveries answered 200
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::uint64_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      HttpClient client;
      for (std::uint64_t i = next++; i < total; i = next++) {
        const EmbeddedFile& sample = samples[i % samples.size()];
        const std::string body(sample.content);
        auto response = client.Post(
            url, body,
            {"Content-Type: application/json", "X-Hub-Signature-256: " + SignBody(secret, body)});
        std::lock_guard lock(mu);
        if (!response.ok()) {
          ++answers["error: " + response.status().message()];
          continue;
        }
        ++answers[std::to_string(response->status)];
        if (response->status == 200) ++fields[FieldOf(sample.path)];
      }
    });
  }
  for (auto& t : threads) t.join();
  // The story in order, on one connection: its point is the order in which Meta's
  // deliveries arrive.
  std::uint64_t story_posted = 0;
  if (!flags.IsSet("no-story")) {
    HttpClient client;
    for (const std::string& body : StoryDeliveries(UnixMillisNow() / 1000)) {
      auto response = client.Post(
          url, body,
          {"Content-Type: application/json", "X-Hub-Signature-256: " + SignBody(secret, body)});
      ++story_posted;
      if (!response.ok()) {
        ++answers["error: " + response.status().message()];
      } else {
        ++answers[std::to_string(response->status)];
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "posted " << total + story_posted << " deliveries to " << url << " in " << seconds
            << " s\n";
  for (const auto& [answer, n] : answers) std::cout << "  " << n << " answered " << answer << '\n';
  std::cout << "fields journaled (" << fields.size() << "):";
  for (const auto& [field, n] : fields) std::cout << ' ' << field << '=' << n;
  std::cout << '\n';
  const bool all_ok = answers.size() == 1 && answers.count("200") == 1;
  return all_ok ? 0 : 1;
}

}  // namespace wj::server
