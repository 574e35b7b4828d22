#pragma once

#include <cstdint>
#include <vector>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "plan/window_call.h"

namespace sluice::exec {

// Where each row's partition and peer group (rows with equal ORDER BY values) begin and
// end, as row indices of a chunk.
struct WindowLayout {
  int64_t rows = 0;
  std::vector<int64_t> part_start, part_end, peer_start, peer_end;
};

// Each row's frame as rows [lo, hi) of the chunk, within its partition.
struct WindowFrames {
  std::vector<int64_t> lo, hi;
};

// Each row's frame. ROWS offsets count rows, GROUPS offsets peer groups; RANGE offsets
// are distances along `key`, the one ORDER BY column (an integer, DATE or TIMESTAMP
// column, rows sorted by it in the frame's direction; may be null for other frames).
// A row whose key is NULL has its NULL peers as an offset bound, as in PostgreSQL.
arrow::Result<WindowFrames> ComputeFrames(const plan::WindowFrame& frame,
                                          const WindowLayout& layout,
                                          const arrow::Array* key);

}  // namespace sluice::exec
