#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/status.h>
#include <arrow/type_fwd.h>

#include "delta/actions.h"

namespace sluice::delta {

// The replayed state of a Delta table at one version: what a snapshot shows plus the
// tombstones (remove actions) that VACUUM and checkpoints need. Internal to DeltaTable.
struct TableState {
  int64_t version = -1;
  int64_t timestamp_ms = 0;
  Protocol protocol;
  Metadata metadata;
  std::shared_ptr<arrow::Schema> schema;
  std::map<std::string, AddFile> files;          // live files by path
  std::map<std::string, RemoveFile> tombstones;  // removed files by path
  std::map<std::string, Txn> txns;               // by application id

  // Applies one commit's (or checkpoint's) actions as `next_version`. A protocol Sluice
  // cannot read is NotImplemented naming `root`.
  arrow::Status Apply(int64_t next_version, int64_t commit_time,
                      std::vector<Action> actions, const std::string& root);

  // The actions that rebuild this state (for a checkpoint), leaving out tombstones
  // deleted before `tombstones_after_ms`.
  std::vector<Action> ToActions(int64_t tombstones_after_ms) const;
};

// The table configuration's value of `key` as a duration in hours ("interval 7 days",
// "interval 1 hours", "168 hours"), or `fallback` if unset or unreadable.
double ConfiguredHours(const std::map<std::string, std::string>& configuration,
                       const std::string& key, double fallback);

}  // namespace sluice::delta
