#pragma once

// The rows typed_rows_bench encodes and duckdb_appender appends: the same values for
// both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct WideValues {
  int64_t id, a;
  int32_t b;
  double x, y;
  bool flag;
  std::string sym;
  std::optional<int64_t> maybe;
  int32_t day;  // days since 1970-01-01
  const char* tag;
};

// One batch's worth (65,536 rows), reused for every batch.
inline std::vector<WideValues> MakeWideValues() {
  std::vector<WideValues> rows(65536);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto n = static_cast<int64_t>(i);
    rows[i] = {n,
               n * 3,
               static_cast<int32_t>(n % 1000),
               n * 0.5,
               n * 0.25,
               n % 2 == 0,
               "S" + std::to_string(n % 100),
               n % 10 == 0 ? std::nullopt : std::optional<int64_t>(n),
               19723,
               "tag"};
  }
  return rows;
}
