#include "delta/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <nlohmann/json.hpp>

#include "common/durable_file.h"
#include "delta/log_files.h"

namespace sluice::delta {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::string VersionPrefix(int64_t version) {
  char text[24];
  std::snprintf(text, sizeof(text), "%020lld", static_cast<long long>(version));
  return text;
}

std::shared_ptr<arrow::DataType> StringMap() {
  return arrow::map(arrow::utf8(), arrow::utf8());
}

std::shared_ptr<arrow::Schema> CheckpointSchema() {
  auto strings = arrow::list(arrow::field("element", arrow::utf8()));
  return arrow::schema({
      arrow::field("txn", arrow::struct_({arrow::field("appId", arrow::utf8()),
                                          arrow::field("version", arrow::int64()),
                                          arrow::field("lastUpdated", arrow::int64())})),
      arrow::field("add",
                   arrow::struct_({arrow::field("path", arrow::utf8()),
                                   arrow::field("partitionValues", StringMap()),
                                   arrow::field("size", arrow::int64()),
                                   arrow::field("modificationTime", arrow::int64()),
                                   arrow::field("dataChange", arrow::boolean()),
                                   arrow::field("stats", arrow::utf8())})),
      arrow::field("remove",
                   arrow::struct_({arrow::field("path", arrow::utf8()),
                                   arrow::field("deletionTimestamp", arrow::int64()),
                                   arrow::field("dataChange", arrow::boolean()),
                                   arrow::field("extendedFileMetadata", arrow::boolean()),
                                   arrow::field("partitionValues", StringMap()),
                                   arrow::field("size", arrow::int64())})),
      arrow::field(
          "metaData",
          arrow::struct_(
              {arrow::field("id", arrow::utf8()), arrow::field("name", arrow::utf8()),
               arrow::field("description", arrow::utf8()),
               arrow::field("format",
                            arrow::struct_({arrow::field("provider", arrow::utf8()),
                                            arrow::field("options", StringMap())})),
               arrow::field("schemaString", arrow::utf8()),
               arrow::field("partitionColumns", strings),
               arrow::field("configuration", StringMap()),
               arrow::field("createdTime", arrow::int64())})),
      arrow::field("protocol",
                   arrow::struct_({arrow::field("minReaderVersion", arrow::int32()),
                                   arrow::field("minWriterVersion", arrow::int32()),
                                   arrow::field("readerFeatures", strings),
                                   arrow::field("writerFeatures", strings)})),
  });
}

// Appends to the children of a struct builder by position; the struct's own validity
// is appended by the caller.
class StructFiller {
 public:
  explicit StructFiller(arrow::ArrayBuilder* builder)
      : builder_(static_cast<arrow::StructBuilder*>(builder)) {}

  arrow::StructBuilder* get() const { return builder_; }

  arrow::Status String(int i, const std::optional<std::string>& value) {
    auto* b = static_cast<arrow::StringBuilder*>(builder_->field_builder(i));
    return value ? b->Append(*value) : b->AppendNull();
  }
  arrow::Status Int64(int i, int64_t value) {
    return static_cast<arrow::Int64Builder*>(builder_->field_builder(i))->Append(value);
  }
  arrow::Status Int32(int i, int32_t value) {
    return static_cast<arrow::Int32Builder*>(builder_->field_builder(i))->Append(value);
  }
  arrow::Status Bool(int i, bool value) {
    return static_cast<arrow::BooleanBuilder*>(builder_->field_builder(i))->Append(value);
  }
  arrow::Status Map(int i, const PartitionValues& values) {
    return AppendMap(builder_->field_builder(i), values);
  }
  arrow::Status Strings(int i, const std::vector<std::string>& values) {
    auto* list = static_cast<arrow::ListBuilder*>(builder_->field_builder(i));
    ARROW_RETURN_NOT_OK(list->Append());
    auto* items = static_cast<arrow::StringBuilder*>(list->value_builder());
    for (const auto& value : values) ARROW_RETURN_NOT_OK(items->Append(value));
    return arrow::Status::OK();
  }

  static arrow::Status AppendMap(arrow::ArrayBuilder* builder,
                                 const PartitionValues& values) {
    auto* map = static_cast<arrow::MapBuilder*>(builder);
    ARROW_RETURN_NOT_OK(map->Append());
    auto* keys = static_cast<arrow::StringBuilder*>(map->key_builder());
    auto* items = static_cast<arrow::StringBuilder*>(map->item_builder());
    for (const auto& [key, value] : values) {
      ARROW_RETURN_NOT_OK(keys->Append(key));
      ARROW_RETURN_NOT_OK(value ? items->Append(*value) : items->AppendNull());
    }
    return arrow::Status::OK();
  }

 private:
  arrow::StructBuilder* builder_;
};

PartitionValues ToPartitionValues(const std::map<std::string, std::string>& values) {
  PartitionValues out;
  for (const auto& [key, value] : values) out[key] = value;
  return out;
}

// Typed access to the children of one struct column of a checkpoint, by name.
class StructReader {
 public:
  // `array` may be null: a column the checkpoint lacks, valid in no row.
  explicit StructReader(std::shared_ptr<arrow::Array> array)
      : array_(std::static_pointer_cast<arrow::StructArray>(std::move(array))) {}

  bool IsValid(int64_t row) const { return array_ && array_->IsValid(row); }

  std::optional<std::string> String(const char* name, int64_t row) const {
    auto child = array_->GetFieldByName(name);
    if (!child || child->IsNull(row)) return std::nullopt;
    if (child->type_id() == arrow::Type::STRING) {
      return static_cast<const arrow::StringArray&>(*child).GetString(row);
    }
    if (child->type_id() == arrow::Type::LARGE_STRING) {
      return static_cast<const arrow::LargeStringArray&>(*child).GetString(row);
    }
    return std::nullopt;
  }
  std::optional<int64_t> Integer(const char* name, int64_t row) const {
    auto child = array_->GetFieldByName(name);
    if (!child || child->IsNull(row)) return std::nullopt;
    switch (child->type_id()) {
      case arrow::Type::INT64:
        return static_cast<const arrow::Int64Array&>(*child).Value(row);
      case arrow::Type::INT32:
        return static_cast<const arrow::Int32Array&>(*child).Value(row);
      default:
        return std::nullopt;
    }
  }
  std::optional<bool> Bool(const char* name, int64_t row) const {
    auto child = array_->GetFieldByName(name);
    if (!child || child->IsNull(row) || child->type_id() != arrow::Type::BOOL)
      return std::nullopt;
    return static_cast<const arrow::BooleanArray&>(*child).Value(row);
  }
  bool IsPresent(const char* name, int64_t row) const {
    auto child = array_->GetFieldByName(name);
    return child && child->IsValid(row);
  }
  PartitionValues Map(const char* name, int64_t row) const {
    PartitionValues out;
    auto child = array_->GetFieldByName(name);
    if (!child || child->IsNull(row) || child->type_id() != arrow::Type::MAP) return out;
    const auto& map = static_cast<const arrow::MapArray&>(*child);
    const auto& keys = static_cast<const arrow::StringArray&>(*map.keys());
    const auto& items = static_cast<const arrow::StringArray&>(*map.items());
    for (int64_t i = map.value_offset(row); i < map.value_offset(row + 1); ++i) {
      out[keys.GetString(i)] =
          items.IsNull(i) ? std::nullopt : std::optional<std::string>(items.GetString(i));
    }
    return out;
  }
  std::vector<std::string> Strings(const char* name, int64_t row) const {
    std::vector<std::string> out;
    auto child = array_->GetFieldByName(name);
    if (!child || child->IsNull(row) || child->type_id() != arrow::Type::LIST) return out;
    const auto& list = static_cast<const arrow::ListArray&>(*child);
    const auto& values = static_cast<const arrow::StringArray&>(*list.values());
    for (int64_t i = list.value_offset(row); i < list.value_offset(row + 1); ++i) {
      out.push_back(values.GetString(i));
    }
    return out;
  }

 private:
  std::shared_ptr<arrow::StructArray> array_;
};

arrow::Status ReadActions(const arrow::Table& table, const std::string& file,
                          std::vector<Action>* out) {
  auto column = [&](const char* name) -> std::shared_ptr<arrow::ChunkedArray> {
    auto chunked = table.GetColumnByName(name);
    if (chunked && chunked->type()->id() != arrow::Type::STRUCT) return nullptr;
    return chunked;
  };
  auto txns = column("txn"), adds = column("add"), removes = column("remove"),
       metas = column("metaData"), protocols = column("protocol");
  auto chunk = [](const std::shared_ptr<arrow::ChunkedArray>& column, int c) {
    return StructReader(column ? column->chunk(c) : nullptr);
  };
  for (int c = 0; c < table.column(0)->num_chunks(); ++c) {
    const int64_t rows = table.column(0)->chunk(c)->length();
    const StructReader add = chunk(adds, c), remove = chunk(removes, c),
                       txn = chunk(txns, c), meta = chunk(metas, c),
                       protocol = chunk(protocols, c);
    for (int64_t row = 0; row < rows; ++row) {
      if (add.IsValid(row)) {
        if (add.IsPresent("deletionVector", row)) {
          return arrow::Status::NotImplemented(
              "file ", add.String("path", row).value_or(""), " has a deletion vector");
        }
        AddFile a;
        a.path = add.String("path", row).value_or("");
        a.partition_values = add.Map("partitionValues", row);
        a.size = add.Integer("size", row).value_or(0);
        a.modification_time = add.Integer("modificationTime", row).value_or(0);
        a.data_change = add.Bool("dataChange", row).value_or(false);
        a.stats = add.String("stats", row).value_or("");
        if (a.path.empty()) return arrow::Status::IOError(file, ": add without a path");
        out->emplace_back(std::move(a));
      } else if (remove.IsValid(row)) {
        RemoveFile r;
        r.path = remove.String("path", row).value_or("");
        r.deletion_timestamp = remove.Integer("deletionTimestamp", row).value_or(0);
        r.data_change = remove.Bool("dataChange", row).value_or(false);
        r.extended_file_metadata =
            remove.Bool("extendedFileMetadata", row).value_or(false);
        r.partition_values = remove.Map("partitionValues", row);
        r.size = remove.Integer("size", row).value_or(0);
        out->emplace_back(std::move(r));
      } else if (txn.IsValid(row)) {
        Txn t;
        t.app_id = txn.String("appId", row).value_or("");
        t.version = txn.Integer("version", row).value_or(0);
        t.last_updated = txn.Integer("lastUpdated", row).value_or(0);
        out->emplace_back(std::move(t));
      } else if (meta.IsValid(row)) {
        Metadata m;
        m.id = meta.String("id", row).value_or("");
        m.name = meta.String("name", row);
        m.description = meta.String("description", row);
        m.schema_string = meta.String("schemaString", row).value_or("");
        m.partition_columns = meta.Strings("partitionColumns", row);
        for (const auto& [key, value] : meta.Map("configuration", row)) {
          if (value) m.configuration[key] = *value;
        }
        m.created_time = meta.Integer("createdTime", row).value_or(0);
        if (m.schema_string.empty())
          return arrow::Status::IOError(file, ": metaData without a schema");
        out->emplace_back(std::move(m));
      } else if (protocol.IsValid(row)) {
        Protocol p;
        p.min_reader_version =
            static_cast<int>(protocol.Integer("minReaderVersion", row).value_or(1));
        p.min_writer_version =
            static_cast<int>(protocol.Integer("minWriterVersion", row).value_or(2));
        p.reader_features = protocol.Strings("readerFeatures", row);
        p.writer_features = protocol.Strings("writerFeatures", row);
        out->emplace_back(std::move(p));
      }
    }
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Table>> ReadParquet(const std::string& path) {
  auto opened = arrow::io::ReadableFile::Open(path);
  if (!opened.ok()) {
    return arrow::Status::IOError("cannot read checkpoint ", path, ": ",
                                  opened.status().message());
  }
  auto reader = parquet::arrow::OpenFile(*opened, arrow::default_memory_pool());
  if (!reader.ok()) {
    return arrow::Status::IOError("corrupt checkpoint ", path, ": ",
                                  reader.status().message());
  }
  auto table = (*reader)->ReadTable();
  if (!table.ok()) {
    return arrow::Status::IOError("corrupt checkpoint ", path, ": ",
                                  table.status().message());
  }
  return (*table)->CombineChunks();
}

// The files of version's checkpoint: one, or every part of a multi-part checkpoint;
// empty if it has none that is complete.
std::vector<std::string> CheckpointFiles(const std::string& root, int64_t version) {
  const std::string prefix = VersionPrefix(version) + ".checkpoint.";
  const fs::path single = LogDir(root) / (prefix + "parquet");
  std::error_code error;
  if (fs::exists(single, error)) return {single.string()};
  std::map<int, std::map<int, std::string>> by_parts;  // parts -> part -> path
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    int part = 0, parts = 0;
    char tail[16] = {};
    if (std::sscanf(name.c_str() + prefix.size(), "%10d.%10d.%8s", &part, &parts, tail) ==
            3 &&
        std::string(tail) == "parquet") {
      by_parts[parts][part] = entry.path().string();
    }
  }
  for (const auto& [parts, files] : by_parts) {
    if (static_cast<int>(files.size()) != parts) continue;
    std::vector<std::string> out;
    for (const auto& [part, path] : files) out.push_back(path);
    return out;
  }
  return {};
}

}  // namespace

arrow::Status WriteCheckpoint(const std::string& root, int64_t version,
                              const std::vector<Action>& actions) {
  auto schema = CheckpointSchema();
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  for (const auto& field : schema->fields()) {
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(field->type()));
    builders.push_back(std::move(builder));
  }
  StructFiller txn(builders[0].get()), add(builders[1].get()), remove(builders[2].get()),
      meta(builders[3].get()), protocol(builders[4].get());
  StructFiller* all[] = {&txn, &add, &remove, &meta, &protocol};
  for (const auto& action : actions) {
    StructFiller* used = nullptr;
    if (const auto* t = std::get_if<Txn>(&action)) {
      used = &txn;
      ARROW_RETURN_NOT_OK(txn.String(0, t->app_id));
      ARROW_RETURN_NOT_OK(txn.Int64(1, t->version));
      ARROW_RETURN_NOT_OK(txn.Int64(2, t->last_updated));
    } else if (const auto* a = std::get_if<AddFile>(&action)) {
      used = &add;
      ARROW_RETURN_NOT_OK(add.String(0, a->path));
      ARROW_RETURN_NOT_OK(add.Map(1, a->partition_values));
      ARROW_RETURN_NOT_OK(add.Int64(2, a->size));
      ARROW_RETURN_NOT_OK(add.Int64(3, a->modification_time));
      ARROW_RETURN_NOT_OK(add.Bool(4, false));  // a checkpoint's adds change no data
      ARROW_RETURN_NOT_OK(add.String(
          5, a->stats.empty() ? std::nullopt : std::optional<std::string>(a->stats)));
    } else if (const auto* r = std::get_if<RemoveFile>(&action)) {
      used = &remove;
      ARROW_RETURN_NOT_OK(remove.String(0, r->path));
      ARROW_RETURN_NOT_OK(remove.Int64(1, r->deletion_timestamp));
      ARROW_RETURN_NOT_OK(remove.Bool(2, false));
      ARROW_RETURN_NOT_OK(remove.Bool(3, r->extended_file_metadata));
      ARROW_RETURN_NOT_OK(remove.Map(4, r->partition_values));
      ARROW_RETURN_NOT_OK(remove.Int64(5, r->size));
    } else if (const auto* m = std::get_if<Metadata>(&action)) {
      used = &meta;
      ARROW_RETURN_NOT_OK(meta.String(0, m->id));
      ARROW_RETURN_NOT_OK(meta.String(1, m->name));
      ARROW_RETURN_NOT_OK(meta.String(2, m->description));
      StructFiller format(meta.get()->field_builder(3));
      ARROW_RETURN_NOT_OK(format.get()->Append());
      ARROW_RETURN_NOT_OK(format.String(0, std::string("parquet")));
      ARROW_RETURN_NOT_OK(format.Map(1, {}));
      ARROW_RETURN_NOT_OK(meta.String(4, m->schema_string));
      ARROW_RETURN_NOT_OK(meta.Strings(5, m->partition_columns));
      ARROW_RETURN_NOT_OK(meta.Map(6, ToPartitionValues(m->configuration)));
      ARROW_RETURN_NOT_OK(meta.Int64(7, m->created_time));
    } else if (const auto* p = std::get_if<Protocol>(&action)) {
      used = &protocol;
      ARROW_RETURN_NOT_OK(protocol.Int32(0, p->min_reader_version));
      ARROW_RETURN_NOT_OK(protocol.Int32(1, p->min_writer_version));
      auto* readers = static_cast<arrow::ListBuilder*>(protocol.get()->field_builder(2));
      auto* writers = static_cast<arrow::ListBuilder*>(protocol.get()->field_builder(3));
      ARROW_RETURN_NOT_OK(p->min_reader_version >= 3
                              ? protocol.Strings(2, p->reader_features)
                              : readers->AppendNull());
      ARROW_RETURN_NOT_OK(p->min_writer_version >= 7
                              ? protocol.Strings(3, p->writer_features)
                              : writers->AppendNull());
    } else {
      continue;  // commitInfo does not belong in a checkpoint
    }
    for (StructFiller* filler : all) {
      ARROW_RETURN_NOT_OK(filler == used ? filler->get()->Append()
                                         : filler->get()->AppendNull());
    }
  }
  arrow::ArrayVector columns;
  for (auto& builder : builders) {
    ARROW_ASSIGN_OR_RAISE(auto column, builder->Finish());
    columns.push_back(std::move(column));
  }
  auto table = arrow::Table::Make(schema, columns);
  const int64_t rows = table->num_rows();
  const fs::path target = LogDir(root) / (VersionPrefix(version) + ".checkpoint.parquet");
  ARROW_RETURN_NOT_OK(WriteFileAtomically(target.string(), [&](const std::string& temp) {
    ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(temp));
    auto properties = parquet::WriterProperties::Builder()
                          .compression(parquet::Compression::SNAPPY)
                          ->build();
    ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(),
                                                   out, 64 * 1024, properties));
    return out->Close();
  }));
  const auto last = LastCheckpointVersion(root);
  if (last && *last >= version) return arrow::Status::OK();
  const std::string pointer = Json{{"version", version}, {"size", rows}}.dump() + "\n";
  return WriteFileAtomically(
      (LogDir(root) / "_last_checkpoint").string(), [&](const std::string& temp) {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << pointer;
        out.close();
        if (!out) return arrow::Status::IOError("cannot write ", temp);
        return arrow::Status::OK();
      });
}

arrow::Result<std::vector<Action>> ReadCheckpoint(const std::string& root,
                                                  int64_t version) {
  const auto files = CheckpointFiles(root, version);
  if (files.empty()) {
    return arrow::Status::IOError("Delta table ", root, " has no checkpoint of version ",
                                  version, " in ", LogDir(root).string());
  }
  std::vector<Action> actions;
  for (const auto& file : files) {
    ARROW_ASSIGN_OR_RAISE(auto table, ReadParquet(file));
    if (table->num_columns() == 0) continue;
    ARROW_RETURN_NOT_OK(ReadActions(*table, file, &actions));
  }
  return actions;
}

std::optional<int64_t> LastCheckpointVersion(const std::string& root) {
  std::ifstream in(LogDir(root) / "_last_checkpoint");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  Json json = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("version") ||
      !json["version"].is_number_integer()) {
    return std::nullopt;
  }
  return json["version"].get<int64_t>();
}

bool HasCheckpoint(const std::string& root, int64_t version) {
  return !CheckpointFiles(root, version).empty();
}

std::vector<int64_t> ListCheckpoints(const std::string& root) {
  std::vector<int64_t> versions;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 31 && name.compare(20, 12, ".checkpoint.") == 0 &&
        name.find_first_not_of("0123456789") == 20) {
      const int64_t version = std::stoll(name.substr(0, 20));
      if (HasCheckpoint(root, version)) versions.push_back(version);
    }
  }
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  return versions;
}

int DeleteExpiredLogFiles(const std::string& root, int64_t checkpoint_version,
                          int64_t older_than_ms) {
  if (!HasCheckpoint(root, checkpoint_version)) return 0;
  const auto cutoff =
      std::chrono::file_clock::from_sys(std::chrono::sys_time<std::chrono::milliseconds>(
          std::chrono::milliseconds(older_than_ms)));
  int deleted = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(LogDir(root), error)) {
    const std::string name = entry.path().filename().string();
    // "<20 digits>.json", "<20 digits>.checkpoint...parquet", "<20 digits>.crc"
    if (name.size() < 25 || name.find_first_not_of("0123456789") != 20) continue;
    if (std::stoll(name.substr(0, 20)) >= checkpoint_version) continue;
    std::error_code stat_error;
    const auto mtime = fs::last_write_time(entry.path(), stat_error);
    if (stat_error || mtime >= cutoff) continue;
    if (fs::remove(entry.path(), stat_error)) ++deleted;
  }
  return deleted;
}

}  // namespace sluice::delta
