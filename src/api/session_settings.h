#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

#include "sluice/exec_options.h"

namespace sluice {

// A session's own settings (SET, RESET, SHOW): max_buffered_batches, threads,
// partitions, memory_limit and timezone. Values are checked when set; an unknown name or
// a bad value is an error naming the setting and what it takes. Thread-safe.
class SessionSettings {
 public:
  arrow::Status Set(const std::string& name, const std::string& value);
  // Back to the default; "all" resets every setting.
  arrow::Status Reset(const std::string& name);
  // The current value as text.
  arrow::Result<std::string> Show(const std::string& name) const;
  // Every setting with its value, by name.
  std::vector<std::pair<std::string, std::string>> ShowAll() const;

  // Whether `name` is one of these settings (else a Spark session sends it to Spark).
  static bool IsSetting(const std::string& name);

  // `options` with every unset field taken from these settings.
  ExecOptions Resolve(ExecOptions options) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;  // only those set
};

}  // namespace sluice
