// DictionarySizes: a column's distinct values, sampled from a Parquet file's dictionary.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "catalog/dictionary_sizes.h"
#include "test_util.h"

namespace sluice::catalog {
namespace {

constexpr int64_t kRows = 50000;

// Columns: status (3 values, dictionary), code (3 values, dictionary disabled), words
// (every value distinct: the dictionary outgrows its page and later pages fall back to
// PLAIN) and price (7 values, dictionary), in row groups of 20000 rows.
std::string WriteFile(const std::filesystem::path& dir) {
  arrow::StringBuilder status, code, words;
  arrow::Int64Builder price;
  for (int64_t i = 0; i < kRows; ++i) {
    EXPECT_TRUE(status.Append(std::string(1, "FOP"[i % 3])).ok());
    EXPECT_TRUE(code.Append(std::string(1, "xyz"[i % 3])).ok());
    EXPECT_TRUE(words.Append("word number " + std::to_string(i * 7919)).ok());
    EXPECT_TRUE(price.Append(i % 7).ok());
  }
  auto table = arrow::Table::Make(
      arrow::schema(
          {arrow::field("status", arrow::utf8()), arrow::field("code", arrow::utf8()),
           arrow::field("words", arrow::utf8()), arrow::field("price", arrow::int64())}),
      {status.Finish().ValueOrDie(), code.Finish().ValueOrDie(),
       words.Finish().ValueOrDie(), price.Finish().ValueOrDie()});
  const std::string path = (dir / "t.parquet").string();
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  auto properties = parquet::WriterProperties::Builder()
                        .disable_dictionary("code")
                        ->dictionary_pagesize_limit(64 * 1024)
                        ->build();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 20000,
                                         properties)
                  .ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

TEST(DictionarySizes, CountsTheFirstRowGroupsDictionaryWhereEveryPageUsesIt) {
  testing::TempDir dir;
  const std::string path = WriteFile(dir.path());
  EXPECT_EQ(DictionarySizes::Read(path, "status"), 3);
  EXPECT_EQ(DictionarySizes::Read(path, "price"), 7);
  EXPECT_EQ(DictionarySizes::Read(path, "code"), std::nullopt);   // no dictionary
  EXPECT_EQ(DictionarySizes::Read(path, "words"), std::nullopt);  // fell back to PLAIN
  EXPECT_EQ(DictionarySizes::Read(path, "missing"), std::nullopt);
  EXPECT_EQ(DictionarySizes::Read((dir.path() / "none.parquet").string(), "status"),
            std::nullopt);
}

TEST(DictionarySizes, EachColumnIsReadOnce) {
  testing::TempDir dir;
  const std::string path = WriteFile(dir.path());
  DictionarySizes sizes;
  EXPECT_EQ(sizes.Of(path, "status"), 3);
  EXPECT_EQ(sizes.Of(path, "code"), std::nullopt);
  std::filesystem::remove(path);
  EXPECT_EQ(sizes.Of(path, "status"), 3);  // kept, not read again
  EXPECT_EQ(sizes.Of(path, "code"), std::nullopt);
  EXPECT_EQ(sizes.Of(path, "price"), std::nullopt);  // first asked now: the file is gone
}

}  // namespace
}  // namespace sluice::catalog
