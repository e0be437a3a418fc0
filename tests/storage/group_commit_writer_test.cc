#include "storage/group_commit_writer.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/journal_store.h"
#include "storage/journal_verifier.h"
#include "tests/support/storage_engines.h"

namespace wj::storage {
namespace {

// A JournalWriter that records every batch, can hold the writer thread inside AppendBatch
// until the test opens its gate, and can fail.
class FakeJournal final : public JournalWriter {
 public:
  explicit FakeJournal(JournalStats initial = {}) : committed_(initial) {}

  Status AppendBatch(const std::vector<const DeliveryRecord*>& batch,
                     std::vector<AppendedDelivery>* out) override {
    std::unique_lock lock(mu_);
    ++calls_;
    batch_sizes_.push_back(batch.size());
    for (const DeliveryRecord* d : batch) bodies_.push_back(d->body);
    changed_.notify_all();
    changed_.wait(lock, [this] { return gate_open_; });
    if (fail_) return Status::Unavailable("disk on fire");
    out->clear();
    for (const DeliveryRecord* d : batch) {
      AppendedDelivery a;
      a.delivery_id = ++committed_.deliveries;
      for (std::size_t i = 0; i < d->events.size(); ++i) {
        a.events.push_back({++committed_.events, 0});
      }
      out->push_back(std::move(a));
    }
    return Status::Ok();
  }

  JournalStats Committed() const override {
    std::lock_guard lock(mu_);
    return committed_;
  }

  void CloseGate() {
    std::lock_guard lock(mu_);
    gate_open_ = false;
  }
  void OpenGate() {
    std::lock_guard lock(mu_);
    gate_open_ = true;
    changed_.notify_all();
  }
  void SetFailing(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  // Blocks until AppendBatch has been entered `n` times in all.
  void WaitForCalls(std::size_t n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return calls_ >= n; });
  }
  std::vector<std::size_t> BatchSizes() const {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  std::vector<std::string> Bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool gate_open_ = true;
  bool fail_ = false;
  std::size_t calls_ = 0;
  std::vector<std::size_t> batch_sizes_;
  std::vector<std::string> bodies_;
  JournalStats committed_;
};

// Collects completions by key, counting how often each one was called.
class Completions {
 public:
  DeliveryAppender::Completion For(int key) {
    return [this, key](const Result<AppendedDelivery>& r) {
      std::lock_guard lock(mu_);
      ++calls_[key];
      results_.insert_or_assign(key, r);
      threads_[key] = std::this_thread::get_id();
      ++total_;
      done_.notify_all();
    };
  }
  void WaitForTotal(std::size_t n) {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return total_ >= n; });
  }
  std::size_t Total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  int Calls(int key) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }
  bool Has(int key) const { return Calls(key) > 0; }
  Result<AppendedDelivery> ResultOf(int key) const {
    std::lock_guard lock(mu_);
    return results_.at(key);
  }
  std::thread::id ThreadOf(int key) const {
    std::lock_guard lock(mu_);
    return threads_.at(key);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable done_;
  std::map<int, int> calls_;
  std::map<int, Result<AppendedDelivery>> results_;
  std::map<int, std::thread::id> threads_;
  std::size_t total_ = 0;
};

DeliveryRecord Delivery(const std::string& body, std::size_t events = 1) {
  DeliveryRecord d;
  d.body = body;
  d.events.resize(events);
  return d;
}

TEST(GroupCommitWriterTest, EveryDeliveryGetsExactlyOneCompletionInOrder) {
  FakeJournal journal;
  Completions completions;
  constexpr int kCount = 50;
  {
    GroupCommitWriter writer(journal, {});
    for (int i = 0; i < kCount; ++i) {
      writer.Submit(Delivery("body " + std::to_string(i)), completions.For(i));
    }
    writer.Stop();
  }

  EXPECT_EQ(completions.Total(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(completions.Calls(i), 1) << "delivery " << i;
    Result<AppendedDelivery> r = completions.ResultOf(i);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->delivery_id, i + 1) << "submissions are journaled in order";
    ASSERT_EQ(r->events.size(), 1u);
    EXPECT_EQ(r->events[0].seq, i + 1);
  }
  std::vector<std::string> bodies = journal.Bodies();
  ASSERT_EQ(bodies.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(bodies[i], "body " + std::to_string(i));
}

TEST(GroupCommitWriterTest, CompletionsRunOnWriterThread) {
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {});
  writer.Submit(Delivery("x"), completions.For(0));
  completions.WaitForTotal(1);
  EXPECT_NE(completions.ThreadOf(0), std::this_thread::get_id());
}

TEST(GroupCommitWriterTest, ConcurrentSubmitsAllCompleteOkInBatches) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  constexpr std::size_t kMaxBatch = 100;
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {kMaxBatch, 32 << 20});

  // Hold the writer inside its first commit so that everything else queues up behind it.
  journal.CloseGate();
  writer.Submit(Delivery("first"), completions.For(-1));
  journal.WaitForCalls(1);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int key = t * kPerThread + i;
        writer.Submit(Delivery("d" + std::to_string(key)), completions.For(key));
      }
    });
  }
  for (std::thread& s : submitters) s.join();
  EXPECT_EQ(writer.Pending(), static_cast<std::size_t>(kThreads * kPerThread + 1));
  journal.OpenGate();
  const std::size_t total = kThreads * kPerThread + 1;
  completions.WaitForTotal(total);
  writer.Stop();

  std::set<std::int64_t> ids;
  for (int key = -1; key < kThreads * kPerThread; ++key) {
    ASSERT_EQ(completions.Calls(key), 1) << key;
    Result<AppendedDelivery> r = completions.ResultOf(key);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ids.insert(r->delivery_id);
  }
  EXPECT_EQ(ids.size(), total) << "every delivery got its own id";
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), static_cast<std::int64_t>(total));

  std::vector<std::size_t> sizes = journal.BatchSizes();
  EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}), total);
  EXPECT_GT(*std::max_element(sizes.begin(), sizes.end()), 1u) << "no group commit happened";
  EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()), kMaxBatch);
  CommitStats stats = writer.Stats();
  EXPECT_EQ(stats.commits, sizes.size());
  EXPECT_EQ(stats.failed_commits, 0u);
  EXPECT_EQ(stats.deliveries, total);
  EXPECT_EQ(std::accumulate(std::begin(stats.batch_buckets), std::end(stats.batch_buckets),
                            std::uint64_t{0}),
            stats.commits);
  EXPECT_EQ(stats.batch_buckets[0], 1u) << "only the first commit was of one delivery";
  EXPECT_EQ(writer.Committed().deliveries, static_cast<std::int64_t>(total));
  EXPECT_EQ(writer.Pending(), 0u);
}

TEST(GroupCommitWriterTest, BatchRespectsMaxBytesButTakesOneOversizedDelivery) {
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {512, 10});
  journal.CloseGate();
  writer.Submit(Delivery("first"), completions.For(0));
  journal.WaitForCalls(1);
  writer.Submit(Delivery("aaaa"), completions.For(1));                // 4
  writer.Submit(Delivery("bbbbbb"), completions.For(2));              // 4 + 6 = 10: same batch
  writer.Submit(Delivery("c"), completions.For(3));                   // 11: next batch
  writer.Submit(Delivery(std::string(50, 'd')), completions.For(4));  // oversized: alone
  writer.Submit(Delivery("e"), completions.For(5));
  journal.OpenGate();
  completions.WaitForTotal(6);
  writer.Stop();

  EXPECT_EQ(journal.BatchSizes(), (std::vector<std::size_t>{1, 2, 1, 1, 1}));
  for (int key = 0; key < 6; ++key) EXPECT_TRUE(completions.ResultOf(key).ok()) << key;
}

TEST(GroupCommitWriterTest, FailedCommitCompletesEveryDeliveryOfBatchWithFailure) {
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {});
  journal.SetFailing(true);
  journal.CloseGate();
  writer.Submit(Delivery("first"), completions.For(0));
  journal.WaitForCalls(1);
  for (int key = 1; key <= 5; ++key) writer.Submit(Delivery("x"), completions.For(key));
  journal.OpenGate();
  completions.WaitForTotal(6);

  for (int key = 0; key <= 5; ++key) {
    ASSERT_EQ(completions.Calls(key), 1) << key;
    Result<AppendedDelivery> r = completions.ResultOf(key);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
    EXPECT_EQ(r.status().message(), "disk on fire");
  }
  CommitStats stats = writer.Stats();
  EXPECT_EQ(stats.failed_commits, journal.BatchSizes().size());
  EXPECT_EQ(stats.failed_commits, 2u);
  EXPECT_EQ(stats.commits, 0u);
  EXPECT_EQ(stats.deliveries, 0u);
  EXPECT_EQ(writer.Committed().deliveries, 0);

  // The writer keeps going once the journal recovers.
  journal.SetFailing(false);
  writer.Submit(Delivery("after"), completions.For(6));
  completions.WaitForTotal(7);
  Result<AppendedDelivery> r = completions.ResultOf(6);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->delivery_id, 1);
  EXPECT_EQ(writer.Stats().commits, 1u);
  EXPECT_EQ(writer.Stats().failed_commits, 2u);
}

TEST(GroupCommitWriterTest, StopCommitsEverythingAlreadySubmitted) {
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {});
  journal.CloseGate();
  writer.Submit(Delivery("first"), completions.For(0));
  journal.WaitForCalls(1);
  constexpr int kQueued = 20;
  for (int key = 1; key <= kQueued; ++key) writer.Submit(Delivery("q"), completions.For(key));

  std::thread stopper([&] { writer.Stop(); });
  // The writer is held in its first commit, so a completion that has run by the time Submit
  // returns was called inline: Stop() has begun. Probes queued before that must be committed.
  int key = kQueued + 1;
  for (;; ++key) {
    writer.Submit(Delivery("probe"), completions.For(key));
    if (completions.Has(key)) break;
    std::this_thread::yield();
  }
  const int rejected_probe = key;
  EXPECT_EQ(completions.ThreadOf(rejected_probe), std::this_thread::get_id());
  EXPECT_EQ(completions.ResultOf(rejected_probe).status().code(), Status::Code::kUnavailable);
  journal.OpenGate();
  stopper.join();

  // Stop() returned: every delivery accepted before it is committed and completed.
  for (int k = 0; k < rejected_probe; ++k) {
    ASSERT_EQ(completions.Calls(k), 1) << k;
    EXPECT_TRUE(completions.ResultOf(k).ok()) << k;
  }
  EXPECT_EQ(completions.Total(), static_cast<std::size_t>(rejected_probe + 1));
  EXPECT_EQ(writer.Stats().deliveries, static_cast<std::uint64_t>(rejected_probe));
  EXPECT_EQ(writer.Pending(), 0u);
}

TEST(GroupCommitWriterTest, SubmitAfterStopCompletesAtOnceWithUnavailable) {
  FakeJournal journal;
  Completions completions;
  GroupCommitWriter writer(journal, {});
  writer.Stop();
  writer.Stop();  // idempotent

  writer.Submit(Delivery("late"), completions.For(0));

  ASSERT_EQ(completions.Calls(0), 1) << "not completed before Submit returned";
  EXPECT_EQ(completions.ThreadOf(0), std::this_thread::get_id());
  Result<AppendedDelivery> r = completions.ResultOf(0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(journal.BatchSizes().empty());
}

TEST(GroupCommitWriterTest, CommittedStartsFromJournalAndFollowsCommits) {
  FakeJournal journal(JournalStats{7, 11});
  Completions completions;
  GroupCommitWriter writer(journal, {});
  EXPECT_EQ(writer.Committed().deliveries, 7);
  EXPECT_EQ(writer.Committed().events, 11);

  writer.Submit(Delivery("x", 3), completions.For(0));
  writer.Stop();

  EXPECT_EQ(writer.Committed().deliveries, 8);
  EXPECT_EQ(writer.Committed().events, 14);
  Result<AppendedDelivery> r = completions.ResultOf(0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->delivery_id, 8);
}

// The group-commit writer over a real journal, on every engine.
class GroupCommitWriterOnEngineTest : public wj::testing::StorageTest {};

TEST_P(GroupCommitWriterOnEngineTest, CommitsConcurrentDeliveriesToTheJournal) {
  const std::string db = NewDb();
  auto journal = Writer(db, StoreOptions{SyncMode::kNormal, 5000, "", ""});
  ASSERT_NE(journal, nullptr);
  Completions completions;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  {
    GroupCommitWriter writer(*journal, {});
    std::vector<std::thread> submitters;
    for (int t = 0; t < kThreads; ++t) {
      submitters.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const int key = t * kPerThread + i;
          DeliveryRecord d = Delivery("body" + std::to_string(key), 0);
          EventRecord e;
          e.dedup_key = "key" + std::to_string(key);
          e.value = "{}";
          d.events.push_back(e);
          writer.Submit(std::move(d), completions.For(key));
        }
      });
    }
    for (std::thread& s : submitters) s.join();
  }  // the destructor stops, committing everything

  constexpr int kTotal = kThreads * kPerThread;
  ASSERT_EQ(completions.Total(), static_cast<std::size_t>(kTotal));
  std::set<std::int64_t> seqs;
  for (int key = 0; key < kTotal; ++key) {
    Result<AppendedDelivery> r = completions.ResultOf(key);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->events.size(), 1u);
    seqs.insert(r->events[0].seq);
  }
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(*seqs.rbegin(), kTotal);
  journal.reset();
  auto store = Store(db);
  ASSERT_NE(store, nullptr);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->deliveries, kTotal);
  EXPECT_EQ(report->events, kTotal);
}

WJ_INSTANTIATE_ON_EVERY_ENGINE(GroupCommitWriterOnEngineTest);

}  // namespace
}  // namespace wj::storage
