#pragma once

#include <string>

#include <arrow/status.h>

namespace grpc {
class Status;
}

namespace spark::connect {
class FetchErrorDetailsResponse;
}

namespace sluice::spark {

// What Spark said about a failed operation.
struct SparkErrorInfo {
  std::string error_class;  // "TABLE_OR_VIEW_NOT_FOUND"
  std::string sql_state;    // "42P01"
  std::string message;      // Spark's message, with the SQL fragment it points at
  std::string error_id;     // the server's handle for FetchErrorDetails, or empty
  // The SQL text span the error is about, as character offsets, or -1.
  int start_index = -1;
  int stop_index = -1;
};

// Reads the ErrorInfo that Spark packs into a gRPC status's details.
SparkErrorInfo ParseGrpcError(const grpc::Status& status);

// Completes `info` from a FetchErrorDetails answer: the root error's full message, class,
// SQL state and query context.
void MergeErrorDetails(const ::spark::connect::FetchErrorDetailsResponse& details,
                       SparkErrorInfo* info);

// The Status a consumer sees: "Spark error [CLASS] (SQLSTATE 42P01) while <what>: ...".
// Analysis and parse errors are Invalid, a cancelled call Cancelled, an unreachable
// server IOError, anything else UnknownError.
arrow::Status MakeSparkStatus(const grpc::Status& status, const SparkErrorInfo& info,
                              const std::string& what);

}  // namespace sluice::spark
