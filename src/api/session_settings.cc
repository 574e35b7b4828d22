#include "api/session_settings.h"

#include <cstdlib>

#include "common/ascii.h"

namespace sluice {

namespace {

struct Setting {
  const char* name;
  const char* default_value;
  const char* takes;  // for messages
};

constexpr Setting kSettings[] = {
    {"max_buffered_batches", "8", "an integer >= 1"},
    {"threads", "0", "an integer >= 0 (0: one per core)"},
    {"partitions", "0", "an integer >= 0 (0: one per core)"},
    {"memory_limit", "0", "bytes (an integer, or with KB, MB, GB), 0 for no limit"},
    {"timezone", "UTC", "'UTC' (Sluice computes and shows times in UTC)"},
};

const Setting* Find(const std::string& name) {
  for (const auto& setting : kSettings) {
    if (name == setting.name) return &setting;
  }
  return nullptr;
}

// An integer with an optional KB/MB/GB/TB suffix (powers of 1024); -1 if malformed.
int64_t ParseAmount(const std::string& text, bool units) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || value < 0) return -1;
  std::string unit = AsciiLower(std::string(end));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  if (unit.empty()) return value;
  if (!units) return -1;
  const char* const kUnits[] = {"kb", "mb", "gb", "tb"};
  int64_t scale = 1024;
  for (const char* suffix : kUnits) {
    if (unit == suffix || unit == std::string(1, suffix[0])) return value * scale;
    scale *= 1024;
  }
  return -1;
}

int64_t Value(const std::map<std::string, std::string>& values, const char* name) {
  auto it = values.find(name);
  return ParseAmount(it == values.end() ? Find(name)->default_value : it->second,
                     std::string(name) == "memory_limit");
}

}  // namespace

bool SessionSettings::IsSetting(const std::string& name) {
  return Find(AsciiLower(name)) != nullptr;
}

arrow::Status SessionSettings::Set(const std::string& raw_name,
                                   const std::string& value) {
  const std::string name = AsciiLower(raw_name);
  const Setting* setting = Find(name);
  if (setting == nullptr) {
    std::string known;
    for (const auto& s : kSettings)
      known += (known.empty() ? "" : ", ") + std::string(s.name);
    return arrow::Status::KeyError("unknown setting \"", raw_name,
                                   "\" (settings: ", known, ")");
  }
  bool valid;
  if (name == "timezone") {
    valid = AsciiLower(value) == "utc";
  } else {
    const int64_t amount = ParseAmount(value, name == "memory_limit");
    valid = amount >= (name == "max_buffered_batches" ? 1 : 0);
  }
  if (!valid) {
    return arrow::Status::Invalid("setting ", name, " takes ", setting->takes, ", not '",
                                  value, "'");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  values_[name] = name == "timezone" ? "UTC" : value;
  return arrow::Status::OK();
}

arrow::Status SessionSettings::Reset(const std::string& raw_name) {
  const std::string name = AsciiLower(raw_name);
  std::lock_guard<std::mutex> lock(mutex_);
  if (name == "all") {
    values_.clear();
    return arrow::Status::OK();
  }
  if (Find(name) == nullptr)
    return arrow::Status::KeyError("unknown setting \"", raw_name, "\"");
  values_.erase(name);
  return arrow::Status::OK();
}

arrow::Result<std::string> SessionSettings::Show(const std::string& raw_name) const {
  const std::string name = AsciiLower(raw_name);
  const Setting* setting = Find(name);
  if (setting == nullptr)
    return arrow::Status::KeyError("unknown setting \"", raw_name, "\"");
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = values_.find(name);
  return it == values_.end() ? std::string(setting->default_value) : it->second;
}

std::vector<std::pair<std::string, std::string>> SessionSettings::ShowAll() const {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& setting : kSettings)
    all.emplace_back(setting.name, *Show(setting.name));
  return all;
}

ExecOptions SessionSettings::Resolve(ExecOptions options) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!options.max_buffered_batches) {
    options.max_buffered_batches =
        static_cast<size_t>(Value(values_, "max_buffered_batches"));
  }
  if (!options.threads) options.threads = static_cast<int>(Value(values_, "threads"));
  if (!options.partitions)
    options.partitions = static_cast<int>(Value(values_, "partitions"));
  if (!options.memory_limit_bytes)
    options.memory_limit_bytes = Value(values_, "memory_limit");
  return options;
}

}  // namespace sluice
