#include "interrupt_scope.h"

#include <pthread.h>

#include <atomic>

namespace sluice::python {

namespace {

pthread_t main_thread;
std::atomic<arrow::StopSource*> active_stop{nullptr};
struct sigaction previous_action;

void OnInterrupt(int signum, siginfo_t* info, void* context) {
  // Both calls are async-signal-safe: Arrow's records the signal in an atomic, Python's
  // sets its pending-signal flags.
  if (arrow::StopSource* stop = active_stop.load()) stop->RequestStopFromSignal(signum);
  if (previous_action.sa_flags & SA_SIGINFO) {
    previous_action.sa_sigaction(signum, info, context);
  } else if (previous_action.sa_handler != SIG_DFL &&
             previous_action.sa_handler != SIG_IGN) {
    previous_action.sa_handler(signum);
  }
}

}  // namespace

void InterruptScope::SetMainThread() { main_thread = pthread_self(); }

InterruptScope::InterruptScope(arrow::StopSource* stop) {
  if (!pthread_equal(pthread_self(), main_thread)) return;
  arrow::StopSource* none = nullptr;
  if (!active_stop.compare_exchange_strong(none, stop)) return;
  struct sigaction action = {};
  action.sa_sigaction = OnInterrupt;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGINT, &action, &previous_action) != 0) {
    active_stop.store(nullptr);
    return;
  }
  installed_ = true;
}

InterruptScope::~InterruptScope() {
  if (!installed_) return;
  sigaction(SIGINT, &previous_action, nullptr);
  active_stop.store(nullptr);
}

}  // namespace sluice::python
