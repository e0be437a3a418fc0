// wj-query-bench: latency of the query API of `waba-journal serve` on a large journal, over
// HTTP, while deliveries keep arriving.
//
// Load: a fresh journal (in its own temporary directory, or --db PATH) is filled with about
// --events events appended straight through JournalWriter::AppendBatch (2,000 deliveries per
// transaction, synchronous=normal), each delivery parsed by ParseDeliveryBody exactly as the
// server does. Bodies are the embedded real samples (server/samples, every field) re-serialised
// compactly as Meta sends them, spread over 8 WABAs (skewed: 35 % of the traffic for the
// largest, 1 % for the smallest), received over the last 30 days:
//   - 63 % statuses: outbound messages going sent → delivered → read (some played, some failed,
//     some left at delivered), the statuses of one message sharing its wamid;
//   - 32 % inbound messages of every sample type, each with fresh wamids; reactions, replies,
//     edits and revokes point at earlier outbound messages of their WABA;
//   - 5 % the other fields (account, template, phone number, flows, calls, history...), made
//     distinct by entry.time;
//   - 1.5 % redeliveries: a recent body again, byte for byte, later (duplicates in the journal).
// With --db PATH, an existing journal that already has events is used as it is (no load), so
// repeated runs are quick; a new one is loaded and kept.
//
// Measure: a read token is created in the journal, the real server binary started on it
// (fork/exec, port 0, --threads T) and, while one thread posts distinct signed deliveries
// (inbound messages and statuses) at a steady --ingest-rate over keep-alive, one keep-alive
// client with the bearer token runs each scenario serially: --warmup requests, then
// --requests measured ones, timing each request (sent to last byte received):
//   - page:       GET /api/v1/events?waba_id=W&field=F&limit=100, W/F among the combinations
//                 in the journal (half weighted by their events, half uniform), half of them
//                 with a random after= cursor anywhere in the journal;
//   - message:    GET /api/v1/messages/{wamid}, random wamids of the journal;
//   - wamid:      GET /api/v1/events?wamid=X, same wamids;
//   - wabas:      GET /api/v1/wabas;
//   - wabas-30d:  GET /api/v1/wabas?days=30;
//   - audit:      GET /api/v1/wabas/{W}/audit, random WABAs (the newest 1,000 items).
// Any answer but 200 is an error. Per scenario: p50, p90, p99, max, mean body size, errors;
// then the achieved ingest rate and its latency, and a table of p50 / p99 against the goals
// (p99 < 10 ms for page and lookups, < 50 ms for /wabas and audit). With --runs R > 1 the
// scenarios are run R times against the same server and the table shows medians over runs.
//
// Build in Release and run, e.g.:
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
//   ./build/wj-query-bench --db /tmp/wj-1m.db      # loads 1M events once, then reuses them
// Flags: --events N (1000000), --db PATH (default: a temporary journal, removed at the end),
// --binary PATH (default: waba-journal next to wj-query-bench), --requests N (500),
// --warmup N (50), --runs R (1), --ingest-rate R (deliveries/s, 500; 0: none), --threads T
// (server HTTP threads, 2), --synchronous full|normal (the server's, full), --seed S (1),
// --help.
// Exit status: 0 when every request (queries and ingest) was answered 200, 1 otherwise or when
// the benchmark could not run (setup failures throw and end up in main), 2 on bad flags.
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include "server/api/api_auth.h"
#include "server/http/http_client.h"
#include "server/meta/envelope_parser.h"
#include "server/meta/sample_deliveries.h"
#include "server/meta/signature.h"
#include "server/meta/value_identity.h"
#include "storage/journal_reader.h"
#include "storage/journal_store.h"
#include "storage/status.h"
#include "storage/token_store.h"
#include "tests/bench/bench_process.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wj::bench {
namespace {

using OrderedJson = nlohmann::ordered_json;
using Rng = std::mt19937_64;

constexpr std::string_view kAppSecret = "bench-secret";
constexpr std::string_view kVerifyToken = "bench-token";
constexpr auto kStartupTimeout = std::chrono::seconds(60);

// The shape of the loaded traffic (see the top comment).
constexpr double kOtherFieldsShare = 0.05;
constexpr double kStatusShareOfMessages = 0.66;
constexpr double kRedeliveryShare = 0.015;
constexpr std::int64_t kSpanMs = 30LL * 86'400'000;
constexpr std::size_t kBatchDeliveries = 2000;
constexpr std::size_t kRedeliveryWindow = 1024;  // redeliveries repeat one of the last bodies
constexpr std::size_t kActiveOutbound = 64;      // outbound messages awaiting their statuses
constexpr std::size_t kRecentOutbound = 256;     // per WABA, what replies and reactions target
constexpr std::size_t kLookupWamids = 5000;      // wamids sampled from the journal for lookups

struct Waba {
  std::string_view id;
  double weight;
};
constexpr std::array<Waba, 8> kWabas = {{{"102290129340398", 35},
                                         {"5467539754836534", 25},
                                         {"108834562077216", 15},
                                         {"241573690012458", 10},
                                         {"390611827345092", 7},
                                         {"117048293366501", 4},
                                         {"503327781904466", 3},
                                         {"880145529031773", 1}}};
constexpr std::array<std::string_view, 3> kMetaPeers = {"173.252.107.117", "69.171.249.10",
                                                        "31.13.103.7"};

constexpr std::string_view kUsage =
    "usage: wj-query-bench [--events N] [--db PATH] [--binary PATH] [--requests N]\n"
    "                      [--warmup N] [--runs R] [--ingest-rate R] [--threads T]\n"
    "                      [--synchronous full|normal] [--seed S] [--help]\n"
    "Loads a journal of N events of real shapes (or reuses --db PATH), starts\n"
    "`waba-journal serve` on it and, while deliveries keep arriving at the ingest rate,\n"
    "measures the latency of event pages, message lookups, /wabas and audit timelines.\n";

std::int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A uniformly drawn index below `size` (> 0).
std::size_t Pick(Rng& rng, std::size_t size) {
  return std::uniform_int_distribution<std::size_t>(0, size - 1)(rng);
}

struct Options {
  std::int64_t events = 1'000'000;
  std::string db;  // empty: a temporary journal
  std::string binary;
  int requests = 500;
  int warmup = 50;
  int runs = 1;
  int ingest_rate = 500;
  int threads = 2;
  std::string synchronous = "full";
  std::uint64_t seed = 1;
  bool help = false;
};

template <typename T>
Status ParseInteger(std::string_view flag, std::string_view text, T min, T max, T* out) {
  const auto value = ParseNumber<T>(text);
  if (!value || *value < min || *value > max) {
    return Status::InvalidArgument(
        fmt::format("{}: expected an integer in [{}, {}], got '{}'", flag, min, max, text));
  }
  *out = *value;
  return Status::Ok();
}

Status ApplyFlag(std::string_view flag, std::string_view value, Options* options) {
  if (flag == "--events") {
    return ParseInteger<std::int64_t>(flag, value, 1, 1'000'000'000, &options->events);
  }
  if (flag == "--db" || flag == "--binary") {
    if (value.empty()) return Status::InvalidArgument(fmt::format("{} needs a path", flag));
    (flag == "--db" ? options->db : options->binary) = std::string(value);
    return Status::Ok();
  }
  if (flag == "--requests") return ParseInteger(flag, value, 1, 10'000'000, &options->requests);
  if (flag == "--warmup") return ParseInteger(flag, value, 0, 10'000'000, &options->warmup);
  if (flag == "--runs") return ParseInteger(flag, value, 1, 1000, &options->runs);
  if (flag == "--ingest-rate") {
    return ParseInteger(flag, value, 0, 1'000'000, &options->ingest_rate);
  }
  if (flag == "--threads") return ParseInteger(flag, value, 1, 64, &options->threads);
  if (flag == "--seed") {
    return ParseInteger<std::uint64_t>(flag, value, 0, UINT64_MAX, &options->seed);
  }
  if (flag == "--synchronous") {
    if (value != "full" && value != "normal") {
      return Status::InvalidArgument(
          fmt::format("{}: expected one of full|normal, got '{}'", flag, value));
    }
    options->synchronous = std::string(value);
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("unknown flag {} (see --help)", flag));
}

// Accepts "--flag value" and "--flag=value".
Result<Options> ParseOptions(std::span<char* const> args) {
  Options options;
  Status read =
      ForEachFlag(args, {}, &options.help, [&](std::string_view flag, std::string_view value) {
        return ApplyFlag(flag, value, &options);
      });
  if (!read.ok()) return read;
  if (options.help) return options;
  auto binary = ServerBinary(options.binary);
  if (!binary.ok()) return binary.status();
  options.binary = std::move(binary.value());
  return options;
}

// ---------------------------------------------------------------------------------------
// Bodies of real shapes.

// What fills each hole of a template.
enum class Hole {
  kWaba,        // entry.id
  kTime,        // entry.time
  kOwnMessage,  // the wamid of an inbound message (or any other id that must be fresh)
  kOwnStatus,   // the wamid a status is about: an outbound message
  kReference,   // the message a reaction, reply, edit or revoke points at
};

// A sample re-serialised compactly, cut at the values the generator fills in.
struct Template {
  std::string_view name;
  std::string field;                // of the sample: its file name up to "__"
  std::string status;               // statuses only: "sent", "delivered"...
  std::vector<std::string> pieces;  // the text around the holes: holes.size() + 1 of them
  std::vector<std::pair<Hole, std::size_t>> holes;  // with, for wamids, the slot number
  std::vector<Hole> slots;  // one per distinct wamid of the sample: what it becomes
  bool HasOwnId() const {
    return std::any_of(slots.begin(), slots.end(),
                       [](Hole h) { return h == Hole::kOwnMessage || h == Hole::kOwnStatus; });
  }
};

// Placeholders put into the parsed sample before it is dumped. No sample contains "@@".
constexpr std::string_view kMark = "@@";
constexpr std::string_view kWabaMark = "@@W@@";
constexpr std::string_view kTimeMark = "@@T@@";

class TemplateBuilder {
 public:
  // With `force_time`, every entry gets a time even when the sample has ids of its own.
  static Template Build(const EmbeddedFile& file, bool force_time) {
    if (file.content.find(kMark) != std::string_view::npos) {
      throw std::runtime_error(fmt::format("sample {} contains {}", file.path, kMark));
    }
    TemplateBuilder builder;
    Template& t = builder.template_;
    t.name = file.path;
    t.field = std::string(file.path.substr(0, file.path.find("__")));
    OrderedJson doc = OrderedJson::parse(file.content);
    bool has_time = false;
    builder.ForEachEntry(doc, [&](OrderedJson& entry) {
      entry["id"] = std::string(kWabaMark);
      if (entry.contains("time")) {
        entry["time"] = std::string(kTimeMark);
        has_time = true;
      }
      if (!entry.contains("changes") || !entry["changes"].is_array()) return;
      for (OrderedJson& change : entry["changes"]) {
        if (!change.is_object() || !change.contains("value")) continue;
        std::vector<std::string> path;
        builder.Walk(change["value"], path);
      }
    });
    // Without an id of its own, only entry.time can make two deliveries of a sample distinct
    // (it is part of their content dedup key).
    if (!has_time && (force_time || !t.HasOwnId())) {
      builder.ForEachEntry(doc, [](OrderedJson& entry) { entry["time"] = std::string(kTimeMark); });
    }
    builder.Split(doc.dump(-1, ' ', /*ensure_ascii=*/true));
    return std::move(builder.template_);
  }

 private:
  template <typename Visit>
  void ForEachEntry(OrderedJson& doc, Visit visit) {
    auto envelope = [&](OrderedJson& env) {
      if (!env.is_object() || !env.contains("entry") || !env["entry"].is_array()) return;
      for (OrderedJson& entry : env["entry"]) {
        if (entry.is_object()) visit(entry);
      }
    };
    if (doc.is_array()) {
      for (OrderedJson& env : doc) envelope(env);
    } else {
      envelope(doc);
    }
  }

  // Replaces every "wamid." string under a change's value by a slot placeholder; `path` holds
  // the keys from the value down ("[]" for array elements).
  void Walk(OrderedJson& node, std::vector<std::string>& path) {
    if (node.is_object()) {
      for (auto& [key, child] : node.items()) {
        path.push_back(key);
        Walk(child, path);
        path.pop_back();
      }
    } else if (node.is_array()) {
      path.push_back("[]");
      for (OrderedJson& child : node) Walk(child, path);
      path.pop_back();
    } else if (node.is_string()) {
      const std::string text = node.get<std::string>();
      if (path == std::vector<std::string>{"statuses", "[]", "status"}) template_.status = text;
      if (!text.starts_with("wamid.")) return;
      auto [it, added] = slot_of_.try_emplace(text, template_.slots.size());
      if (added) template_.slots.push_back(Classify(path));
      node = fmt::format("{}S{}{}", kMark, it->second, kMark);
    }
  }

  static Hole Classify(const std::vector<std::string>& path) {
    const std::string& key = path.back();
    if (key == "message_id" || key == "original_message_id") return Hole::kReference;
    if (path.size() >= 2 && path[path.size() - 2] == "context") return Hole::kReference;
    if (path.size() == 3 && path[0] == "statuses" && key == "id") return Hole::kOwnStatus;
    return Hole::kOwnMessage;
  }

  // Cuts the dumped text at the placeholders. The time mark was a string: its quotes go.
  void Split(const std::string& text) {
    Template& t = template_;
    std::string piece;
    std::size_t pos = 0;
    for (std::size_t at = text.find(kMark); at != std::string::npos; at = text.find(kMark, pos)) {
      const std::size_t end = text.find(kMark, at + kMark.size());
      if (end == std::string::npos) throw std::runtime_error("unterminated mark in " + text);
      const std::string_view token(text.data() + at + kMark.size(), end - at - kMark.size());
      piece.append(text, pos, at - pos);
      pos = end + kMark.size();
      if (token == "T") {
        piece.pop_back();  // the opening quote
        ++pos;             // the closing one
        t.holes.emplace_back(Hole::kTime, 0);
      } else if (token == "W") {
        t.holes.emplace_back(Hole::kWaba, 0);
      } else {
        const auto slot = ParseNumber<std::size_t>(token.substr(1));
        if (!token.starts_with("S") || !slot || *slot >= t.slots.size()) {
          throw std::runtime_error(fmt::format("bad mark {} in {}", token, t.name));
        }
        t.holes.emplace_back(t.slots[*slot], *slot);
      }
      t.pieces.push_back(std::move(piece));
      piece.clear();
    }
    piece.append(text, pos);
    t.pieces.push_back(std::move(piece));
  }

  Template template_;
  std::map<std::string, std::size_t> slot_of_;
};

// The text of `t` with its holes filled: fill(hole, slot, &body) appends each one's value.
template <typename Fill>
std::string Render(const Template& t, Fill fill) {
  std::string body = t.pieces.front();
  for (std::size_t i = 0; i < t.holes.size(); ++i) {
    fill(t.holes[i].first, t.holes[i].second, &body);
    body.append(t.pieces[i + 1]);
  }
  return body;
}

// A delivery of `t` whose ids all end in `n`, at `time_s`.
std::string RenderNumbered(const Template& t, int n, std::int64_t time_s) {
  return Render(t, [&](Hole hole, std::size_t slot, std::string* body) {
    switch (hole) {
      case Hole::kWaba:
        body->append(kWabas[0].id);
        break;
      case Hole::kTime:
        body->append(std::to_string(time_s));
        break;
      case Hole::kOwnMessage:
      case Hole::kOwnStatus:
      case Hole::kReference:
        body->append(fmt::format("wamid.CHECK{}S{}", n, slot));
        break;
    }
  });
}

// Whether two deliveries of `t` with different ids (and times) share no dedup key, i.e. are
// journaled as distinct events. Throws when `t` does not parse into events.
bool RendersDistinct(const Template& t, std::int64_t time2_s) {
  std::vector<std::string> first_keys;
  for (int n = 1; n <= 2; ++n) {
    const server::ParsedBody parsed =
        server::ParseDeliveryBody(RenderNumbered(t, n, n == 1 ? 1'700'000'000 : time2_s));
    if (parsed.error || parsed.events.empty()) {
      throw std::runtime_error(fmt::format("sample {} does not parse once rewritten: {}", t.name,
                                           parsed.error.value_or("no events")));
    }
    for (const storage::EventRecord& e : parsed.events) {
      if (n == 1) {
        first_keys.push_back(e.dedup_key);
      } else if (std::find(first_keys.begin(), first_keys.end(), e.dedup_key) != first_keys.end()) {
        return false;
      }
    }
  }
  return true;
}

struct TemplateSet {
  std::vector<Template> all;
  std::vector<std::size_t> inbound;                          // messages but statuses
  std::map<std::string, std::vector<std::size_t>> statuses;  // by status value
  std::vector<std::size_t> other;                            // every other field
  std::map<std::string, std::size_t> fields;                 // samples per field
};

TemplateSet BuildTemplates() {
  TemplateSet set;
  for (const EmbeddedFile& file : server::SampleFiles()) {
    if (!file.path.ends_with(".json")) continue;
    Template t = TemplateBuilder::Build(file, false);
    // Items without a wamid (value-level errors) beside ones with: entry.time tells them apart.
    if (!RendersDistinct(t, 1'700'000'000)) t = TemplateBuilder::Build(file, true);
    if (!RendersDistinct(t, 1'700'000'001)) {
      throw std::runtime_error(fmt::format("sample {} cannot be made distinct", t.name));
    }
    const std::size_t index = set.all.size();
    const bool is_status =
        std::find(t.slots.begin(), t.slots.end(), Hole::kOwnStatus) != t.slots.end();
    if (t.field != "messages") {
      set.other.push_back(index);
    } else if (is_status) {
      if (t.status.empty()) throw std::runtime_error(fmt::format("{}: no status", t.name));
      set.statuses[t.status].push_back(index);
    } else {
      set.inbound.push_back(index);
    }
    ++set.fields[t.field];
    set.all.push_back(std::move(t));
  }
  if (set.inbound.empty() || set.other.empty()) throw std::runtime_error("samples are missing");
  return set;
}

// Outbound messages go through one of these, picked by their number.
const std::vector<std::string>& LifecycleOf(std::uint64_t message) {
  static const std::vector<std::string> kRead = {"sent", "delivered", "read"};
  static const std::vector<std::string> kDelivered = {"sent", "delivered"};
  static const std::vector<std::string> kPlayed = {"sent", "delivered", "played"};
  static const std::vector<std::string> kFailed = {"sent", "failed"};
  switch (message % 20) {
    case 0:
      return kFailed;
    case 1:
      return kPlayed;
    case 2:
    case 3:
    case 4:
    case 5:
      return kDelivered;
    default:
      return kRead;
  }
}

// Makes distinct deliveries of real shapes (see the top comment). `tag` goes into every wamid
// it makes, so that generators with different tags never collide.
class DeliveryGenerator {
 public:
  DeliveryGenerator(const TemplateSet& set, std::string tag, std::uint64_t seed, double other_share)
      : set_(set),
        tag_(std::move(tag)),
        rng_(seed),
        other_share_(other_share),
        waba_dist_(WabaWeights().begin(), WabaWeights().end()),
        recent_(kWabas.size()),
        last_time_(set.all.size() * kWabas.size(), 0) {
    for (const std::string_view status : {"sent", "delivered", "read", "played", "failed"}) {
      if (set.statuses.count(std::string(status)) == 0) {
        throw std::runtime_error(fmt::format("no status sample for '{}'", status));
      }
    }
    for (std::size_t i = 0; i < kActiveOutbound; ++i) active_.push_back(NewOutbound());
  }

  // The body of the next delivery, received at `now_s` (unix seconds).
  std::string Next(std::int64_t now_s) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (u < other_share_) {
      return Render(set_.other[Pick(rng_, set_.other.size())], NextWaba(), now_s, 0);
    }
    if (u < other_share_ + (1 - other_share_) * kStatusShareOfMessages) return NextStatus(now_s);
    return Render(set_.inbound[Pick(rng_, set_.inbound.size())], NextWaba(), now_s, 0);
  }

 private:
  struct Outbound {
    std::uint64_t number = 0;
    std::size_t waba = 0;
    std::size_t step = 0;  // in its lifecycle
  };

  static const std::array<double, kWabas.size()>& WabaWeights() {
    static const std::array<double, kWabas.size()> weights = [] {
      std::array<double, kWabas.size()> w{};
      for (std::size_t i = 0; i < kWabas.size(); ++i) w[i] = kWabas[i].weight;
      return w;
    }();
    return weights;
  }

  std::size_t NextWaba() { return static_cast<std::size_t>(waba_dist_(rng_)); }

  std::string OutboundId(std::uint64_t number) const {
    return fmt::format("wamid.HBgL{}O{:010X}", tag_, number);
  }

  Outbound NewOutbound() {
    Outbound o{next_outbound_++, NextWaba(), 0};
    std::vector<std::string>& recent = recent_[o.waba];
    if (recent.size() < kRecentOutbound) {
      recent.push_back(OutboundId(o.number));
    } else {
      recent[o.number % kRecentOutbound] = OutboundId(o.number);
    }
    return o;
  }

  // The next status of one of the outbound messages in flight.
  std::string NextStatus(std::int64_t now_s) {
    Outbound& o = active_[Pick(rng_, active_.size())];
    const std::vector<std::string>& lifecycle = LifecycleOf(o.number);
    const std::vector<std::size_t>& choices = set_.statuses.at(lifecycle[o.step]);
    const std::size_t tpl = choices[o.number % choices.size()];
    std::string body = Render(tpl, o.waba, now_s, o.number);
    if (++o.step == lifecycle.size()) o = NewOutbound();
    return body;
  }

  std::string Render(std::size_t index, std::size_t waba, std::int64_t now_s,
                     std::uint64_t outbound) {
    const std::uint64_t delivery = ++deliveries_;
    return bench::Render(set_.all[index], [&](Hole hole, std::size_t slot, std::string* body) {
      switch (hole) {
        case Hole::kWaba:
          body->append(kWabas[waba].id);
          break;
        case Hole::kTime:
          body->append(std::to_string(EventTime(index, waba, now_s)));
          break;
        case Hole::kOwnMessage:
          body->append(fmt::format("wamid.HBgL{}I{:010X}{}", tag_, delivery, slot));
          break;
        case Hole::kOwnStatus:
          body->append(OutboundId(outbound));
          break;
        case Hole::kReference: {
          const std::vector<std::string>& recent = recent_[waba];
          body->append(recent.empty() ? fmt::format("wamid.HBgL{}R{:010X}{}", tag_, delivery, slot)
                                      : recent[Pick(rng_, recent.size())]);
          break;
        }
      }
    });
  }

  // Meta's entry.time: a few seconds before receipt, and never twice the same for a sample
  // and WABA (it is what makes those deliveries distinct).
  std::int64_t EventTime(std::size_t index, std::size_t waba, std::int64_t now_s) {
    std::int64_t& last = last_time_[index * kWabas.size() + waba];
    last = std::max(now_s - std::uniform_int_distribution<std::int64_t>(0, 5)(rng_), last + 1);
    return last;
  }

  const TemplateSet& set_;
  const std::string tag_;
  Rng rng_;
  const double other_share_;
  std::discrete_distribution<int> waba_dist_;
  std::vector<Outbound> active_;
  std::vector<std::vector<std::string>> recent_;  // per WABA: recent outbound wamids
  std::vector<std::int64_t> last_time_;           // per template and WABA
  std::uint64_t next_outbound_ = 1;
  std::uint64_t deliveries_ = 0;
};

// ---------------------------------------------------------------------------------------
// Load.

struct LoadResult {
  std::int64_t deliveries = 0;
  std::int64_t events = 0;
  std::int64_t redeliveries = 0;
  std::int64_t duplicate_events = 0;
  double seconds = 0;
};

storage::DeliveryRecord MakeRecord(std::string body, std::int64_t received_at_ms,
                                   std::string_view peer) {
  server::ParsedBody parsed = server::ParseDeliveryBody(body);
  storage::DeliveryRecord record;
  record.received_at_ms = received_at_ms;
  record.peer = std::string(peer);
  record.signature = server::SignBody(kAppSecret, body);
  record.body = std::move(body);
  record.parse_error = std::move(parsed.error);
  record.events = std::move(parsed.events);
  return record;
}

LoadResult LoadJournal(storage::JournalWriter& journal, const TemplateSet& set,
                       const Options& options) {
  const auto start = Clock::now();
  DeliveryGenerator generator(set, "L", options.seed, kOtherFieldsShare);
  Rng rng(options.seed ^ 0x5bd1e995);
  std::bernoulli_distribution redeliver(kRedeliveryShare);
  std::vector<std::string> recent_bodies;  // ring of the last kRedeliveryWindow bodies
  recent_bodies.reserve(kRedeliveryWindow);
  const std::int64_t first_ms = UnixMillisNow() - kSpanMs;

  LoadResult result;
  std::vector<storage::DeliveryRecord> batch;
  std::vector<const storage::DeliveryRecord*> pointers;
  std::vector<storage::AppendedDelivery> appended;
  std::int64_t next_progress = 100'000;
  const auto flush = [&] {
    pointers.clear();
    for (const storage::DeliveryRecord& d : batch) pointers.push_back(&d);
    if (Status s = journal.AppendBatch(pointers, &appended); !s.ok()) {
      throw std::runtime_error("appending to the journal: " + s.message());
    }
    for (const storage::AppendedDelivery& d : appended) {
      for (const storage::AppendedEvent& e : d.events) {
        result.duplicate_events += e.duplicate_of != 0 ? 1 : 0;
      }
    }
    batch.clear();
    if (result.events >= next_progress) {
      fmt::print("  {} events, {:.0f} s\n", result.events, SecondsBetween(start, Clock::now()));
      std::fflush(stdout);
      while (next_progress <= result.events) next_progress += 100'000;
    }
  };

  while (result.events < options.events) {
    // Receipt times advance with the events, so the journal spans the last 30 days.
    const std::int64_t received_at_ms =
        first_ms + static_cast<std::int64_t>(static_cast<double>(kSpanMs) *
                                             static_cast<double>(result.events) /
                                             static_cast<double>(options.events));
    std::string body;
    if (!recent_bodies.empty() && redeliver(rng)) {
      body = recent_bodies[Pick(rng, recent_bodies.size())];
      ++result.redeliveries;
    } else {
      body = generator.Next(received_at_ms / 1000);
      if (recent_bodies.size() < kRedeliveryWindow) {
        recent_bodies.push_back(body);
      } else {
        recent_bodies[static_cast<std::size_t>(result.deliveries) % kRedeliveryWindow] = body;
      }
    }
    batch.push_back(
        MakeRecord(std::move(body), received_at_ms, kMetaPeers[Pick(rng, kMetaPeers.size())]));
    result.events += static_cast<std::int64_t>(batch.back().events.size());
    ++result.deliveries;
    if (batch.size() == kBatchDeliveries) flush();
  }
  if (!batch.empty()) flush();
  result.seconds = SecondsBetween(start, Clock::now());
  return result;
}

// ---------------------------------------------------------------------------------------
// What the scenarios draw from: read back from the journal, so that a reused one works too.

struct Combination {
  std::string waba_id;
  std::string field;
  std::int64_t events = 0;
};

struct JournalFacts {
  std::int64_t deliveries = 0;
  std::int64_t events = 0;  // also the highest seq
  std::vector<std::string> wabas;
  std::vector<Combination> combinations;  // WABA and field pairs with events
  std::vector<std::string> wamids;        // a random sample of the journal's wamids
};

JournalFacts ReadFacts(const std::string& db, std::uint64_t seed) {
  auto reader = storage::OpenJournalStore(db).value()->OpenReader(1);
  if (!reader.ok()) throw std::runtime_error("opening the journal: " + reader.status().message());
  JournalFacts facts;
  auto stats = reader.value()->Stats();
  if (!stats.ok()) throw std::runtime_error("reading the journal: " + stats.status().message());
  facts.deliveries = stats->deliveries;
  facts.events = stats->events;
  auto wabas = reader.value()->Wabas();
  if (!wabas.ok()) throw std::runtime_error("reading the journal: " + wabas.status().message());
  for (const storage::WabaSummary& w : wabas.value()) {
    facts.wabas.push_back(w.waba_id);
    for (const auto& [field, count] : w.fields) {
      if (count.events > 0) facts.combinations.push_back({w.waba_id, field, count.events});
    }
  }
  // Wamids of random events; a few events (other fields, value errors) have none.
  Rng rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_int_distribution<std::int64_t> seq(1, std::max<std::int64_t>(facts.events, 1));
  for (std::size_t tries = 0;
       facts.events > 0 && facts.wamids.size() < kLookupWamids && tries < 20 * kLookupWamids;
       ++tries) {
    auto event = reader.value()->Event(seq(rng));
    if (!event.ok()) throw std::runtime_error("reading an event: " + event.status().message());
    if (event.value() && event.value()->value) {
      if (auto wamid = server::IdentifyValue(event.value()->field, *event.value()->value).wamid) {
        facts.wamids.push_back(*wamid);
      }
    }
  }
  if (facts.wabas.empty() || facts.combinations.empty() || facts.wamids.empty()) {
    throw std::runtime_error("the journal holds no WABA, field or wamid to query");
  }
  return facts;
}

// A read token for every WABA, stored in the journal. Returns the token.
std::string CreateReadToken(const std::string& db) {
  const std::string token = server::GenerateApiToken();
  if (token.empty()) throw std::runtime_error("no randomness available for a token");
  auto store = storage::OpenJournalStore(db).value()->OpenTokens(storage::Access::kWritable);
  if (!store.ok()) throw std::runtime_error("opening the token store: " + store.status().message());
  auto record = store.value()->Create("wj-query-bench", storage::TokenScope::kRead, {},
                                      server::HashApiToken(token), UnixMillisNow());
  if (!record.ok()) throw std::runtime_error("creating a token: " + record.status().message());
  return token;
}

// ---------------------------------------------------------------------------------------
// The server under test.

std::vector<std::string> ServeArgs(const Options& options, const std::string& db) {
  return {"serve",
          "--listen",
          "127.0.0.1:0",
          "--db",
          db,
          "--app-secret",
          std::string(kAppSecret),
          "--verify-token",
          std::string(kVerifyToken),
          "--threads",
          std::to_string(options.threads),
          "--synchronous",
          options.synchronous};
}

// ---------------------------------------------------------------------------------------
// Statistics.

// Nearest-rank percentile of sorted latencies, in milliseconds.
std::int64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------
// Background ingest.

// One thread posting distinct signed deliveries (inbound messages and statuses) at a steady
// rate over a keep-alive connection. When the server answers slower than the rate allows,
// the schedule slips (at most 100 ms of backlog is caught up): the achieved rate says so.
class BackgroundIngest {
 public:
  BackgroundIngest(const TemplateSet& set, std::uint16_t port, int rate, std::uint64_t seed)
      : url_(fmt::format("http://127.0.0.1:{}/webhook", port)),
        rate_(rate),
        // A tag of its own per start: a reused journal already holds earlier runs' wamids.
        generator_(set, fmt::format("R{:X}", UnixMillisNow()), seed, 0) {}
  ~BackgroundIngest() { Stop(); }
  BackgroundIngest(const BackgroundIngest&) = delete;
  BackgroundIngest& operator=(const BackgroundIngest&) = delete;

  void Start() {
    if (rate_ <= 0) return;
    start_ = Clock::now();
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) {
      thread_.join();
      end_ = Clock::now();
    }
  }

  // After Stop().
  void Report() const {
    if (rate_ <= 0) {
      fmt::print("ingest: none (--ingest-rate 0)\n");
      return;
    }
    std::vector<std::int64_t> sorted = latencies_us_;
    std::sort(sorted.begin(), sorted.end());
    const double seconds = SecondsBetween(start_, end_);
    fmt::print(
        "ingest: {} deliveries answered 200 in {:.1f} s = {:.0f}/s (asked {}/s), errors {}, "
        "latency p50 {:.2f} ms p99 {:.2f} ms max {:.2f} ms\n",
        ok_, seconds, static_cast<double>(ok_) / seconds, rate_, errors_, PercentileMs(sorted, 0.5),
        PercentileMs(sorted, 0.99), PercentileMs(sorted, 1.0));
    if (!first_error_.empty()) fmt::print("  first ingest error: {}\n", first_error_);
  }

  std::uint64_t errors() const { return errors_; }

 private:
  void Run() {
    server::HttpClient client;
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_));
    auto next = Clock::now();
    while (!stop_.load()) {
      const auto now = Clock::now();
      if (now < next) {
        std::this_thread::sleep_until(std::min(next, now + std::chrono::milliseconds(50)));
        continue;
      }
      next = std::max(next, now - std::chrono::milliseconds(100)) + interval;
      const std::string body = generator_.Next(UnixMillisNow() / 1000);
      const auto sent = Clock::now();
      auto response = client.Post(url_, body,
                                  {"Content-Type: application/json",
                                   "X-Hub-Signature-256: " + server::SignBody(kAppSecret, body)});
      if (response.ok() && response->status == 200) {
        ++ok_;
        latencies_us_.push_back(MicrosSince(sent));
        continue;
      }
      ++errors_;
      if (first_error_.empty()) {
        first_error_ = response.ok() ? fmt::format("HTTP {}: {}", response->status,
                                                   response->body.substr(0, 200))
                                     : response.status().message();
      }
    }
  }

  const std::string url_;
  const int rate_;
  DeliveryGenerator generator_;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
  Clock::time_point start_;
  Clock::time_point end_;
  // Written by the thread only; read after it is joined.
  std::uint64_t ok_ = 0;
  std::uint64_t errors_ = 0;
  std::vector<std::int64_t> latencies_us_;
  std::string first_error_;
};

// ---------------------------------------------------------------------------------------
// Scenarios.

struct Scenario {
  std::string name;
  std::string shape;  // what is requested, for the report
  double goal_p99_ms = 0;
  std::function<std::string(Rng&)> next_path;  // the path and query of the next request
};

std::vector<Scenario> MakeScenarios(const JournalFacts& facts) {
  // Half of the pages for combinations weighted by their events (mostly `messages` of the big
  // WABAs), half uniformly over the combinations (mostly rare fields).
  std::vector<double> weights;
  for (const Combination& c : facts.combinations) weights.push_back(static_cast<double>(c.events));
  auto by_events =
      std::make_shared<std::discrete_distribution<std::size_t>>(weights.begin(), weights.end());
  const std::int64_t max_seq = facts.events;
  std::vector<Scenario> scenarios;
  scenarios.push_back(
      {"page", "GET /api/v1/events?waba_id=W&field=F&limit=100[&after=SEQ]", 10,
       [&facts, by_events, max_seq](Rng& rng) {
         const bool weighted = std::bernoulli_distribution(0.5)(rng);
         const Combination& c =
             facts
                 .combinations[weighted ? (*by_events)(rng) : Pick(rng, facts.combinations.size())];
         std::string path =
             fmt::format("/api/v1/events?waba_id={}&field={}&limit=100", c.waba_id, c.field);
         if (std::bernoulli_distribution(0.5)(rng)) {
           path += fmt::format("&after={}",
                               std::uniform_int_distribution<std::int64_t>(1, max_seq)(rng));
         }
         return path;
       }});
  scenarios.push_back({"message", "GET /api/v1/messages/{wamid}", 10, [&facts](Rng& rng) {
                         return "/api/v1/messages/" + facts.wamids[Pick(rng, facts.wamids.size())];
                       }});
  scenarios.push_back({"wamid", "GET /api/v1/events?wamid=X", 10, [&facts](Rng& rng) {
                         return "/api/v1/events?wamid=" +
                                facts.wamids[Pick(rng, facts.wamids.size())];
                       }});
  scenarios.push_back(
      {"wabas", "GET /api/v1/wabas", 50, [](Rng&) { return std::string("/api/v1/wabas"); }});
  scenarios.push_back({"wabas-30d", "GET /api/v1/wabas?days=30", 50,
                       [](Rng&) { return std::string("/api/v1/wabas?days=30"); }});
  scenarios.push_back({"audit", "GET /api/v1/wabas/{W}/audit", 50, [&facts](Rng& rng) {
                         return "/api/v1/wabas/" + facts.wabas[Pick(rng, facts.wabas.size())] +
                                "/audit";
                       }});
  return scenarios;
}

struct ScenarioResult {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_kb = 0;
  std::uint64_t errors = 0;  // warm-up included
  std::string first_error;
};

ScenarioResult RunScenario(const Scenario& scenario, const std::string& base,
                           const std::string& token, const Options& options, Rng& rng) {
  server::HttpClient client;
  const std::vector<std::string> headers = {"Authorization: Bearer " + token};
  ScenarioResult result;
  std::vector<std::int64_t> latencies_us;
  latencies_us.reserve(static_cast<std::size_t>(options.requests));
  double bytes = 0;
  for (int i = 0; i < options.warmup + options.requests; ++i) {
    const std::string url = base + scenario.next_path(rng);
    const auto start = Clock::now();
    auto response = client.Get(url, headers);
    const std::int64_t micros = MicrosSince(start);
    if (!response.ok() || response->status != 200) {
      ++result.errors;
      if (result.first_error.empty()) {
        result.first_error = url + ": " +
                             (response.ok() ? fmt::format("HTTP {}: {}", response->status,
                                                          response->body.substr(0, 200))
                                            : response.status().message());
      }
      continue;
    }
    if (i < options.warmup) continue;
    latencies_us.push_back(micros);
    bytes += static_cast<double>(response->body.size());
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  result.p50_ms = PercentileMs(latencies_us, 0.50);
  result.p90_ms = PercentileMs(latencies_us, 0.90);
  result.p99_ms = PercentileMs(latencies_us, 0.99);
  result.max_ms = PercentileMs(latencies_us, 1.0);
  if (!latencies_us.empty()) {
    result.mean_kb = bytes / static_cast<double>(latencies_us.size()) / 1024;
  }
  return result;
}

void PrintScenario(const Scenario& s, const ScenarioResult& r) {
  fmt::print(
      "  {:<10} p50 {:7.2f} ms  p90 {:7.2f} ms  p99 {:7.2f} ms  max {:7.2f} ms  "
      "{:7.1f} KB/answer  errors {}\n",
      s.name, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.mean_kb, r.errors);
  if (!r.first_error.empty()) fmt::print("    first error: {}\n", r.first_error);
  std::fflush(stdout);
}

// The final table: per scenario the median over runs of p50 and p99, against the goal.
bool PrintTable(const std::vector<Scenario>& scenarios,
                const std::vector<std::vector<ScenarioResult>>& runs) {
  fmt::print("\n{}\n", runs.size() > 1 ? fmt::format("medians of {} runs:", runs.size())
                                       : std::string("summary:"));
  fmt::print("{:<10}  {:>9}  {:>9}  {:>9}  {:>8}  {}\n", "scenario", "p50", "p99", "goal p99",
             "errors", "verdict");
  bool all_met = true;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    std::vector<double> p50;
    std::vector<double> p99;
    std::uint64_t errors = 0;
    for (const auto& run : runs) {
      p50.push_back(run[i].p50_ms);
      p99.push_back(run[i].p99_ms);
      errors += run[i].errors;
    }
    const double median_p99 = Median(p99);
    const bool met = errors == 0 && median_p99 < scenarios[i].goal_p99_ms;
    all_met = all_met && met;
    fmt::print("{:<10}  {:6.2f} ms  {:6.2f} ms  {:>6} ms  {:>8}  {}\n", scenarios[i].name,
               Median(p50), median_p99, fmt::format("< {:.0f}", scenarios[i].goal_p99_ms), errors,
               errors > 0 ? "ERRORS" : (met ? "met" : "MISSED"));
  }
  std::fflush(stdout);
  return all_met;
}

// ---------------------------------------------------------------------------------------
// The benchmark.

std::string FileSize(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) return "?";
  return fmt::format("{:.0f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// Loads the journal at `db` unless it already has events.
void PrepareJournal(const std::string& db, const TemplateSet& set, const Options& options) {
  storage::StoreOptions store_options;
  store_options.sync = storage::SyncMode::kNormal;
  auto journal = storage::OpenJournalStore(db, store_options).value()->OpenWriter();
  if (!journal.ok()) throw std::runtime_error("opening the journal: " + journal.status().message());
  const storage::JournalStats existing = journal.value()->Committed();
  if (existing.events > 0) {
    fmt::print("journal {}: {} deliveries, {} events already; not loading\n", db,
               existing.deliveries, existing.events);
    return;
  }
  fmt::print("loading {} events into {}\n", options.events, db);
  std::fflush(stdout);
  const LoadResult load = LoadJournal(*journal.value(), set, options);
  journal.value().reset();  // closes the file: the server is to be its only writer
  fmt::print(
      "load: {} events in {} deliveries ({} redeliveries, {} duplicate events) in {:.1f} s: "
      "{:.0f} events/s, {:.0f} deliveries/s; journal {}\n",
      load.events, load.deliveries, load.redeliveries, load.duplicate_events, load.seconds,
      static_cast<double>(load.events) / load.seconds,
      static_cast<double>(load.deliveries) / load.seconds, FileSize(db));
  std::fflush(stdout);
}

int RunBenchmark(const Options& options) {
  const TemplateSet set = BuildTemplates();
  fmt::print("samples: {} ({} fields): {} inbound message, {} status, {} other-field\n",
             set.all.size(), set.fields.size(), set.inbound.size(),
             set.all.size() - set.inbound.size() - set.other.size(), set.other.size());

  std::optional<TempDir> dir;
  std::string db = options.db;
  if (db.empty()) {
    dir.emplace("wj-query-bench");
    db = (dir->path() / "query-bench.db").string();
  }
  PrepareJournal(db, set, options);
  const JournalFacts facts = ReadFacts(db, options.seed);
  fmt::print(
      "journal: {} deliveries, {} events, {} WABAs, {} WABA/field combinations, {} wamids "
      "sampled for lookups\n",
      facts.deliveries, facts.events, facts.wabas.size(), facts.combinations.size(),
      facts.wamids.size());
  const std::string token = CreateReadToken(db);

  const auto started = Clock::now();
  auto server = ServerProcess::Start("wj-query-bench", options.binary, ServeArgs(options, db),
                                     kStartupTimeout);
  fmt::print("server: {} --threads {} --synchronous {}, listening after {:.1f} s\n", options.binary,
             options.threads, options.synchronous, SecondsBetween(started, Clock::now()));
  fmt::print(
      "measuring: {} requests per scenario after {} warm-up, {} run(s), one keep-alive "
      "client; ingest {}/s\n",
      options.requests, options.warmup, options.runs, options.ingest_rate);
  std::fflush(stdout);

  const std::string base = fmt::format("http://127.0.0.1:{}", server->port());
  const std::vector<Scenario> scenarios = MakeScenarios(facts);
  for (const Scenario& s : scenarios) fmt::print("  {:<10} {}\n", s.name, s.shape);
  Rng rng(options.seed);
  std::vector<std::vector<ScenarioResult>> runs;
  BackgroundIngest ingest(set, server->port(), options.ingest_rate, options.seed + 1);
  ingest.Start();
  for (int run = 1; run <= options.runs; ++run) {
    fmt::print("run {}:\n", run);
    std::vector<ScenarioResult>& results = runs.emplace_back();
    for (const Scenario& s : scenarios) {
      results.push_back(RunScenario(s, base, token, options, rng));
      PrintScenario(s, results.back());
    }
  }
  ingest.Stop();
  ingest.Report();
  const bool all_met = PrintTable(scenarios, runs);
  const std::string server_exit = server->Stop();
  if (!server_exit.empty()) fmt::print("server {}\n", server_exit);
  if (!options.db.empty()) fmt::print("journal kept at {} ({})\n", db, FileSize(db));

  std::uint64_t errors = ingest.errors();
  for (const auto& run : runs) {
    for (const ScenarioResult& r : run) errors += r.errors;
  }
  fmt::print("{}\n", errors > 0 ? fmt::format("{} errors", errors)
                                : (all_met ? "every goal met" : "no errors; some goals missed"));
  return errors == 0 && server_exit.empty() ? 0 : 1;
}

}  // namespace
}  // namespace wj::bench

int main(int argc, char** argv) {
  return wj::bench::BenchMain("wj-query-bench", argc, argv, wj::bench::kUsage,
                              wj::bench::ParseOptions, wj::bench::RunBenchmark);
}
