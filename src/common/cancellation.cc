#include "common/cancellation.h"

namespace sluice {

void CancellationSignal::Request() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (requested_.exchange(true, std::memory_order_acq_rel)) return;
    callbacks.swap(callbacks_);
  }
  for (auto& callback : callbacks) callback();
}

void CancellationSignal::OnRequest(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!requested_.load(std::memory_order_acquire)) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

}  // namespace sluice
