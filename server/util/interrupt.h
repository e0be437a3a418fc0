#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace wj::server {

// A flag that ends waits early: background loops sleep on it between retries, and Stop()
// or a cancel triggers it.
//
// Thread-safety: every member may be called from any thread.
class Interrupt {
 public:
  void Trigger() {
    std::lock_guard lock(mu_);
    triggered_ = true;
    cv_.notify_all();
  }
  bool triggered() const {
    std::lock_guard lock(mu_);
    return triggered_;
  }
  // Waits up to `timeout`; true when triggered (now or before).
  bool WaitFor(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return triggered_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool triggered_ = false;  // guarded by mu_
};

}  // namespace wj::server
