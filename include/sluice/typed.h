#pragma once

// Structs in, structs out: queries whose rows are mapped structs (see rows.h).
//
//   auto trades = sluice::Query<Trade>(*session, "SELECT * FROM trades WHERE sym = ?",
//   "ABC")
//                     .Collect();                                   // std::vector<Trade>
//   auto first = sluice::FromTable<Trade>(*session, "trades").First();
//   if (!first.ok() && sluice::IsNoRows(first.status())) { ... }
//   auto stream = sluice::Query<Trade>(*session, "SELECT * FROM trades").Stream();
//   for (const Trade& t : *stream) { ... }                          // batch by batch
//   if (!stream->status().ok()) { ... }                             // the query's error
//   sluice::Insert(*session, "trades", std::vector<Trade>{...});    // one commit
//
// Parameters (`?` or `$n`) are bound by value, never spliced into the SQL.

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/row_codec.h"
#include "sluice/session.h"

namespace sluice {

// The error First returns for an empty result; test for it with IsNoRows.
arrow::Status NoRowsError();
bool IsNoRows(const arrow::Status& status);

// A stream of T decoded batch by batch from a query's bounded stream: range-for over it.
// It holds one decoded batch; destroying it (or leaving the loop and dropping it) closes
// the query's stream, which cancels the query. A failure ends the iteration: check
// status() after the loop. Not thread-safe.
template <typename T>
class RowStream {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    iterator() = default;
    explicit iterator(RowStream* stream) : stream_(stream) { stream_->Advance(); }
    const T& operator*() const { return stream_->rows_[stream_->next_ - 1]; }
    const T* operator->() const { return &**this; }
    iterator& operator++() {
      stream_->Advance();
      return *this;
    }
    bool operator==(const iterator& other) const { return Done() == other.Done(); }
    bool operator!=(const iterator& other) const { return !(*this == other); }

   private:
    bool Done() const { return stream_ == nullptr || stream_->done_; }
    RowStream* stream_ = nullptr;
  };

  RowStream(std::shared_ptr<arrow::RecordBatchReader> reader, RowDecoder<T> decoder)
      : reader_(std::move(reader)), decoder_(std::move(decoder)) {}
  ~RowStream() { (void)reader_->Close(); }
  RowStream(const RowStream&) = delete;
  RowStream& operator=(const RowStream&) = delete;

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }
  // OK while rows come and after a clean end; the query's error otherwise.
  const arrow::Status& status() const { return status_; }

 private:
  // Moves to the next row, decoding the next block of rows (and reading the next batch)
  // when needed. A block at a time, so the structs are still in cache when used.
  void Advance() {
    constexpr int64_t kBlockRows = 4096;
    while (!done_ && next_ >= rows_.size()) {
      if (batch_ == nullptr || offset_ >= batch_->num_rows()) {
        std::shared_ptr<arrow::RecordBatch> batch;
        status_ = reader_->ReadNext(&batch);
        if (!status_.ok() || !batch) {
          done_ = true;
          (void)reader_->Close();
          return;
        }
        batch_ = std::move(batch);  // keeps string_view members valid
        offset_ = 0;
        continue;
      }
      const int64_t length = std::min(kBlockRows, batch_->num_rows() - offset_);
      status_ = decoder_.DecodeRange(*batch_, offset_, length, &rows_);
      offset_ += length;
      next_ = 0;
      if (!status_.ok()) {
        done_ = true;
        (void)reader_->Close();
        return;
      }
    }
    if (!done_) ++next_;
  }

  std::shared_ptr<arrow::RecordBatchReader> reader_;
  RowDecoder<T> decoder_;
  std::shared_ptr<arrow::RecordBatch> batch_;
  int64_t offset_ = 0;  // the next row of batch_ to decode
  std::vector<T> rows_;
  size_t next_ = 0;
  bool done_ = false;
  arrow::Status status_;
};

// A query whose rows are T. Errors (in the SQL, in the mapping) are kept and returned by
// every method, as DataFrame does. Cheap to copy.
template <typename T>
class TypedFrame {
 public:
  explicit TypedFrame(arrow::Result<DataFrame> frame) : frame_(std::move(frame)) {}

  // Every row; materialises the result.
  arrow::Result<std::vector<T>> Collect(ExecOptions options = {}) const {
    std::vector<T> rows;
    ARROW_RETURN_NOT_OK(ForEachBatch(
        [&](const std::vector<T>& batch) {
          rows.insert(rows.end(), batch.begin(), batch.end());
          return arrow::Status::OK();
        },
        std::move(options)));
    return rows;
  }

  // The first row, or NoRowsError() for an empty result. Reads at most one row.
  arrow::Result<T> First(ExecOptions options = {}) const {
    ARROW_RETURN_NOT_OK(frame_.status());
    ARROW_ASSIGN_OR_RAISE(auto rows,
                          TypedFrame<T>(frame_->Limit(1)).Collect(std::move(options)));
    if (rows.empty()) return NoRowsError();
    return std::move(rows.front());
  }

  // Rows batch by batch with the same memory bound, cancellation and errors as
  // DataFrame::Stream. The mapping is checked before the first row.
  arrow::Result<std::unique_ptr<RowStream<T>>> Stream(ExecOptions options = {}) const {
    ARROW_RETURN_NOT_OK(frame_.status());
    ARROW_ASSIGN_OR_RAISE(auto decoder, RowDecoder<T>::Make(*frame_->schema()));
    ARROW_ASSIGN_OR_RAISE(auto reader, frame_->Stream(std::move(options)));
    return std::make_unique<RowStream<T>>(std::move(reader), std::move(decoder));
  }

  // Calls `consume` with each batch's rows (valid during the call); its error stops the
  // query and is returned.
  arrow::Status ForEachBatch(std::function<arrow::Status(const std::vector<T>&)> consume,
                             ExecOptions options = {}) const {
    ARROW_RETURN_NOT_OK(frame_.status());
    ARROW_ASSIGN_OR_RAISE(auto decoder, RowDecoder<T>::Make(*frame_->schema()));
    ARROW_ASSIGN_OR_RAISE(auto reader, frame_->Stream(std::move(options)));
    std::vector<T> rows;
    while (true) {
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
      if (!batch) return arrow::Status::OK();
      ARROW_RETURN_NOT_OK(decoder.DecodeReplacing(*batch, &rows));
      auto status = consume(rows);
      if (!status.ok()) {
        (void)reader->Close();
        return status;
      }
    }
  }

  const arrow::Result<DataFrame>& frame() const { return frame_; }

 private:
  arrow::Result<DataFrame> frame_;
};

template <typename T, typename... Params>
TypedFrame<T> Query(Session& session, std::string_view sql, Params&&... params) {
  return TypedFrame<T>(session.Sql(sql, {Param(std::forward<Params>(params))...}));
}

template <typename T>
TypedFrame<T> From(DataFrame frame) {
  return TypedFrame<T>(frame.status().ok() ? arrow::Result<DataFrame>(std::move(frame))
                                           : arrow::Result<DataFrame>(frame.status()));
}

template <typename T>
TypedFrame<T> FromTable(Session& session, std::string_view name) {
  return TypedFrame<T>(session.Table(name));
}

// Runs DDL or DML with bound parameters; the rows it affected.
template <typename... Params>
arrow::Result<int64_t> Exec(Session& session, std::string_view sql, Params&&... params) {
  ARROW_ASSIGN_OR_RAISE(auto result,
                        session.Exec(sql, {Param(std::forward<Params>(params))...}));
  return result.rows_affected;
}

// Writes `rows` into the warehouse table `table` in one commit, matching members to
// columns by name (columns without a member get NULL) with INSERT's casts and checks.
template <typename T>
arrow::Result<ExecResult> Insert(Session& session, std::string_view table,
                                 const std::vector<T>& rows) {
  constexpr size_t kBatchRows = 64 * 1024;
  arrow::RecordBatchVector batches;
  for (size_t at = 0; at < rows.size(); at += kBatchRows) {
    ARROW_ASSIGN_OR_RAISE(
        auto batch, EncodeRows(rows.data() + at, std::min(kBatchRows, rows.size() - at)));
    batches.push_back(std::move(batch));
  }
  ARROW_ASSIGN_OR_RAISE(auto reader,
                        arrow::RecordBatchReader::Make(batches, RowSchema<T>()));
  return session.Append(table, std::move(reader));
}

// A streaming table's producer end that takes structs: each Write encodes its rows into
// one batch. Thread safety and blocking as TableSink.
template <typename T>
class TypedSink {
 public:
  explicit TypedSink(std::shared_ptr<TableSink> sink) : sink_(std::move(sink)) {}
  arrow::Status Write(const std::vector<T>& rows) {
    ARROW_ASSIGN_OR_RAISE(auto batch, EncodeRows(rows.data(), rows.size()));
    return sink_->Write(std::move(batch));
  }
  arrow::Status Close() { return sink_->Close(); }
  void Fail(arrow::Status cause) { sink_->Fail(std::move(cause)); }

 private:
  std::shared_ptr<TableSink> sink_;
};

// Registers a streaming table with T's columns and returns its typed producer end.
template <typename T>
arrow::Result<TypedSink<T>> RegisterTypedStreamingTable(Session& session,
                                                        std::string name,
                                                        int capacity = 8) {
  ARROW_ASSIGN_OR_RAISE(auto sink, session.RegisterStreamingTable(
                                       std::move(name), RowSchema<T>(), capacity));
  return TypedSink<T>(std::move(sink));
}

}  // namespace sluice
