// Decoding a 10-column result into structs against reading its Arrow arrays directly, and
// encoding structs into batches. Prints one JSON object.
//   typed_rows_bench ROWS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sluice/typed.h>

#include "wide_rows.h"

struct Wide {
  int64_t id;
  int64_t a;
  int32_t b;
  double x;
  double y;
  bool flag;
  std::string sym;
  std::optional<int64_t> maybe;
  sluice::Date day;
  std::string_view tag;
};
SLUICE_ROW(Wide, id, a, b, x, y, flag, sym, maybe, day, tag)

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const char* kQuery =
    "SELECT id, id * 3 AS a, CAST(id % 1000 AS INT) AS b, id * 5e-1 AS x, id * 25e-2 AS "
    "y, "
    "id % 2 = 0 AS flag, 'S' || (id % 100) AS sym, "
    "CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS maybe, "
    "CAST('2024-01-01' AS DATE) AS day, 'tag' AS tag FROM range(";

// Touches every value of every column, as a struct decoder must.
double RawPass(const arrow::RecordBatchVector& batches, int64_t* checksum) {
  const auto start = std::chrono::steady_clock::now();
  int64_t sum = 0;
  for (const auto& batch : batches) {
    const auto& id = static_cast<const arrow::Int64Array&>(*batch->column(0));
    const auto& a = static_cast<const arrow::Int64Array&>(*batch->column(1));
    const auto& b = static_cast<const arrow::Int32Array&>(*batch->column(2));
    const auto& x = static_cast<const arrow::DoubleArray&>(*batch->column(3));
    const auto& y = static_cast<const arrow::DoubleArray&>(*batch->column(4));
    const auto& flag = static_cast<const arrow::BooleanArray&>(*batch->column(5));
    const auto& sym = static_cast<const arrow::StringArray&>(*batch->column(6));
    const auto& maybe = static_cast<const arrow::Int64Array&>(*batch->column(7));
    const auto& day = static_cast<const arrow::Date32Array&>(*batch->column(8));
    const auto& tag = static_cast<const arrow::StringArray&>(*batch->column(9));
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      sum += id.Value(i) + a.Value(i) + b.Value(i) + static_cast<int64_t>(x.Value(i)) +
             static_cast<int64_t>(y.Value(i)) + flag.Value(i) +
             static_cast<int64_t>(sym.GetView(i).size()) +
             (maybe.IsValid(i) ? maybe.Value(i) : 0) + day.Value(i) +
             static_cast<int64_t>(tag.GetView(i).size());
    }
  }
  *checksum = sum;
  return Seconds(start);
}

int64_t SumRows(const std::vector<Wide>& rows) {
  int64_t sum = 0;
  for (const auto& w : rows) {
    sum += w.id + w.a + w.b + static_cast<int64_t>(w.x) + static_cast<int64_t>(w.y) +
           w.flag + static_cast<int64_t>(w.sym.size()) + w.maybe.value_or(0) +
           w.day.time_since_epoch().count() + static_cast<int64_t>(w.tag.size());
  }
  return sum;
}

// Decodes the same batches into structs and reads them: `block` rows at a time (as
// Stream does, 4096), or whole batches (block 0, as ForEachBatch does).
double TypedPass(const arrow::RecordBatchVector& batches, int64_t block,
                 int64_t* checksum) {
  const auto start = std::chrono::steady_clock::now();
  auto decoder = sluice::RowDecoder<Wide>::Make(*batches.front()->schema()).ValueOrDie();
  std::vector<Wide> rows;
  int64_t sum = 0;
  for (const auto& batch : batches) {
    const int64_t step = block > 0 ? block : batch->num_rows();
    for (int64_t offset = 0; offset < batch->num_rows(); offset += step) {
      const int64_t length = std::min(step, batch->num_rows() - offset);
      if (!decoder.DecodeRange(*batch, offset, length, &rows).ok()) std::abort();
      sum += SumRows(rows);
    }
  }
  *checksum = sum;
  return Seconds(start);
}

double EncodePass(int64_t rows) {
  std::vector<Wide> batch;
  for (const WideValues& v : MakeWideValues()) {
    batch.push_back({v.id, v.a, v.b, v.x, v.y, v.flag, v.sym, v.maybe,
                     sluice::Date(std::chrono::days(v.day)), v.tag});
  }
  const auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; done < rows; done += static_cast<int64_t>(batch.size())) {
    auto encoded = sluice::EncodeRows(batch.data(), batch.size());
    if (!encoded.ok()) std::abort();
  }
  return Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  auto session = sluice::Connect().ValueOrDie();
  // The result once, in memory, so that only reading it is timed.
  auto table = session->Sql(std::string(kQuery) + std::to_string(rows) + ")")
                   ->Collect()
                   .ValueOrDie();
  arrow::TableBatchReader reader(*table);
  auto batches = reader.ToRecordBatches().ValueOrDie();
  int64_t raw_sum = 0, stream_sum = 0, batch_sum = 0;
  const double raw = RawPass(batches, &raw_sum);
  const double stream = TypedPass(batches, 4096, &stream_sum);
  const double batch = TypedPass(batches, 0, &batch_sum);
  const double encode = EncodePass(rows);
  if (raw_sum != stream_sum || raw_sum != batch_sum) {
    std::fprintf(stderr, "checksums differ: %lld vs %lld, %lld\n",
                 static_cast<long long>(raw_sum), static_cast<long long>(stream_sum),
                 static_cast<long long>(batch_sum));
    return 1;
  }
  std::printf(
      "{\"rows\": %lld, \"raw_s\": %.4f, \"stream_s\": %.4f, \"batch_s\": %.4f, "
      "\"encode_s\": %.4f}\n",
      static_cast<long long>(rows), raw, stream, batch, encode);
  return 0;
}
