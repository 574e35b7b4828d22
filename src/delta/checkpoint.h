#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "delta/actions.h"

namespace sluice::delta {

// Parquet checkpoints of the log. A checkpoint holds the whole state of one version
// (protocol, metaData, txn, live add and unexpired remove actions), one action per row,
// in `_delta_log/<version, 20 digits>.checkpoint.parquet`; `_delta_log/_last_checkpoint`
// names the newest so readers start there instead of at version 0. Multi-part checkpoints
// (`<version>.checkpoint.<part>.<parts>.parquet`) written by other engines are read too.

// Writes the checkpoint of `version` (complete before it becomes visible), then points
// `_last_checkpoint` at it unless that already names a newer one.
arrow::Status WriteCheckpoint(const std::string& root, int64_t version,
                              const std::vector<Action>& actions);

// The actions of the checkpoint of `version`; IOError naming the file if it is missing
// or unreadable.
arrow::Result<std::vector<Action>> ReadCheckpoint(const std::string& root,
                                                  int64_t version);

// The version `_last_checkpoint` names, if the file exists and is readable.
std::optional<int64_t> LastCheckpointVersion(const std::string& root);

// Whether `version` has a complete checkpoint in the log.
bool HasCheckpoint(const std::string& root, int64_t version);

// The versions that have a complete checkpoint in the log, ascending.
std::vector<int64_t> ListCheckpoints(const std::string& root);

// Log cleanup: deletes the commit and checkpoint files of versions before
// `checkpoint_version` (which must have a complete checkpoint) last modified before
// `older_than_ms`. Returns how many files went. Time travel to those versions ends.
int DeleteExpiredLogFiles(const std::string& root, int64_t checkpoint_version,
                          int64_t older_than_ms);

}  // namespace sluice::delta
