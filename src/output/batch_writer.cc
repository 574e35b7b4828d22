#include "output/batch_writer.h"

#include <algorithm>
#include <cmath>

#include <arrow/array.h>
#include <arrow/compute/cast.h>
#include <arrow/csv/writer.h>
#include <arrow/ipc/writer.h>
#include <arrow/type.h>

namespace sluice::output {

namespace {

// Renders every cell of a column as text (NULL as nullopt), via Arrow's own casts.
// A column as text: strings as they are, other types cast to utf8 (vectorized), and what
// has no cast rendered value by value.
arrow::Result<std::shared_ptr<arrow::StringArray>> ColumnAsText(
    const arrow::Array& column) {
  if (column.type()->id() == arrow::Type::STRING) {
    return std::static_pointer_cast<arrow::StringArray>(arrow::MakeArray(column.data()));
  }
  auto cast = arrow::compute::Cast(column, arrow::utf8());
  if (cast.ok()) return std::static_pointer_cast<arrow::StringArray>(*cast);
  arrow::StringBuilder builder;
  for (int64_t i = 0; i < column.length(); ++i) {
    if (column.IsNull(i)) {
      ARROW_RETURN_NOT_OK(builder.AppendNull());
    } else {
      ARROW_ASSIGN_OR_RAISE(auto scalar, column.GetScalar(i));
      ARROW_RETURN_NOT_OK(builder.Append(scalar->ToString()));
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto built, builder.Finish());
  return std::static_pointer_cast<arrow::StringArray>(built);
}

arrow::Result<std::vector<std::optional<std::string>>> CellsAsText(
    const arrow::Array& column) {
  ARROW_ASSIGN_OR_RAISE(auto strings, ColumnAsText(column));
  std::vector<std::optional<std::string>> cells;
  cells.reserve(static_cast<size_t>(strings->length()));
  for (int64_t i = 0; i < strings->length(); ++i) {
    if (strings->IsNull(i)) {
      cells.emplace_back();
    } else {
      cells.emplace_back(std::string(strings->GetView(i)));
    }
  }
  return cells;
}

void AppendJsonString(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

class IpcBatchWriter : public BatchWriter {
 public:
  IpcBatchWriter(std::shared_ptr<arrow::io::OutputStream> sink,
                 std::shared_ptr<arrow::ipc::RecordBatchWriter> writer)
      : sink_(std::move(sink)), writer_(std::move(writer)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    ARROW_RETURN_NOT_OK(writer_->WriteRecordBatch(batch));
    return sink_->Flush();
  }
  arrow::Status Finish() override {
    ARROW_RETURN_NOT_OK(writer_->Close());
    return sink_->Flush();
  }

 private:
  std::shared_ptr<arrow::io::OutputStream> sink_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

class NdjsonWriter : public BatchWriter {
 public:
  explicit NdjsonWriter(std::shared_ptr<arrow::io::OutputStream> sink)
      : sink_(std::move(sink)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    std::string text;
    ARROW_RETURN_NOT_OK(AppendNdjson(batch, &text));
    ARROW_RETURN_NOT_OK(sink_->Write(text.data(), static_cast<int64_t>(text.size())));
    return sink_->Flush();
  }
  arrow::Status Finish() override { return sink_->Flush(); }

 private:
  std::shared_ptr<arrow::io::OutputStream> sink_;
};

// An aligned text table. Column widths come from the header and the first batch, so rows
// print as they arrive; later cells wider than their column are cut with "…".
class TableWriter : public BatchWriter {
 public:
  TableWriter(std::shared_ptr<arrow::io::OutputStream> sink,
              std::shared_ptr<arrow::Schema> schema)
      : sink_(std::move(sink)), schema_(std::move(schema)) {}

  arrow::Status Write(const arrow::RecordBatch& batch) override {
    std::vector<std::vector<std::optional<std::string>>> columns;
    for (int c = 0; c < batch.num_columns(); ++c) {
      ARROW_ASSIGN_OR_RAISE(auto cells, CellsAsText(*batch.column(c)));
      columns.push_back(std::move(cells));
    }
    std::string text;
    if (widths_.empty()) {
      for (int c = 0; c < schema_->num_fields(); ++c) {
        size_t width = schema_->field(c)->name().size();
        for (const auto& cell : columns[c])
          width = std::max(width, cell ? cell->size() : 4);
        widths_.push_back(std::min<size_t>(width, 100));
      }
      AppendHeader(&text);
    }
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < batch.num_columns(); ++c) {
        const auto& cell = columns[c][r];
        row.push_back(cell ? *cell : "NULL");
      }
      AppendRow(row, &text);
    }
    rows_ += batch.num_rows();
    ARROW_RETURN_NOT_OK(sink_->Write(text.data(), static_cast<int64_t>(text.size())));
    return sink_->Flush();
  }

  arrow::Status Finish() override {
    std::string text;
    if (widths_.empty()) {
      for (const auto& field : schema_->fields()) widths_.push_back(field->name().size());
      AppendHeader(&text);
    }
    text += "(" + std::to_string(rows_) + (rows_ == 1 ? " row)\n" : " rows)\n");
    ARROW_RETURN_NOT_OK(sink_->Write(text.data(), static_cast<int64_t>(text.size())));
    return sink_->Flush();
  }

 private:
  void AppendHeader(std::string* text) {
    std::vector<std::string> names;
    for (const auto& field : schema_->fields()) names.push_back(field->name());
    AppendRow(names, text);
    for (size_t c = 0; c < widths_.size(); ++c) {
      *text += (c ? "-+-" : "") + std::string(widths_[c], '-');
    }
    *text += "\n";
  }

  void AppendRow(const std::vector<std::string>& cells, std::string* text) {
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c];
      if (cell.size() > widths_[c]) cell = cell.substr(0, widths_[c] - 1) + "\u2026";
      const bool numeric =
          arrow::is_numeric(schema_->field(static_cast<int>(c))->type()->id());
      const std::string pad(widths_[c] > cell.size() ? widths_[c] - cell.size() : 0, ' ');
      *text += (c ? " | " : "") + (numeric ? pad + cell : cell + pad);
    }
    *text += "\n";
  }

  std::shared_ptr<arrow::io::OutputStream> sink_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<size_t> widths_;
  int64_t rows_ = 0;
};

}  // namespace

arrow::Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "ndjson" || name == "json") return OutputFormat::kNdjson;
  if (name == "arrow") return OutputFormat::kArrow;
  return arrow::Status::Invalid("unknown output format '", name,
                                "' (expected table, csv, ndjson or arrow)");
}

arrow::Status AppendNdjson(const arrow::RecordBatch& batch, std::string* out) {
  const auto& schema = *batch.schema();
  std::vector<std::shared_ptr<arrow::StringArray>> columns;
  std::vector<char> kinds;  // 'n' number, 'b' bool, 's' string
  for (int c = 0; c < batch.num_columns(); ++c) {
    ARROW_ASSIGN_OR_RAISE(auto text, ColumnAsText(*batch.column(c)));
    columns.push_back(std::move(text));
    const auto id = schema.field(c)->type()->id();
    kinds.push_back(
        arrow::is_integer(id) || arrow::is_floating(id) || arrow::is_decimal(id) ? 'n'
        : id == arrow::Type::BOOL                                                ? 'b'
                                                                                 : 's');
  }
  std::vector<std::string> keys;
  size_t row_bytes = 3;
  for (const auto& field : schema.fields()) {
    std::string key;
    AppendJsonString(field->name(), &key);
    keys.push_back(key + ":");
    row_bytes += keys.back().size() + 8;
  }
  out->reserve(out->size() + row_bytes * static_cast<size_t>(batch.num_rows()));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    out->push_back('{');
    for (int c = 0; c < batch.num_columns(); ++c) {
      if (c) out->push_back(',');
      *out += keys[c];
      const auto& column = *columns[c];
      if (column.IsNull(r)) {
        *out += "null";
        continue;
      }
      const std::string_view cell = column.GetView(r);
      if (kinds[c] == 'n') {
        const bool finite =
            cell.find_first_of("nN") == std::string_view::npos;  // nan, inf
        *out += finite ? cell : std::string_view("null");
      } else if (kinds[c] == 'b') {
        *out += cell;
      } else {
        AppendJsonString(cell, out);
      }
    }
    *out += "}\n";
  }
  return arrow::Status::OK();
}

arrow::Result<std::unique_ptr<BatchWriter>> MakeBatchWriter(
    OutputFormat format, std::shared_ptr<arrow::io::OutputStream> sink,
    std::shared_ptr<arrow::Schema> schema) {
  switch (format) {
    case OutputFormat::kArrow: {
      ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, schema));
      return std::make_unique<IpcBatchWriter>(sink, std::move(writer));
    }
    case OutputFormat::kCsv: {
      ARROW_ASSIGN_OR_RAISE(auto writer, arrow::csv::MakeCSVWriter(sink, schema));
      return std::make_unique<IpcBatchWriter>(sink, std::move(writer));
    }
    case OutputFormat::kNdjson:
      return std::make_unique<NdjsonWriter>(sink);
    case OutputFormat::kTable:
      return std::make_unique<TableWriter>(sink, schema);
  }
  return arrow::Status::Invalid("unknown output format");
}

}  // namespace sluice::output
