#pragma once

#include <arrow/record_batch.h>
#include <parquet/properties.h>

namespace sluice::delta {

// How many rows a file's encodings are chosen from, when it gets that many.
inline constexpr int64_t kEncodingSampleRows = 64 * 1024;

// Chooses each top-level column's Parquet encoding for a new data file from `sample`, the
// first rows written to it. Integer-backed columns (integers, dates, timestamps, DECIMALs
// stored as integers) get whichever of dictionary and DELTA_BINARY_PACKED the sample says
// is smaller: keys and prices are far smaller and faster to decode as deltas, flags and
// dates as dictionaries. Strings and binaries that are mostly distinct skip the
// dictionary (it would only fill up and fall back to PLAIN). Other columns, and samples
// too small to judge, keep the writer's defaults. Only the file's size and decoding speed
// depend on the choice: every Parquet reader reads both encodings.
void ChooseColumnEncodings(const arrow::RecordBatch& sample,
                           parquet::WriterProperties::Builder* builder);

}  // namespace sluice::delta
