#include "catalog/range_table.h"

#include <mutex>

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/compute/exec.h>
#include <arrow/type.h>
#include <arrow/util/future.h>
#include <arrow/util/thread_pool.h>

namespace sluice::catalog {

namespace {

// Generates the values [first, first + count * step) in batches, on demand.
class RangeGenerator {
 public:
  // Each batch carries the values `columns` times (zero times: only the row count).
  RangeGenerator(int64_t first, int64_t count, int64_t step, size_t columns,
                 std::shared_ptr<std::atomic<int64_t>> rows_scanned,
                 std::shared_ptr<CancellationSignal> cancellation)
      : next_(first),
        remaining_(count),
        step_(step),
        columns_(columns),
        rows_scanned_(std::move(rows_scanned)),
        cancellation_(std::move(cancellation)) {}

  arrow::Result<std::optional<arrow::compute::ExecBatch>> Next() {
    std::lock_guard<std::mutex> lock(mutex_);
    // A stopped query ends with an error (see FileBatchGenerator).
    if (cancellation_ && cancellation_->requested()) {
      return arrow::Status::Cancelled("query stopped");
    }
    if (remaining_ == 0) return std::nullopt;
    const int64_t n = std::min(remaining_, kSourceBatchRows);
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer,
                          arrow::AllocateBuffer(n * sizeof(int64_t)));
    auto* values = buffer->mutable_data_as<int64_t>();
    // Unsigned arithmetic: stepping past the last value must not overflow.
    uint64_t value = static_cast<uint64_t>(next_);
    for (int64_t i = 0; i < n; ++i, value += static_cast<uint64_t>(step_)) {
      values[i] = static_cast<int64_t>(value);
    }
    next_ = static_cast<int64_t>(value);
    remaining_ -= n;
    if (rows_scanned_) *rows_scanned_ += n;
    auto data = arrow::ArrayData::Make(arrow::int64(), n, {nullptr, std::move(buffer)},
                                       /*null_count=*/0);
    return arrow::compute::ExecBatch(
        std::vector<arrow::Datum>(columns_, arrow::Datum(data)), n);
  }

 private:
  std::mutex mutex_;
  int64_t next_;
  int64_t remaining_;
  const int64_t step_;
  const size_t columns_;
  std::shared_ptr<std::atomic<int64_t>> rows_scanned_;
  std::shared_ptr<CancellationSignal> cancellation_;
};

}  // namespace

arrow::Result<std::shared_ptr<RangeTable>> RangeTable::Make(int64_t start, int64_t stop,
                                                            int64_t step) {
  if (step == 0) return arrow::Status::Invalid("range() step must not be zero");
  int64_t length = 0;
  if ((step > 0 && start < stop) || (step < 0 && start > stop)) {
    // Computed in unsigned arithmetic: stop - start may overflow int64.
    const uint64_t span =
        step > 0 ? static_cast<uint64_t>(stop) - static_cast<uint64_t>(start)
                 : static_cast<uint64_t>(start) - static_cast<uint64_t>(stop);
    const uint64_t magnitude =
        step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
    length = static_cast<int64_t>((span + magnitude - 1) / magnitude);
  }
  return std::shared_ptr<RangeTable>(new RangeTable(start, stop, step, length));
}

RangeTable::RangeTable(int64_t start, int64_t stop, int64_t step, int64_t length)
    : start_(start), stop_(stop), step_(step), length_(length) {}

std::shared_ptr<arrow::Schema> RangeTable::schema() const {
  return arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false)});
}

std::string RangeTable::Describe() const {
  return "range(" + std::to_string(start_) + ", " + std::to_string(stop_) + ", " +
         std::to_string(step_) + ")";
}

int RangeTable::MaxPartitions() const {
  return static_cast<int>(std::clamp<int64_t>(length_ / kSourceBatchRows, 1, 1024));
}

arrow::Result<ScanStream> RangeTable::MakeScan(const ScanRequest& request) const {
  // range() has one column; a scan that needs none (count(*)) still needs the row count.
  arrow::FieldVector fields;
  for (const auto& name : request.columns) {
    if (name != "id")
      return arrow::Status::KeyError("range() has no column '", name, "'");
    fields.push_back(schema()->field(0));
  }
  const int64_t begin = static_cast<int64_t>(static_cast<__int128>(length_) *
                                             request.partition / request.num_partitions);
  const int64_t end = static_cast<int64_t>(
      static_cast<__int128>(length_) * (request.partition + 1) / request.num_partitions);
  auto generator = std::make_shared<RangeGenerator>(
      start_ + begin * step_, end - begin, step_, request.columns.size(),
      request.rows_scanned, request.cancellation);
  // Each batch is made by a task on the executor that also runs the plan's operators.
  // It is FIFO, so making the next batch waits behind processing the previous ones:
  // generation cannot run ahead of the plan and pile batches up in memory.
  arrow::internal::Executor* executor =
      request.executor ? request.executor : arrow::internal::GetCpuThreadPool();
  BatchGenerator batches = [generator, executor] {
    return arrow::DeferNotOk(executor->Submit([generator] { return generator->Next(); }));
  };
  return ScanStream{arrow::schema(std::move(fields)), {std::move(batches)}};
}

}  // namespace sluice::catalog
