#include "spark/spark_error.h"

#include <grpcpp/support/status.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "spark/connect/base.pb.h"

namespace sluice::spark {

namespace {

std::string MetadataValue(const google::rpc::ErrorInfo& info, const std::string& key) {
  auto it = info.metadata().find(key);
  return it == info.metadata().end() ? std::string() : it->second;
}

}  // namespace

SparkErrorInfo ParseGrpcError(const grpc::Status& status) {
  SparkErrorInfo out;
  out.message = status.error_message();
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return out;
  }
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (!any.UnpackTo(&info)) continue;
    out.error_class = MetadataValue(info, "errorClass");
    out.sql_state = MetadataValue(info, "sqlState");
    out.error_id = MetadataValue(info, "errorId");
    if (out.error_class.empty()) out.error_class = info.reason();
  }
  return out;
}

void MergeErrorDetails(const ::spark::connect::FetchErrorDetailsResponse& details,
                       SparkErrorInfo* info) {
  if (!details.has_root_error_idx()) return;
  const int root = details.root_error_idx();
  if (root < 0 || root >= details.errors_size()) return;
  const auto& error = details.errors(root);
  if (!error.message().empty()) info->message = error.message();
  if (!error.has_spark_throwable()) return;
  const auto& throwable = error.spark_throwable();
  if (throwable.has_error_class()) info->error_class = throwable.error_class();
  if (throwable.has_sql_state()) info->sql_state = throwable.sql_state();
  for (const auto& context : throwable.query_contexts()) {
    if (context.context_type() !=
        ::spark::connect::FetchErrorDetailsResponse::QueryContext::SQL) {
      continue;
    }
    info->start_index = context.start_index();
    info->stop_index = context.stop_index();
    break;
  }
}

arrow::Status MakeSparkStatus(const grpc::Status& status, const SparkErrorInfo& info,
                              const std::string& what) {
  std::string text = "Spark error";
  if (!info.error_class.empty()) text += " [" + info.error_class + "]";
  if (!info.sql_state.empty()) text += " (SQLSTATE " + info.sql_state + ")";
  text += " while " + what + ": " + info.message;
  switch (status.error_code()) {
    case grpc::StatusCode::CANCELLED:
      return arrow::Status::Cancelled(text);
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return arrow::Status::IOError(text);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return arrow::Status::IOError(text);
    default:
      break;
  }
  // Spark's SQL states of class 42 (syntax, access rules), 22 (data), 0A (unsupported).
  const std::string state_class = info.sql_state.substr(0, 2);
  if (state_class == "42" || state_class == "22" || state_class == "0A" ||
      status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return arrow::Status::Invalid(text);
  }
  return arrow::Status::UnknownError(text);
}

}  // namespace sluice::spark
