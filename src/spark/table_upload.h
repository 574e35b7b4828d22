#pragma once

#include <cstdint>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace spark::connect {
class Relation;
}

namespace sluice::spark {

class SparkClient;

// How a local table travels to the server.
struct UploadOptions {
  // Up to this many bytes of Arrow IPC travel inside the plan (a LocalRelation).
  int64_t inline_limit_bytes = 16 << 20;
  // Larger tables go as artifacts of about this size each (IPC streams of whole
  // batches), uploaded one after another, and the plan names them by hash.
  int64_t chunk_bytes = 16 << 20;
};

// A relation holding `table`'s rows on the server: inline when small; otherwise uploaded
// chunk by chunk with AddArtifacts as "cache/<sha256>" artifacts (CRC-checked) and named
// by a ChunkedCachedLocalRelation. Client memory stays at about one chunk.
arrow::Result<::spark::connect::Relation> UploadTable(SparkClient* client,
                                                      const arrow::Table& table,
                                                      const UploadOptions& options = {});

// The CRC-32 (IEEE 802.3) of `size` bytes, as artifact chunks carry it.
uint32_t Crc32(const uint8_t* data, int64_t size);

}  // namespace sluice::spark
