#pragma once

#include <csignal>

#include <arrow/util/cancel.h>

namespace sluice::python {

// Makes Ctrl-C stop a query while the interpreter's main thread is blocked inside Sluice
// (with the GIL released, Python's own handler only sets a flag the blocked thread never
// looks at). For its lifetime, on the main thread only, a SIGINT requests a stop from
// `stop` and then runs the handler that was installed before (Python's, which schedules
// KeyboardInterrupt). The blocked read returns Cancelled within the query's poll
// interval; the caller then lets Python raise (PyErr_CheckSignals). On other threads,
// and when a scope is already active, it does nothing.
class InterruptScope {
 public:
  explicit InterruptScope(arrow::StopSource* stop);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // Records the interpreter's main thread; called once at import.
  static void SetMainThread();

 private:
  bool installed_ = false;
};

}  // namespace sluice::python
