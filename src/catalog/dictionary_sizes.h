#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace parquet {
class ColumnChunkMetaData;
}

namespace sluice::catalog {

// Whether every data page of `chunk` is dictionary encoded, by its encoding statistics
// (a writer whose dictionary outgrew its limit falls back to PLAIN for later pages);
// false where they were not recorded.
bool OnlyDictionaryPages(const parquet::ColumnChunkMetaData& chunk);

// A table's sample of its columns' distinct values, for planning: how many entries the
// dictionary of a top-level column holds in the first row group of one of its Parquet
// files, when every data page of that column chunk is dictionary encoded (so the
// dictionary is the chunk's distinct values). A string column's `= 'F'` then keeps about
// 1/3 of TPC-H's orders, not a fixed share. Each column's answer is read once (a footer
// and a dictionary page) and kept; nullopt where the chunk has no such dictionary or the
// file cannot be read (the scan reports why).
class DictionarySizes {
 public:
  std::optional<int64_t> Of(const std::string& path, const std::string& column) const;

  // The same, read from the file every time.
  static std::optional<int64_t> Read(const std::string& path, const std::string& column);

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::optional<int64_t>> sizes_;  // by column
};

}  // namespace sluice::catalog
