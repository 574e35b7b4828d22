#include "catalog/dictionary_prefilter.h"

#include <arrow/array/array_dict.h>
#include <arrow/array/concatenate.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_generate.h>
#include <arrow/util/bitmap_ops.h>

#include "common/conjuncts.h"

namespace sluice::catalog {

namespace cp = arrow::compute;

namespace {

// The verdict of `predicate` for each code of `dictionary` and, last, for NULL: 1 only
// where the predicate is true. Nullopt if it cannot be evaluated there.
std::optional<std::vector<uint8_t>> Verdicts(
    const cp::Expression& predicate, const std::shared_ptr<arrow::Array>& dictionary,
    arrow::MemoryPool* pool) {
  auto null = arrow::MakeArrayOfNull(dictionary->type(), 1, pool);
  if (!null.ok()) return std::nullopt;
  auto values = arrow::Concatenate({dictionary, *null}, pool);
  if (!values.ok()) return std::nullopt;
  cp::ExecContext context(pool);
  auto result = cp::ExecuteScalarExpression(
      predicate, cp::ExecBatch({*values}, (*values)->length()), &context);
  if (!result.ok()) return std::nullopt;
  std::vector<uint8_t> verdicts(static_cast<size_t>((*values)->length()));
  if (result->is_scalar()) {
    const auto& scalar = result->scalar_as<arrow::BooleanScalar>();
    verdicts.assign(verdicts.size(), scalar.is_valid && scalar.value ? 1 : 0);
    return verdicts;
  }
  const auto& mask = *result->array();
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const auto row = static_cast<int64_t>(i);
    verdicts[i] = mask.IsValid(row) &&
                  arrow::bit_util::GetBit(mask.buffers[1]->data(), mask.offset + row);
  }
  return verdicts;
}

// Writes into `judged` (a bitmap from bit 0) the verdict for each row's code. A code out
// of range is kept (decoding reports it).
template <typename Index>
void Judge(const arrow::ArrayData& indices, const std::vector<uint8_t>& verdicts,
           uint8_t* judged) {
  const auto* codes = indices.GetValues<Index>(1);
  const uint8_t* verdict = verdicts.data();
  const auto entries = static_cast<uint64_t>(verdicts.size() - 1);
  const uint8_t null_verdict = verdicts.back();
  int64_t i = 0;
  if (indices.MayHaveNulls()) {
    arrow::internal::GenerateBitsUnrolled(judged, 0, indices.length, [&] {
      const auto code = static_cast<uint64_t>(static_cast<int64_t>(codes[i]));
      const bool valid = indices.IsValid(i++);
      if (!valid) return null_verdict != 0;
      return code >= entries || verdict[code] != 0;
    });
    return;
  }
  arrow::internal::GenerateBitsUnrolled(judged, 0, indices.length, [&] {
    const auto code = static_cast<uint64_t>(static_cast<int64_t>(codes[i++]));
    return code >= entries || verdict[code] != 0;
  });
}

}  // namespace

std::unique_ptr<DictionaryPrefilter> DictionaryPrefilter::Make(
    const cp::Expression& filter, const arrow::Schema& schema,
    const std::vector<std::string>& columns) {
  const std::vector<cp::Expression> conjuncts = Conjuncts(filter);
  std::vector<Column> judged;
  for (const auto& name : columns) {
    auto field = schema.GetFieldByName(name);
    if (!field) continue;
    std::vector<cp::Expression> own;
    for (const auto& conjunct : conjuncts) {
      const auto refs = cp::FieldsInExpression(conjunct);
      if (refs.empty()) continue;
      bool only = true;
      for (const auto& ref : refs) only = only && ref.name() && *ref.name() == name;
      if (only) own.push_back(conjunct);
    }
    if (own.empty()) continue;
    auto bound = cp::and_(own).Bind(arrow::Schema({field}));
    if (bound.ok()) judged.push_back({name, std::move(*bound)});
  }
  if (judged.empty()) return nullptr;
  return std::unique_ptr<DictionaryPrefilter>(new DictionaryPrefilter(std::move(judged)));
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> DictionaryPrefilter::Apply(
    const std::shared_ptr<arrow::RecordBatch>& batch, arrow::MemoryPool* pool) const {
  const int64_t rows = batch->num_rows();
  ARROW_ASSIGN_OR_RAISE(auto keep, arrow::AllocateBitmap(rows, pool));
  arrow::bit_util::SetBitsTo(keep->mutable_data(), 0, rows, true);
  ARROW_ASSIGN_OR_RAISE(auto column_keep, arrow::AllocateBitmap(rows, pool));
  bool judged = false;
  for (const auto& column : columns_) {
    auto array = batch->GetColumnByName(column.name);
    if (!array || array->type_id() != arrow::Type::DICTIONARY) continue;
    const auto& dictionary_array = static_cast<const arrow::DictionaryArray&>(*array);
    // Judging a dictionary about as long as the batch saves nothing.
    if (dictionary_array.dictionary()->length() * 4 > rows) continue;
    auto verdicts = Verdicts(column.predicate, dictionary_array.dictionary(), pool);
    if (!verdicts) continue;
    const auto& indices = *dictionary_array.indices()->data();
    switch (indices.type->id()) {
      case arrow::Type::INT32:
        Judge<int32_t>(indices, *verdicts, column_keep->mutable_data());
        break;
      case arrow::Type::INT16:
        Judge<int16_t>(indices, *verdicts, column_keep->mutable_data());
        break;
      case arrow::Type::INT8:
        Judge<int8_t>(indices, *verdicts, column_keep->mutable_data());
        break;
      default:
        continue;
    }
    arrow::internal::BitmapAnd(keep->data(), 0, column_keep->data(), 0, rows, 0,
                               keep->mutable_data());
    judged = true;
  }
  if (!judged) return batch;
  const int64_t kept = arrow::internal::CountSetBits(keep->data(), 0, rows);
  if (kept == rows) return batch;
  auto mask = arrow::ArrayData::Make(arrow::boolean(), rows, {nullptr, keep}, 0);
  cp::ExecContext context(pool);
  ARROW_ASSIGN_OR_RAISE(
      auto filtered,
      cp::Filter(batch, arrow::Datum(mask), cp::FilterOptions::Defaults(), &context));
  return filtered.record_batch();
}

}  // namespace sluice::catalog
