#include "spark/execute_stream.h"

#include <chrono>

#include <grpcpp/grpcpp.h>

#include "common/conform_batch.h"
#include "spark/arrow_batch_decoder.h"
#include "spark/connect/base.grpc.pb.h"
#include "spark/spark_client.h"

namespace sluice::spark {

namespace {

namespace sc = ::spark::connect;

// Responses received before their release is sent to the server in one call.
constexpr int kReleaseEvery = 8;

// A failure after which the operation may still be running on the server, so the stream
// resumes it: the connection dropped, or another attachment took over the cursor.
bool Resumable(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) return true;
  return status.error_code() == grpc::StatusCode::INTERNAL &&
         status.error_message().find("INVALID_CURSOR.DISCONNECTED") != std::string::npos;
}

// Retries of a call that fails without progress, with exponential backoff.
class RetryBudget {
 public:
  explicit RetryBudget(const ClientOptions& options) : options_(options) { Reset(); }
  void Reset() {
    left_ = options_.max_retries;
    delay_ = options_.initial_backoff;
  }
  // Waits before the next try; false when no tries are left.
  bool Wait() {
    if (left_-- <= 0) return false;
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, options_.max_backoff);
    return true;
  }

 private:
  const ClientOptions& options_;
  int left_ = 0;
  std::chrono::milliseconds delay_{0};
};

bool OperationNotFound(const grpc::Status& status) {
  return status.error_message().find("OPERATION_NOT_FOUND") != std::string::npos;
}

}  // namespace

ExecuteStream::ExecuteStream(std::shared_ptr<SparkClient> client,
                             std::shared_ptr<sc::Relation> relation,
                             ExecuteOptions options)
    : client_(std::move(client)),
      relation_(std::move(relation)),
      options_(std::move(options)),
      operation_id_(NewUuid()),
      queue_(options_.max_buffered_batches) {}

arrow::Result<std::shared_ptr<ExecuteStream>> ExecuteStream::Start(
    std::shared_ptr<SparkClient> client, const sc::Relation& relation,
    ExecuteOptions options) {
  if (options.max_buffered_batches < 1) {
    return arrow::Status::Invalid("max_buffered_batches must be at least 1");
  }
  std::shared_ptr<ExecuteStream> stream(new ExecuteStream(
      std::move(client), std::make_shared<sc::Relation>(relation), std::move(options)));
  stream->reader_ = std::thread([raw = stream.get()] { raw->Run(); });
  stream->releaser_ = std::thread([raw = stream.get()] { raw->Releaser(); });
  std::unique_lock<std::mutex> lock(stream->mutex_);
  while (!stream->schema_ && !stream->ended_) {
    if (stream->options_.stop_token.IsStopRequested()) {
      lock.unlock();
      stream->Cancel(arrow::Status::Cancelled("the query was cancelled"));
      ARROW_RETURN_NOT_OK(stream->Close());
      return arrow::Status::Cancelled("the query was cancelled before its first batch");
    }
    stream->schema_known_.wait_for(lock, std::chrono::milliseconds(10));
  }
  if (!stream->schema_) {
    arrow::Status status = stream->start_status_;
    lock.unlock();
    ARROW_UNUSED(stream->Close());
    return status;
  }
  return stream;
}

ExecuteStream::~ExecuteStream() { ARROW_UNUSED(Close()); }

std::shared_ptr<arrow::Schema> ExecuteStream::schema() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return schema_;
}

arrow::Status ExecuteStream::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  auto next = queue_.Pop(options_.stop_token);
  if (!next.ok()) {
    if (options_.stop_token.IsStopRequested()) Cancel(next.status());
    return next.status();
  }
  *batch = std::move(*next);
  return arrow::Status::OK();
}

arrow::Status ExecuteStream::Close() {
  if (!complete_.load()) Cancel(arrow::Status::Cancelled("the stream was closed"));
  if (reader_.joinable()) reader_.join();
  // The releases asked for are sent (each has a deadline) before the thread ends.
  {
    std::lock_guard<std::mutex> lock(release_mutex_);
    releaser_stop_ = true;
    release_wanted_.notify_all();
  }
  if (releaser_.joinable()) releaser_.join();
  return arrow::Status::OK();
}

void ExecuteStream::Cancel(const arrow::Status& reason) {
  if (complete_.load() || cancelled_.exchange(true)) return;
  queue_.Cancel(reason);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (call_) call_->TryCancel();
    if (ended_) return;  // the operation failed on its own: nothing runs
  }
  // The Spark job goes on unless the operation is interrupted on the server.
  ARROW_UNUSED(client_->Interrupt(operation_id_));
}

void ExecuteStream::End(const arrow::Status& status) {
  if (status.ok()) {
    queue_.Finish();
  } else {
    queue_.Fail(status);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ended_ = true;
  start_status_ = status;
  schema_known_.notify_all();
}

void ExecuteStream::Run() {
  bool reattach = false;
  RetryBudget retries(client_->options());
  while (!cancelled_.load()) {
    const int64_t received = responses_.load();
    grpc::Status status = ReadCall(reattach);
    if (complete_.load()) return Complete();
    if (cancelled_.load()) break;
    if (responses_.load() > received) retries.Reset();  // the call made progress
    if (status.ok() || Resumable(status)) {
      // The server closed the stream before the end (it does so periodically), or the
      // connection dropped: resume after the last response received.
      if (!status.ok() && !retries.Wait()) {
        return End(client_->ToStatus(status, "reading the query's result"));
      }
      reattach = true;
      reattaches_++;
    } else if (reattach && OperationNotFound(status) && last_response_id_.empty()) {
      reattach = false;  // the server never received the first request: send it again
    } else {
      return End(client_->ToStatus(status, "running the query"));
    }
  }
  End(arrow::Status::Cancelled("the query was cancelled"));
}

void ExecuteStream::Complete() {
  // A result without a single batch still has a schema: Spark's analysis gives it.
  arrow::Status status;
  if (!schema()) {
    auto analyzed = client_->Schema(*relation_);
    status = analyzed.ok() ? SetSchema(*analyzed) : analyzed.status();
  }
  Release(nullptr);
  End(status);
}

grpc::Status ExecuteStream::ReadCall(bool reattach) {
  auto context = client_->NewContext(/*deadline=*/false);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_.load()) return grpc::Status::CANCELLED;
    call_ = context.get();
  }
  std::unique_ptr<grpc::ClientReader<sc::ExecutePlanResponse>> reader;
  if (reattach) {
    sc::ReattachExecuteRequest request;
    client_->FillHeader(&request);
    request.set_operation_id(operation_id_);
    if (!last_response_id_.empty()) request.set_last_response_id(last_response_id_);
    reader = client_->stub()->ReattachExecute(context.get(), request);
  } else {
    sc::ExecutePlanRequest request;
    client_->FillHeader(&request);
    request.set_operation_id(operation_id_);
    *request.mutable_plan()->mutable_root() = *relation_;
    request.add_request_options()->mutable_reattach_options()->set_reattachable(true);
    reader = client_->stub()->ExecutePlan(context.get(), request);
  }
  sc::ExecutePlanResponse response;
  arrow::Status handled;
  while (handled.ok() && reader->Read(&response)) handled = Handle(&response);
  if (!handled.ok()) context->TryCancel();
  grpc::Status status = reader->Finish();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    call_ = nullptr;
  }
  if (!handled.ok() && !cancelled_.load()) {
    // A response the client could not use (a decoding error, a changed server session).
    End(handled);
    cancelled_.store(true);
    ARROW_UNUSED(client_->Interrupt(operation_id_));
  }
  return status;
}

arrow::Status ExecuteStream::Handle(sc::ExecutePlanResponse* response) {
  responses_++;
  ARROW_RETURN_NOT_OK(client_->ObserveServerSession(response->server_side_session_id()));
  if (response->has_arrow_batch()) {
    std::unique_ptr<std::string> data(response->mutable_arrow_batch()->release_data());
    ARROW_ASSIGN_OR_RAISE(auto decoded, DecodeArrowBatch(std::move(data)));
    if (!schema()) ARROW_RETURN_NOT_OK(SetSchema(decoded.schema));
    for (auto& batch : decoded.batches) {
      if (batch->num_rows() == 0) continue;
      // Each response is an IPC stream of its own, and servers differ on the
      // nullability they give a column from one response to the next.
      ARROW_ASSIGN_OR_RAISE(
          batch, ConformBatch(std::move(batch), schema(), "the Spark server sent"));
      ARROW_RETURN_NOT_OK(queue_.Push(std::move(batch)));
    }
  } else if (response->has_result_complete()) {
    complete_.store(true);
  }
  if (!response->response_id().empty()) {
    last_response_id_ = response->response_id();
    if (++unreleased_ >= kReleaseEvery) Release(&last_response_id_);
  }
  return arrow::Status::OK();
}

arrow::Status ExecuteStream::SetSchema(std::shared_ptr<arrow::Schema> schema) {
  std::lock_guard<std::mutex> lock(mutex_);
  schema_ = std::move(schema);
  schema_known_.notify_all();
  return arrow::Status::OK();
}

void ExecuteStream::Release(const std::string* until) {
  unreleased_ = 0;
  std::lock_guard<std::mutex> lock(release_mutex_);
  if (until) {
    release_until_ = *until;
  } else {
    release_all_ = true;
  }
  release_wanted_.notify_all();
}

void ExecuteStream::Releaser() {
  std::unique_lock<std::mutex> lock(release_mutex_);
  while (true) {
    release_wanted_.wait(
        lock, [&] { return releaser_stop_ || release_all_ || !release_until_.empty(); });
    if (release_until_.empty() && !release_all_) return;  // asked to stop, nothing left
    sc::ReleaseExecuteRequest request;
    client_->FillHeader(&request);
    request.set_operation_id(operation_id_);
    if (release_all_) {
      request.mutable_release_all();
      release_all_ = false;
    } else {
      request.mutable_release_until()->set_response_id(release_until_);
    }
    release_until_.clear();
    lock.unlock();
    sc::ReleaseExecuteResponse response;
    auto context = client_->NewContext(/*deadline=*/true);
    // Best effort: what is not released is freed when the operation ends anyway.
    ARROW_UNUSED(client_->stub()->ReleaseExecute(context.get(), request, &response));
    lock.lock();
  }
}

}  // namespace sluice::spark
