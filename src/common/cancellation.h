#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace sluice {

// A one-shot signal that a query is stopping, shared by its stream and its sources. A
// source that merely polls checks requested(); one that waits on something outside the
// query (a producer) registers a callback that wakes it. Thread-safe.
class CancellationSignal {
 public:
  bool requested() const { return requested_.load(std::memory_order_acquire); }

  // Runs each registered callback once, outside the lock. Later calls do nothing.
  void Request();

  // Registers `callback` to run on Request; runs it at once if already requested.
  void OnRequest(std::function<void()> callback);

 private:
  std::mutex mutex_;
  std::atomic<bool> requested_{false};
  std::vector<std::function<void()>> callbacks_;
};

}  // namespace sluice
