#include "exec/filter_node.h"

#include <cstring>

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/map_node.h>
#include <arrow/acero/options.h>
#include <arrow/acero/query_context.h>
#include <arrow/acero/util.h>
#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

namespace sluice::exec {

namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

// The rows of a selection bitmap (offset 0) gathered from values of `kWidth` bytes:
// whole bytes of the bitmap at once where all or none of their rows are selected, else
// row by row without branches (each row is written, the position advances if selected;
// `out` has room for one row more than is selected).
template <int kWidth>
void Gather(const uint8_t* selection, int64_t length, const uint8_t* in, uint8_t* out) {
  int64_t n = 0;
  for (int64_t base = 0; base < length; base += 8) {
    const uint8_t bits = selection[base / 8];
    const int64_t rows = std::min<int64_t>(8, length - base);
    if (bits == 0) continue;
    if (bits == 0xFF && rows == 8) {
      std::memcpy(out + n * kWidth, in + base * kWidth, 8 * kWidth);
      n += 8;
      continue;
    }
    for (int64_t j = 0; j < rows; ++j) {
      std::memcpy(out + n * kWidth, in + (base + j) * kWidth, kWidth);
      n += (bits >> j) & 1;
    }
  }
}

// The validity bits of the selected rows.
void GatherBits(const uint8_t* selection, int64_t length, const uint8_t* in,
                int64_t in_offset, uint8_t* out) {
  int64_t n = 0;
  for (int64_t i = 0; i < length; ++i) {
    if (!arrow::bit_util::GetBit(selection, i)) continue;
    arrow::bit_util::SetBitTo(out, n++, arrow::bit_util::GetBit(in, in_offset + i));
  }
}

// The byte width our gather handles for `type`; 0 to leave the column to Arrow.
int GatherWidth(const arrow::DataType& type) {
  if (type.id() == arrow::Type::DICTIONARY || type.id() == arrow::Type::EXTENSION ||
      type.id() == arrow::Type::BOOL || !arrow::is_fixed_width(type.id())) {
    return 0;
  }
  const int bits = type.bit_width();
  const int width = bits / 8;
  const bool supported =
      width == 1 || width == 2 || width == 4 || width == 8 || width == 16;
  return bits % 8 == 0 && supported ? width : 0;
}

// Validity of the selected rows of `values`, if it has NULLs: the bitmap and the count.
arrow::Status SelectedValidity(const arrow::ArrayData& values, const uint8_t* selection,
                               int64_t selected, arrow::MemoryPool* pool,
                               std::shared_ptr<arrow::Buffer>* validity,
                               int64_t* null_count) {
  *null_count = 0;
  if (!values.MayHaveNulls()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(*validity, arrow::AllocateEmptyBitmap(selected, pool));
  GatherBits(selection, values.length, values.buffers[0]->data(), values.offset,
             (*validity)->mutable_data());
  *null_count =
      selected - arrow::internal::CountSetBits((*validity)->data(), 0, selected);
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::ArrayData>> FilterFixedWidth(
    const arrow::ArrayData& values, int width, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool) {
  ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer((selected + 1) * width, pool));
  const uint8_t* in = values.buffers[1]->data() + values.offset * width;
  uint8_t* out = data->mutable_data();
  switch (width) {
    case 1:
      Gather<1>(selection, values.length, in, out);
      break;
    case 2:
      Gather<2>(selection, values.length, in, out);
      break;
    case 4:
      Gather<4>(selection, values.length, in, out);
      break;
    case 8:
      Gather<8>(selection, values.length, in, out);
      break;
    default:
      Gather<16>(selection, values.length, in, out);
      break;
  }
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  ARROW_RETURN_NOT_OK(
      SelectedValidity(values, selection, selected, pool, &validity, &null_count));
  return arrow::ArrayData::Make(values.type, selected,
                                {std::move(validity), std::move(data)}, null_count);
}

// The selected rows of a string or binary column (32-bit offsets): their offsets first,
// then their bytes, a whole byte of the selection's rows at once where all are selected.
arrow::Result<std::shared_ptr<arrow::ArrayData>> FilterStrings(
    const arrow::ArrayData& values, const uint8_t* selection, int64_t selected,
    arrow::MemoryPool* pool) {
  const int32_t* offsets = values.GetValues<int32_t>(1);
  const uint8_t* bytes = values.buffers[2] ? values.buffers[2]->data() : nullptr;
  ARROW_ASSIGN_OR_RAISE(auto out_offsets,
                        arrow::AllocateBuffer((selected + 1) * sizeof(int32_t), pool));
  auto* out = reinterpret_cast<int32_t*>(out_offsets->mutable_data());
  int64_t n = 0;
  out[0] = 0;
  for (int64_t i = 0; i < values.length; ++i) {
    if (!arrow::bit_util::GetBit(selection, i)) continue;
    out[n + 1] = out[n] + (offsets[i + 1] - offsets[i]);
    ++n;
  }
  ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(out[selected], pool));
  uint8_t* to = data->mutable_data();
  for (int64_t base = 0; base < values.length; base += 8) {
    const uint8_t bits = selection[base / 8];
    const int64_t rows = std::min<int64_t>(8, values.length - base);
    if (bits == 0) continue;
    if (bits == 0xFF && rows == 8) {
      const int32_t size = offsets[base + 8] - offsets[base];
      if (size > 0) std::memcpy(to, bytes + offsets[base], static_cast<size_t>(size));
      to += size;
      continue;
    }
    for (int64_t j = 0; j < rows; ++j) {
      if (!((bits >> j) & 1)) continue;
      const int32_t size = offsets[base + j + 1] - offsets[base + j];
      if (size > 0) std::memcpy(to, bytes + offsets[base + j], static_cast<size_t>(size));
      to += size;
    }
  }
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  ARROW_RETURN_NOT_OK(
      SelectedValidity(values, selection, selected, pool, &validity, &null_count));
  return arrow::ArrayData::Make(
      values.type, selected,
      {std::move(validity), std::move(out_offsets), std::move(data)}, null_count);
}

class FilterNode : public ac::MapNode {
 public:
  FilterNode(ac::ExecPlan* plan, std::vector<ac::ExecNode*> inputs,
             std::shared_ptr<arrow::Schema> schema, cp::Expression filter)
      : MapNode(plan, std::move(inputs), std::move(schema)), filter_(std::move(filter)) {}

  static arrow::Result<ac::ExecNode*> Make(ac::ExecPlan* plan,
                                           std::vector<ac::ExecNode*> inputs,
                                           const ac::ExecNodeOptions& options) {
    RETURN_NOT_OK(ac::ValidateExecNodeInputs(plan, inputs, 1, kFilterNode));
    auto schema = inputs[0]->output_schema();
    const auto& filter_options = static_cast<const ac::FilterNodeOptions&>(options);
    ARROW_ASSIGN_OR_RAISE(auto filter, filter_options.filter_expression.Bind(*schema));
    if (filter.type()->id() != arrow::Type::BOOL) {
      return arrow::Status::TypeError("filter expression must be boolean, got ",
                                      filter.type()->ToString());
    }
    return plan->EmplaceNode<FilterNode>(plan, std::move(inputs), std::move(schema),
                                         std::move(filter));
  }

  const char* kind_name() const override { return "SluiceFilterNode"; }

 protected:
  arrow::Result<cp::ExecBatch> ProcessBatch(cp::ExecBatch batch) override {
    ARROW_ASSIGN_OR_RAISE(auto filter,
                          cp::SimplifyWithGuarantee(filter_, batch.guarantee));
    auto* context = plan()->query_context()->exec_context();
    ARROW_ASSIGN_OR_RAISE(auto mask, cp::ExecuteScalarExpression(filter, batch, context));
    if (mask.is_scalar()) {
      const auto& keep = mask.scalar_as<arrow::BooleanScalar>();
      return keep.is_valid && keep.value ? batch : batch.Slice(0, 0);
    }
    ARROW_ASSIGN_OR_RAISE(auto selection,
                          Selection(*mask.array(), context->memory_pool()));
    const int64_t selected =
        arrow::internal::CountSetBits(selection->data(), 0, batch.length);
    if (selected == batch.length) return batch;
    std::shared_ptr<arrow::ArrayData> as_mask;  // for Arrow's kernel, made once if needed
    for (auto& value : batch.values) {
      if (value.is_scalar()) continue;
      const arrow::ArrayData& column = *value.array();
      if (column.type->id() == arrow::Type::DICTIONARY) {
        const auto& type = static_cast<const arrow::DictionaryType&>(*column.type);
        if (const int width = GatherWidth(*type.index_type())) {
          // The indices' selected rows, the dictionary as it is.
          ARROW_ASSIGN_OR_RAISE(
              auto indices, FilterFixedWidth(column, width, selection->data(), selected,
                                             context->memory_pool()));
          indices->dictionary = column.dictionary;
          value = std::move(indices);
          continue;
        }
      }
      if (const int width = GatherWidth(*column.type)) {
        ARROW_ASSIGN_OR_RAISE(value, FilterFixedWidth(column, width, selection->data(),
                                                      selected, context->memory_pool()));
        continue;
      }
      if (column.type->id() == arrow::Type::STRING ||
          column.type->id() == arrow::Type::BINARY) {
        ARROW_ASSIGN_OR_RAISE(value, FilterStrings(column, selection->data(), selected,
                                                   context->memory_pool()));
        continue;
      }
      if (!as_mask) {
        as_mask = arrow::ArrayData::Make(arrow::boolean(), batch.length,
                                         {nullptr, selection}, 0);
      }
      ARROW_ASSIGN_OR_RAISE(value, cp::Filter(value, arrow::Datum(as_mask),
                                              cp::FilterOptions::Defaults(), context));
    }
    return cp::ExecBatch(std::move(batch.values), selected);
  }

 private:
  // The rows to keep (true, not NULL) as a bitmap starting at bit 0.
  static arrow::Result<std::shared_ptr<arrow::Buffer>> Selection(
      const arrow::ArrayData& mask, arrow::MemoryPool* pool) {
    const uint8_t* values = mask.buffers[1]->data();
    if (!mask.MayHaveNulls()) {
      return arrow::internal::CopyBitmap(pool, values, mask.offset, mask.length);
    }
    return arrow::internal::BitmapAnd(pool, values, mask.offset, mask.buffers[0]->data(),
                                      mask.offset, mask.length,
                                      /*out_offset=*/0);
  }

  cp::Expression filter_;
};

arrow::Status Register() {
  return ac::default_exec_factory_registry()->AddFactory(kFilterNode, FilterNode::Make);
}

}  // namespace

arrow::Status RegisterFilterNode() {
  static const arrow::Status status = Register();
  return status;
}

}  // namespace sluice::exec
