#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <arrow/record_batch.h>
#include <arrow/util/cancel.h>

#include "common/batch_queue.h"

namespace grpc {
class ClientContext;
class Status;
template <class R>
class ClientReaderInterface;
}  // namespace grpc

namespace spark::connect {
class ExecutePlanResponse;
class Relation;
}  // namespace spark::connect

namespace sluice::spark {

class SparkClient;

struct ExecuteOptions {
  // Decoded batches waiting for the consumer; when full, the stream stops reading from
  // gRPC and HTTP/2 flow control makes the server wait.
  size_t max_buffered_batches = 8;
  arrow::StopToken stop_token = arrow::StopToken::Unstoppable();
};

// The result of one Spark operation (ExecutePlan of a relation), decoded batch by batch
// as responses arrive. A thread reads the gRPC stream ahead of the consumer by at most
// max_buffered_batches. The execution is reattachable: a stream that breaks (UNAVAILABLE)
// or that the server ends early is resumed with ReattachExecute after the last response
// received, so nothing is lost or repeated; received responses are released on the
// server as the stream goes. End of stream is reported only after ResultComplete; a
// Spark error reaches ReadNext as that error. Close, destruction or a stop request
// cancels the call and interrupts the operation on the server.
class ExecuteStream : public arrow::RecordBatchReader {
 public:
  // Starts the operation and waits until the result's schema is known (its first batch)
  // or the operation failed.
  static arrow::Result<std::shared_ptr<ExecuteStream>> Start(
      std::shared_ptr<SparkClient> client, const ::spark::connect::Relation& relation,
      ExecuteOptions options);
  ~ExecuteStream() override;

  std::shared_ptr<arrow::Schema> schema() const override;
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

  const std::string& operation_id() const { return operation_id_; }
  // How many times the stream was resumed with ReattachExecute.
  int reattach_count() const { return reattaches_.load(); }
  // Responses read from the server so far.
  int64_t responses_received() const { return responses_.load(); }
  // The most decoded batches ever waiting at once.
  size_t high_water_mark() const { return queue_.high_water_mark(); }

 private:
  ExecuteStream(std::shared_ptr<SparkClient> client,
                std::shared_ptr<::spark::connect::Relation> relation,
                ExecuteOptions options);
  // The reading thread: ExecutePlan, then ReattachExecute until ResultComplete, an error
  // or cancellation.
  void Run();
  // After ResultComplete: the schema if no batch gave it, release, end of stream.
  void Complete();
  // One gRPC call: reads its responses until it ends. Returns the call's status.
  grpc::Status ReadCall(bool reattach);
  arrow::Status Handle(::spark::connect::ExecutePlanResponse* response);
  arrow::Status SetSchema(std::shared_ptr<arrow::Schema> schema);
  // Asks the releasing thread to let the server drop the responses up to `until` (all
  // of them if null). Releases are cumulative, so a newer request replaces a pending one.
  void Release(const std::string* until);
  // The releasing thread: sends ReleaseExecute calls so that reading never waits for
  // them.
  void Releaser();
  void Cancel(const arrow::Status& reason);
  // Ends the stream with `status` (OK: finished) and wakes Start.
  void End(const arrow::Status& status);

  std::shared_ptr<SparkClient> client_;
  std::shared_ptr<::spark::connect::Relation> relation_;
  const ExecuteOptions options_;
  const std::string operation_id_;
  BatchQueue queue_;

  mutable std::mutex mutex_;
  std::condition_variable schema_known_;
  std::shared_ptr<arrow::Schema> schema_;  // guarded by mutex_
  arrow::Status start_status_;             // guarded by mutex_
  bool ended_ = false;                     // guarded by mutex_
  grpc::ClientContext* call_ = nullptr;    // the running call, guarded by mutex_

  std::atomic<bool> cancelled_{false};
  std::atomic<bool> complete_{false};
  std::atomic<int> reattaches_{0};
  std::atomic<int64_t> responses_{0};
  // Requests for the releasing thread, guarded by release_mutex_.
  std::mutex release_mutex_;
  std::condition_variable release_wanted_;
  std::string release_until_;  // the newest response id to release; empty: none
  bool release_all_ = false;
  bool releaser_stop_ = false;
  std::thread releaser_;
  // Touched by the reading thread only.
  std::string last_response_id_;
  int unreleased_ = 0;
  std::thread reader_;
};

}  // namespace sluice::spark
