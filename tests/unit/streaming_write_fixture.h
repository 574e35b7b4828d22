// The fixture of the streaming-write tests: a warehouse with table t (id BIGINT NOT
// NULL) and a directory stream "incoming" that tests drop Parquet files of ids into.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "delta/delta_table.h"
#include "sluice/session.h"
#include "sluice/streaming_write.h"
#include "test_util.h"

namespace sluice {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Writes ids [first, first + rows) as `dir/name` (Parquet), through a hidden file renamed
// in, as a producer should.
inline void WriteIds(const fs::path& dir, const std::string& name, int64_t first,
                     int64_t rows) {
  arrow::Int64Builder ids;
  for (int64_t i = first; i < first + rows; ++i) ASSERT_TRUE(ids.Append(i).ok());
  auto table = arrow::Table::Make(arrow::schema({arrow::field("id", arrow::int64())}),
                                  {ids.Finish().ValueOrDie()});
  const fs::path hidden = dir / ("." + name);
  auto out = arrow::io::FileOutputStream::Open(hidden.string()).ValueOrDie();
  ASSERT_TRUE(
      parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1 << 20)
          .ok());
  ASSERT_TRUE(out->Close().ok());
  fs::rename(hidden, dir / name);
}

class StreamingWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(incoming());
    fs::create_directories(dir_.path() / "warehouse");
    session_ = Connect("local:" + (dir_.path() / "warehouse").string()).ValueOrDie();
    auto created = session_->Exec("CREATE TABLE t (id BIGINT NOT NULL)");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    RegisterStream();
  }

  void RegisterStream() {
    auto schema = arrow::schema({arrow::field("id", arrow::int64())});
    ASSERT_TRUE(
        session_
            ->RegisterDirectoryStream("incoming", incoming().string(), "parquet", schema)
            .ok());
  }

  fs::path incoming() const { return dir_.path() / "incoming"; }
  fs::path table_path() const { return dir_.path() / "warehouse" / "t"; }

  // A fresh session over the same warehouse, as a restarted process would have.
  void Restart() {
    session_ = Connect("local:" + (dir_.path() / "warehouse").string()).ValueOrDie();
    RegisterStream();
  }

  std::unique_ptr<StreamingQuery> Start(
      const std::string& id, Trigger trigger,
      const std::string& sql = "SELECT id FROM incoming",
      const std::string& table = "t") {
    StreamingWriteOptions options;
    options.query_id = id;
    options.trigger = trigger;
    auto query = session_->Sql(sql).ValueOrDie().WriteStream(table, options);
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    return query.ok() ? std::move(*query) : nullptr;
  }

  void RunToEnd(const std::string& id, int64_t max_files = 0) {
    auto query = Start(id, Trigger::AvailableNow(max_files));
    ASSERT_TRUE(query->AwaitTermination(milliseconds(30000)));
    ASSERT_EQ(query->state(), StreamingState::kFinished) << query->status().ToString();
  }

  // The table's ids, sorted, duplicates kept.
  std::vector<int64_t> Ids(const std::string& table = "t") {
    auto result = session_->Sql("SELECT id FROM " + table + " ORDER BY id")
                      .ValueOrDie()
                      .Collect()
                      .ValueOrDie();
    std::vector<int64_t> ids;
    if (result->num_rows() == 0) return ids;
    auto column = std::static_pointer_cast<arrow::Int64Array>(
        result->CombineChunks().ValueOrDie()->column(0)->chunk(0));
    for (int64_t i = 0; i < column->length(); ++i) ids.push_back(column->Value(i));
    return ids;
  }

  static std::vector<int64_t> Range(int64_t n) {
    std::vector<int64_t> ids(n);
    for (int64_t i = 0; i < n; ++i) ids[i] = i;
    return ids;
  }

  int64_t TxnVersion(const std::string& id) {
    auto table = delta::DeltaTable::Open(table_path().string()).ValueOrDie();
    return table->Latest().ValueOrDie()->TxnVersion(id).value_or(-1);
  }

  testing::TempDir dir_;
  std::shared_ptr<Session> session_;
};

}  // namespace sluice
