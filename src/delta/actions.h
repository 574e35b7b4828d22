#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <arrow/result.h>
#include <nlohmann/json.hpp>

namespace sluice::delta {

// The actions of the Delta Lake transaction log, as Sluice reads and writes them. A
// commit file `_delta_log/<version, 20 digits>.json` holds one action per line.

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
  std::vector<std::string> reader_features;  // only with reader version 3
  std::vector<std::string> writer_features;  // only with writer version 7
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string schema_string;  // the table schema as Delta's JSON struct type
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  int64_t created_time = 0;  // milliseconds since the epoch
};

// Partition values are strings in the log; a missing value (NULL) is nullopt.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // relative to the table root, percent-encoded as a URI path
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::string stats;  // JSON: numRecords, minValues, maxValues, nullCount; may be empty
};

struct RemoveFile {
  std::string path;
  int64_t deletion_timestamp = 0;
  bool data_change = true;
  bool extended_file_metadata = true;
  PartitionValues partition_values;
  int64_t size = 0;
};

// An application's transaction version, for idempotent (exactly-once) writes.
struct Txn {
  std::string app_id;
  int64_t version = 0;
  int64_t last_updated = 0;
};

struct CommitInfo {
  int64_t timestamp = 0;
  std::string operation;
  nlohmann::json operation_parameters = nlohmann::json::object();
  nlohmann::json operation_metrics = nlohmann::json::object();
  std::optional<int64_t> read_version;
  bool is_blind_append = false;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, Txn, CommitInfo>;

// Now, in milliseconds since the epoch: the unit of the log's timestamps.
int64_t NowMillis();

// "needs reader version 3 with features deletionVectors" (`role`: "reader" or "writer"),
// for the errors of tables Sluice cannot read or write.
std::string DescribeProtocolNeed(const char* role, int version,
                                 const std::vector<std::string>& features);

// One JSON object per line, each ending with a newline.
std::string SerializeActions(const std::vector<Action>& actions);

// Parses a commit file's text. Unknown action kinds (cdc, domainMetadata, ...) are
// skipped; malformed JSON or a known action with wrong fields is an IOError naming `file`
// and the line.
arrow::Result<std::vector<Action>> ParseActions(std::string_view text,
                                                const std::string& file);

// Percent-decoding and -encoding of add/remove paths (URI paths relative to the table).
std::string DecodePath(std::string_view path);
std::string EncodePath(std::string_view path);

}  // namespace sluice::delta
