// Decoding a 10-column result into structs against reading its Arrow arrays directly, and
// encoding structs into batches. Prints one JSON object.
//   typed_rows_bench ROWS
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sluice/typed.h>

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
    "SELECT id, id * 3 AS a, CAST(id % 1000 AS INT) AS b, id * 0.5 AS x, id * 0.25 AS y, "
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

// Decodes the same batches into structs (as ForEachBatch does) and reads them.
double TypedPass(const arrow::RecordBatchVector& batches, int64_t* checksum) {
  const auto start = std::chrono::steady_clock::now();
  auto decoder = sluice::RowDecoder<Wide>::Make(*batches.front()->schema()).ValueOrDie();
  std::vector<Wide> rows;
  int64_t sum = 0;
  for (const auto& batch : batches) {
    if (!decoder.DecodeReplacing(*batch, &rows).ok()) std::abort();
    for (const auto& w : rows) {
      sum += w.id + w.a + w.b + static_cast<int64_t>(w.x) + static_cast<int64_t>(w.y) +
             w.flag + static_cast<int64_t>(w.sym.size()) + w.maybe.value_or(0) +
             w.day.time_since_epoch().count() + static_cast<int64_t>(w.tag.size());
    }
  }
  *checksum = sum;
  return Seconds(start);
}

double EncodePass(int64_t rows) {
  std::vector<Wide> batch(65536);
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto n = static_cast<int64_t>(i);
    batch[i] = {n,
                n * 3,
                static_cast<int32_t>(n % 1000),
                n * 0.5,
                n * 0.25,
                n % 2 == 0,
                "S" + std::to_string(n % 100),
                n % 10 == 0 ? std::nullopt : std::optional<int64_t>(n),
                sluice::Date(std::chrono::days(19723)),
                "tag"};
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
  int64_t raw_sum = 0, typed_sum = 0;
  const double raw = RawPass(batches, &raw_sum);
  const double typed = TypedPass(batches, &typed_sum);
  const double encode = EncodePass(rows);
  if (raw_sum != typed_sum) {
    std::fprintf(stderr, "checksums differ: %lld vs %lld\n",
                 static_cast<long long>(raw_sum), static_cast<long long>(typed_sum));
    return 1;
  }
  std::printf(
      "{\"rows\": %lld, \"raw_s\": %.4f, \"typed_s\": %.4f, \"encode_s\": %.4f}\n",
      static_cast<long long>(rows), raw, typed, encode);
  return 0;
}
