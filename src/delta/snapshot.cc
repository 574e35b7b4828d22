#include "delta/snapshot.h"

namespace sluice::delta {

Snapshot::Snapshot(std::string root, int64_t version, int64_t timestamp_ms,
                   Protocol protocol, Metadata metadata,
                   std::shared_ptr<arrow::Schema> schema, std::vector<AddFile> files,
                   std::map<std::string, int64_t> txns)
    : root_(std::move(root)),
      version_(version),
      timestamp_ms_(timestamp_ms),
      protocol_(std::move(protocol)),
      metadata_(std::move(metadata)),
      schema_(std::move(schema)),
      files_(std::move(files)),
      txns_(std::move(txns)) {}

std::optional<int64_t> Snapshot::TxnVersion(const std::string& app_id) const {
  auto it = txns_.find(app_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sluice::delta
