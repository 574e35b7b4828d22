#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/type_fwd.h>

#include "delta/actions.h"

namespace sluice::delta {

// The state of a Delta table at one version: its protocol, metadata, live data files and
// application transaction versions. Immutable; built by DeltaTable from the log.
class Snapshot {
 public:
  Snapshot(std::string root, int64_t version, int64_t timestamp_ms, Protocol protocol,
           Metadata metadata, std::shared_ptr<arrow::Schema> schema,
           std::vector<AddFile> files, std::map<std::string, int64_t> txns);

  const std::string& root() const { return root_; }
  int64_t version() const { return version_; }
  // When this version was committed (milliseconds since the epoch).
  int64_t timestamp_ms() const { return timestamp_ms_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  // All columns, partition columns included, in the table's order.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  // The live data files, sorted by path.
  const std::vector<AddFile>& files() const { return files_; }
  // The last committed version of an application's transaction, if any.
  std::optional<int64_t> TxnVersion(const std::string& app_id) const;

 private:
  std::string root_;
  int64_t version_;
  int64_t timestamp_ms_;
  Protocol protocol_;
  Metadata metadata_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<AddFile> files_;
  std::map<std::string, int64_t> txns_;
};

}  // namespace sluice::delta
