#include "catalog/epoch_marker.h"

#include <charconv>
#include <string>
#include <utility>

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>

namespace sluice::catalog {

namespace {

constexpr const char* kBeginKey = "sluice.epoch.begin";
constexpr const char* kEndKey = "sluice.epoch.end";

}  // namespace

std::shared_ptr<arrow::RecordBatch> EpochMarker::ToBatch() const {
  auto metadata = arrow::key_value_metadata({kind == Kind::kBegin ? kBeginKey : kEndKey},
                                            {std::to_string(epoch)});
  return arrow::RecordBatch::Make(arrow::schema({}, std::move(metadata)), 0,
                                  arrow::ArrayVector{});
}

std::optional<EpochMarker> EpochMarker::Of(const arrow::RecordBatch& batch) {
  const auto& metadata = batch.schema()->metadata();
  if (batch.num_columns() != 0 || !metadata) return std::nullopt;
  for (const auto& [key, kind] :
       {std::pair{kBeginKey, Kind::kBegin}, std::pair{kEndKey, Kind::kEnd}}) {
    const int index = metadata->FindKey(key);
    if (index < 0) continue;
    const std::string& text = metadata->value(index);
    int64_t epoch = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), epoch);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return EpochMarker{kind, epoch};
  }
  return std::nullopt;
}

}  // namespace sluice::catalog
