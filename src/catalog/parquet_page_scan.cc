#include "catalog/parquet_page_scan.h"

#include <algorithm>
#include <deque>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <vector>

#include <arrow/dataset/file_parquet.h>
#include <arrow/dataset/scanner.h>
#include <arrow/io/file.h>
#include <arrow/util/async_generator.h>
#include <arrow/util/thread_pool.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/column_reader.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/page_index.h>
#include <parquet/statistics.h>

#include "catalog/dictionary_prefilter.h"
#include "catalog/dictionary_sizes.h"
#include "common/dictionary_decode.h"

namespace sluice::catalog {

namespace cp = arrow::compute;

namespace {

// Which data pages of a column chunk to skip, in the chunk's order.
using PageSkips = std::vector<bool>;
// By row group, then by leaf column.
using FileSkips = std::map<int, std::map<int, PageSkips>>;

// A row group whose column chunks skip the planned pages.
class SkippingRowGroup : public parquet::RowGroupReader::Contents {
 public:
  SkippingRowGroup(std::shared_ptr<parquet::RowGroupReader> row_group,
                   const std::map<int, PageSkips>* skips,
                   const parquet::ReaderProperties* properties)
      : row_group_(std::move(row_group)), skips_(skips), properties_(properties) {}

  std::unique_ptr<parquet::PageReader> GetColumnPageReader(int i) override {
    auto pages = row_group_->GetColumnPageReader(i);
    auto skips = skips_->find(i);
    if (skips != skips_->end()) {
      pages->set_data_page_filter([skip = skips->second, next = size_t{0}](
                                      const parquet::DataPageStats&) mutable {
        const bool skipped = next < skip.size() && skip[next];
        ++next;
        return skipped;
      });
    }
    return pages;
  }
  const parquet::RowGroupMetaData* metadata() const override {
    return row_group_->metadata();
  }
  const parquet::ReaderProperties* properties() const override { return properties_; }

 private:
  std::shared_ptr<parquet::RowGroupReader> row_group_;
  const std::map<int, PageSkips>* skips_;
  const parquet::ReaderProperties* properties_;
};

// A Parquet file whose row groups skip the pages planned with `set_skips`.
class SkippingFile : public parquet::ParquetFileReader::Contents {
 public:
  SkippingFile(std::unique_ptr<parquet::ParquetFileReader::Contents> file,
               parquet::ReaderProperties properties)
      : file_(std::move(file)), properties_(std::move(properties)) {}

  void set_skips(FileSkips skips) { skips_ = std::move(skips); }

  void Close() override { file_->Close(); }
  std::shared_ptr<parquet::RowGroupReader> GetRowGroup(int i) override {
    auto row_group = file_->GetRowGroup(i);
    auto skips = skips_.find(i);
    if (skips == skips_.end()) return row_group;
    return std::make_shared<parquet::RowGroupReader>(std::make_unique<SkippingRowGroup>(
        std::move(row_group), &skips->second, &properties_));
  }
  std::shared_ptr<parquet::FileMetaData> metadata() const override {
    return file_->metadata();
  }
  std::shared_ptr<parquet::PageIndexReader> GetPageIndexReader() override {
    return file_->GetPageIndexReader();
  }
  parquet::BloomFilterReader& GetBloomFilterReader() override {
    return file_->GetBloomFilterReader();
  }

 private:
  std::unique_ptr<parquet::ParquetFileReader::Contents> file_;
  parquet::ReaderProperties properties_;
  FileSkips skips_;
};

// A stored column the filter reads, with its type in the scan's schema.
struct FilterColumn {
  int leaf;
  std::shared_ptr<arrow::Field> field;
};

// What a column's statistics (of a column chunk or a page) say of its values: each row
// satisfies one of the alternatives (a range, or being NULL). Empty: nothing is known.
using Alternatives = std::vector<cp::Expression>;

// The scan's filter, and the bytes of the statistics values its facts were made from:
// a binary min or max is read in place, so it must outlive every judgement.
struct Judge {
  const arrow::dataset::ScanOptions& options;
  std::deque<std::string> bytes;
};

Alternatives AlternativesOf(Judge& judge, const arrow::Field& field,
                            const parquet::Statistics& statistics,
                            const parquet::ColumnDescriptor* column) {
  const bool counted = statistics.HasNullCount();
  if (counted && statistics.num_values() == 0)
    return {cp::is_null(cp::field_ref(field.name()))};
  if (!statistics.HasMinMax()) return {};
  const std::string& min = judge.bytes.emplace_back(statistics.EncodeMin());
  const std::string& max = judge.bytes.emplace_back(statistics.EncodeMax());
  // The range alone: Arrow's form with NULLs (an OR) is one a guarantee cannot use.
  auto values = parquet::Statistics::Make(
      column, min, max, std::max<int64_t>(1, statistics.num_values()), /*null_count=*/0,
      /*distinct_count=*/0, /*has_min_max=*/true, /*has_null_count=*/true,
      /*has_distinct_count=*/false);
  auto range =
      arrow::dataset::ParquetFileFragment::EvaluateStatisticsAsExpression(field, *values);
  if (!range) return {};
  if (counted && statistics.null_count() == 0) return {*range};
  return {*range, cp::is_null(cp::field_ref(field.name()))};
}

// Whether rows of which, for each column, one of its alternatives holds may pass
// `filter`: each combination of alternatives is tried, up to a bound past which the
// remaining columns are taken as unknown.
arrow::Result<bool> MayPass(const Judge& judge,
                            const std::vector<Alternatives>& columns) {
  constexpr size_t kMaxCombinations = 16;
  std::vector<const Alternatives*> used;
  size_t combinations = 1;
  for (const auto& alternatives : columns) {
    if (alternatives.empty() || combinations * alternatives.size() > kMaxCombinations)
      continue;
    combinations *= alternatives.size();
    used.push_back(&alternatives);
  }
  if (used.empty()) return true;
  for (size_t combination = 0; combination < combinations; ++combination) {
    std::vector<cp::Expression> facts;
    size_t rest = combination;
    for (const auto* alternatives : used) {
      facts.push_back((*alternatives)[rest % alternatives->size()]);
      rest /= alternatives->size();
    }
    ARROW_ASSIGN_OR_RAISE(auto guarantee,
                          cp::and_(facts).Bind(*judge.options.dataset_schema));
    ARROW_ASSIGN_OR_RAISE(auto remaining,
                          cp::SimplifyWithGuarantee(judge.options.filter, guarantee));
    if (remaining.IsSatisfiable()) return true;
  }
  return false;
}

// The row groups whose column chunk statistics do not rule the filter out.
arrow::Result<std::vector<int>> KeptRowGroups(Judge& judge,
                                              const parquet::FileMetaData& metadata,
                                              const std::vector<FilterColumn>& columns) {
  std::vector<int> kept;
  for (int i = 0; i < metadata.num_row_groups(); ++i) {
    auto row_group = metadata.RowGroup(i);
    std::vector<Alternatives> facts;
    for (const auto& column : columns) {
      auto chunk = row_group->ColumnChunk(column.leaf);
      if (!chunk->is_stats_set()) continue;
      facts.push_back(AlternativesOf(judge, *column.field, *chunk->statistics(),
                                     metadata.schema()->Column(column.leaf)));
    }
    ARROW_ASSIGN_OR_RAISE(bool may_pass, MayPass(judge, facts));
    if (may_pass) kept.push_back(i);
  }
  return kept;
}

// The statistics of page `page` (of `rows` rows) of a flat column, from its column index.
std::shared_ptr<parquet::Statistics> PageStatistics(
    const parquet::ColumnIndex& index, size_t page, int64_t rows,
    const parquet::ColumnDescriptor* column) {
  const bool all_null = index.null_pages()[page];
  const bool counted = index.has_null_counts();
  const int64_t nulls = counted ? index.null_counts()[page] : 0;
  const std::string none;
  return parquet::Statistics::Make(
      column, all_null ? none : index.encoded_min_values()[page],
      all_null ? none : index.encoded_max_values()[page], rows - nulls, nulls,
      /*distinct_count=*/0, /*has_min_max=*/!all_null, /*has_null_count=*/counted,
      /*has_distinct_count=*/false);
}

// The index of the unit (run between common starts) holding row `row`.
size_t UnitOf(const std::vector<int64_t>& units, int64_t row) {
  return static_cast<size_t>(std::upper_bound(units.begin(), units.end(), row) -
                             units.begin()) -
         1;
}

// Where each of `leaves`' pages starts (the offset index); empty if a column has none or
// its starts are not a valid partition of the row group's `rows` (a damaged file).
std::map<int, std::vector<int64_t>> PageStarts(parquet::RowGroupPageIndexReader& index,
                                               const std::set<int>& leaves,
                                               int64_t rows) {
  std::map<int, std::vector<int64_t>> starts;
  for (int leaf : leaves) {
    auto offsets = index.GetOffsetIndex(leaf);
    if (!offsets) return {};
    auto& column = starts[leaf];
    for (const auto& page : offsets->page_locations()) {
      const int64_t start = page.first_row_index;
      const int64_t after = column.empty() ? -1 : column.back();
      if (start <= after || start >= rows || (column.empty() && start != 0)) return {};
      column.push_back(start);
    }
    if (column.empty()) return {};
  }
  return starts;
}

// The starts every column shares: the units a page can be skipped in.
std::vector<int64_t> CommonStarts(const std::map<int, std::vector<int64_t>>& starts) {
  std::vector<int64_t> units = starts.begin()->second;
  for (const auto& [leaf, column_starts] : starts) {
    std::vector<int64_t> common;
    std::set_intersection(units.begin(), units.end(), column_starts.begin(),
                          column_starts.end(), std::back_inserter(common));
    units = std::move(common);
  }
  return units;
}

// What a filtered column's pages say about each unit: each row of a unit is in one of
// the column's pages there, so satisfies one of their alternatives. A unit holding a
// page the column index says nothing of gets no facts (empty).
std::vector<Alternatives> UnitFacts(Judge& judge, const parquet::ColumnIndex& values,
                                    const FilterColumn& column,
                                    const parquet::ColumnDescriptor* descriptor,
                                    const std::vector<int64_t>& column_starts,
                                    const std::vector<int64_t>& units, int64_t rows) {
  std::vector<Alternatives> by_unit(units.size());
  const size_t pages = column_starts.size();
  if (values.null_pages().size() != pages ||
      values.encoded_min_values().size() != pages ||
      values.encoded_max_values().size() != pages ||
      (values.has_null_counts() && values.null_counts().size() != pages)) {
    return by_unit;  // a damaged index says nothing
  }
  std::vector<bool> known(units.size(), true);
  for (size_t page = 0; page < pages; ++page) {
    const size_t unit = UnitOf(units, column_starts[page]);
    const int64_t end = page + 1 < pages ? column_starts[page + 1] : rows;
    auto statistics = PageStatistics(values, page, end - column_starts[page], descriptor);
    auto alternatives = AlternativesOf(judge, *column.field, *statistics, descriptor);
    if (alternatives.empty()) known[unit] = false;  // this page could hold anything
    by_unit[unit].insert(by_unit[unit].end(), alternatives.begin(), alternatives.end());
  }
  for (size_t unit = 0; unit < units.size(); ++unit) {
    if (!known[unit]) by_unit[unit].clear();
  }
  return by_unit;
}

// Which pages of the `read` columns of one row group to skip; empty if none.
arrow::Result<std::map<int, PageSkips>> PlanPages(
    parquet::RowGroupPageIndexReader& index, const parquet::RowGroupMetaData& row_group,
    const parquet::SchemaDescriptor& schema, const std::vector<int>& read,
    const std::vector<FilterColumn>& filtered, Judge& judge) {
  std::set<int> leaves(read.begin(), read.end());
  for (const auto& column : filtered) leaves.insert(column.leaf);
  const int64_t rows = row_group.num_rows();
  auto starts = PageStarts(index, leaves, rows);
  if (starts.empty()) return std::map<int, PageSkips>{};
  const auto units = CommonStarts(starts);
  std::vector<std::vector<Alternatives>> facts(units.size());
  for (const auto& column : filtered) {
    auto values = index.GetColumnIndex(column.leaf);
    if (!values || !row_group.ColumnChunk(column.leaf)->is_stats_set()) continue;
    auto by_unit = UnitFacts(judge, *values, column, schema.Column(column.leaf),
                             starts[column.leaf], units, rows);
    for (size_t unit = 0; unit < units.size(); ++unit)
      facts[unit].push_back(std::move(by_unit[unit]));
  }
  std::vector<bool> skipped(units.size());
  bool any = false;
  for (size_t unit = 0; unit < units.size(); ++unit) {
    ARROW_ASSIGN_OR_RAISE(bool may_pass, MayPass(judge, facts[unit]));
    skipped[unit] = !may_pass;
    any = any || !may_pass;
  }
  std::map<int, PageSkips> skips;
  if (!any) return skips;
  for (int leaf : read) {
    for (int64_t start : starts[leaf])
      skips[leaf].push_back(skipped[UnitOf(units, start)]);
  }
  return skips;
}

// The leaf columns under `field`, in order; false if any is nested in a repeated field.
bool CollectLeaves(const parquet::arrow::SchemaField& field,
                   const parquet::SchemaDescriptor& schema, std::vector<int>* leaves) {
  if (field.is_leaf()) {
    leaves->push_back(field.column_index);
    return schema.Column(field.column_index)->max_repetition_level() == 0;
  }
  bool flat = true;
  for (const auto& child : field.children)
    flat = CollectLeaves(child, schema, leaves) && flat;
  return flat;
}

// Whether every data page of leaf `column` in every row group is dictionary encoded,
// so that reading its indices never has to build a dictionary.
bool FullyDictionaryEncoded(const parquet::FileMetaData& metadata, int column) {
  for (int g = 0; g < metadata.num_row_groups(); ++g) {
    if (!OnlyDictionaryPages(*metadata.RowGroup(g)->ColumnChunk(column))) return false;
  }
  return true;
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> DecodeDictionaries(
    std::shared_ptr<arrow::RecordBatch> batch, const std::vector<std::string>& names,
    arrow::MemoryPool* pool) {
  for (const auto& name : names) {
    const int i = batch->schema()->GetFieldIndex(name);
    if (i < 0) continue;
    auto column = batch->column(i);
    if (column->type_id() != arrow::Type::DICTIONARY) continue;
    const auto& type = static_cast<const arrow::DictionaryType&>(*column->type());
    ARROW_ASSIGN_OR_RAISE(auto dense, DecodeDictionary(*column, pool));
    ARROW_ASSIGN_OR_RAISE(
        batch, batch->SetColumn(i, batch->schema()->field(i)->WithType(type.value_type()),
                                dense));
  }
  return batch;
}

// The index of the top-level field named `name`; -1 if none or several.
int FieldIndex(const parquet::arrow::SchemaManifest& manifest, const std::string& name) {
  int found = -1;
  for (size_t i = 0; i < manifest.schema_fields.size(); ++i) {
    if (manifest.schema_fields[i].field->name() != name) continue;
    if (found >= 0) return -1;
    found = static_cast<int>(i);
  }
  return found;
}

// The leaf columns a filter reads (flat, stored ones only).
std::vector<FilterColumn> FilterColumns(const parquet::arrow::SchemaManifest& manifest,
                                        const arrow::dataset::ScanOptions& options) {
  std::vector<FilterColumn> columns;
  for (const auto& ref : cp::FieldsInExpression(options.filter)) {
    if (!ref.name()) continue;
    const int index = FieldIndex(manifest, *ref.name());
    auto field = options.dataset_schema->GetFieldByName(*ref.name());
    if (index < 0 || !field) continue;
    const auto& schema_field = manifest.schema_fields[index];
    if (schema_field.is_leaf()) columns.push_back({schema_field.column_index, field});
  }
  return columns;
}

// Plans the skipped pages of `row_groups`; none where the page index cannot be read.
// Judging a page costs about as much as decoding a thousand values, so planning stops
// once it has twice found nothing to skip in a row group: the file's rows are then taken
// as not ordered by the filtered columns (TPC-H's are not), and read row group by row
// group.
FileSkips PlanFile(Judge& judge, parquet::ParquetFileReader& file,
                   const std::vector<int>& row_groups, const std::vector<int>& read,
                   const std::vector<FilterColumn>& filtered) {
  FileSkips skips;
  try {
    auto index = file.GetPageIndexReader();
    if (!index) return skips;
    constexpr int kFruitlessRowGroups = 2;
    int fruitless = 0;
    for (int i : row_groups) {
      if (fruitless == kFruitlessRowGroups) break;
      auto row_group_index = index->RowGroup(i);
      if (!row_group_index) continue;
      auto planned = PlanPages(*row_group_index, *file.metadata()->RowGroup(i),
                               *file.metadata()->schema(), read, filtered, judge);
      if (planned.ok() && !planned->empty()) {
        skips[i] = std::move(*planned);
      } else {
        ++fruitless;
      }
    }
  } catch (const parquet::ParquetException&) {
    return {};  // an unreadable page index prunes nothing; the data is still read
  }
  return skips;
}

}  // namespace

arrow::Result<arrow::AsyncGenerator<std::shared_ptr<arrow::RecordBatch>>> ScanParquetFile(
    const std::string& path, const arrow::dataset::ScanOptions& options,
    std::shared_ptr<std::atomic<int64_t>> rows_read) {
  ARROW_ASSIGN_OR_RAISE(auto input, arrow::io::ReadableFile::Open(path));
  const auto properties = parquet::default_reader_properties();
  std::unique_ptr<parquet::ParquetFileReader::Contents> contents;
  PARQUET_CATCH_NOT_OK(contents =
                           parquet::ParquetFileReader::Contents::Open(input, properties));
  const auto metadata = contents->metadata();
  const auto& descriptor = *metadata->schema();

  parquet::ArrowReaderProperties arrow_properties;
  arrow_properties.set_batch_size(options.batch_size);
  arrow_properties.set_use_threads(options.use_threads);
  arrow_properties.set_pre_buffer(false);
  parquet::arrow::SchemaManifest manifest;
  ARROW_RETURN_NOT_OK(parquet::arrow::SchemaManifest::Make(
      &descriptor, metadata->key_value_metadata(), arrow_properties, &manifest));
  std::vector<int> read;
  std::vector<std::string> decoded;
  bool flat = true;
  for (const auto& field : options.projected_schema->fields()) {
    const int index = FieldIndex(manifest, field->name());
    if (index < 0) continue;  // not stored: the caller fills it in
    const size_t first = read.size();
    flat = CollectLeaves(manifest.schema_fields[index], descriptor, &read) && flat;
    if (field->type()->id() != arrow::Type::DICTIONARY) {
      if (manifest.schema_fields[index].is_leaf() &&
          arrow::is_base_binary_like(field->type()->id()) &&
          FullyDictionaryEncoded(*metadata, read[first])) {
        arrow_properties.set_read_dictionary(read[first], true);
        decoded.push_back(field->name());
      }
      continue;
    }
    for (size_t i = first; i < read.size(); ++i)
      arrow_properties.set_read_dictionary(read[i], true);
  }
  const auto filtered = FilterColumns(manifest, options);
  Judge judge{options, {}};
  std::vector<int> row_groups(metadata->num_row_groups());
  std::iota(row_groups.begin(), row_groups.end(), 0);
  if (!filtered.empty()) {
    ARROW_ASSIGN_OR_RAISE(row_groups, KeptRowGroups(judge, *metadata, filtered));
  }

  auto skipping = std::make_unique<SkippingFile>(std::move(contents), properties);
  SkippingFile* planned = skipping.get();
  auto file = std::make_unique<parquet::ParquetFileReader>();
  file->Open(std::move(skipping));
  if (flat && !read.empty() && !filtered.empty()) {
    planned->set_skips(PlanFile(judge, *file, row_groups, read, filtered));
  }
  ARROW_ASSIGN_OR_RAISE(
      std::shared_ptr<parquet::arrow::FileReader> reader,
      parquet::arrow::FileReader::Make(options.pool, std::move(file), arrow_properties));
  ARROW_ASSIGN_OR_RAISE(auto batches,
                        reader->GetRecordBatchGenerator(
                            reader, row_groups, read,
                            options.cpu_executor ? options.cpu_executor
                                                 : arrow::internal::GetCpuThreadPool(),
                            int64_t{options.batch_readahead} * options.batch_size));
  std::shared_ptr<const DictionaryPrefilter> prefilter =
      DictionaryPrefilter::Make(options.filter, *options.dataset_schema, decoded);
  batches = arrow::MakeMappedGenerator(
      std::move(batches),
      [decoded, prefilter, rows_read,
       pool = options.pool](const std::shared_ptr<arrow::RecordBatch>& batch)
          -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
        if (rows_read) *rows_read += batch->num_rows();
        auto kept = batch;
        if (prefilter) {
          ARROW_ASSIGN_OR_RAISE(kept, prefilter->Apply(batch, pool));
        }
        return DecodeDictionaries(std::move(kept), decoded, pool);
      });
  if (options.batch_readahead == 0) return batches;
  return arrow::MakeSerialReadaheadGenerator(std::move(batches), options.batch_readahead);
}

}  // namespace sluice::catalog
