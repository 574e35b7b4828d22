#include "catalog/dictionary_sizes.h"

#include <exception>

#include <parquet/column_page.h>
#include <parquet/column_reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/schema.h>

namespace sluice::catalog {

bool OnlyDictionaryPages(const parquet::ColumnChunkMetaData& chunk) {
  const auto& stats = chunk.encoding_stats();
  if (stats.empty()) return false;
  for (const auto& page : stats) {
    const bool data = page.page_type == parquet::PageType::DATA_PAGE ||
                      page.page_type == parquet::PageType::DATA_PAGE_V2;
    const bool dictionary = page.encoding == parquet::Encoding::RLE_DICTIONARY ||
                            page.encoding == parquet::Encoding::PLAIN_DICTIONARY;
    if (data && !dictionary) return false;
  }
  return true;
}

std::optional<int64_t> DictionarySizes::Of(const std::string& path,
                                           const std::string& column) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [entry, inserted] = sizes_.emplace(column, std::nullopt);
  if (inserted) entry->second = Read(path, column);
  return entry->second;
}

std::optional<int64_t> DictionarySizes::Read(const std::string& path,
                                             const std::string& column) {
  try {
    auto reader = parquet::ParquetFileReader::OpenFile(path, /*memory_map=*/false);
    const auto metadata = reader->metadata();
    if (metadata->num_row_groups() == 0) return std::nullopt;
    const int index = metadata->schema()->ColumnIndex(column);
    if (index < 0) return std::nullopt;
    const auto chunk = metadata->RowGroup(0)->ColumnChunk(index);
    if (!chunk->has_dictionary_page() || !OnlyDictionaryPages(*chunk)) {
      return std::nullopt;
    }
    auto pages = reader->RowGroup(0)->GetColumnPageReader(index);
    const auto page = pages->NextPage();
    if (!page || page->type() != parquet::PageType::DICTIONARY_PAGE) return std::nullopt;
    return static_cast<const parquet::DictionaryPage&>(*page).num_values();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace sluice::catalog
