// Parquet files read with a filter: row groups and pages skipped by their statistics.
#include <filesystem>
#include <functional>
#include <optional>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include "sluice/session.h"
#include "test_util.h"

namespace sluice {
namespace {

using testing::RowsScanned;

// (k BIGINT, i INTEGER, s VARCHAR, v DOUBLE) rows k in [0, rows), i = k % 1000, s = a
// padding of k % 40 'x's then k, v = k / 2 or NULL on every fifth row.
std::shared_ptr<arrow::Table> Rows(int64_t rows) {
  arrow::Int64Builder ks;
  arrow::Int32Builder is;
  arrow::StringBuilder ss;
  arrow::DoubleBuilder vs;
  for (int64_t k = 0; k < rows; ++k) {
    EXPECT_TRUE(ks.Append(k).ok());
    EXPECT_TRUE(is.Append(static_cast<int32_t>(k % 1000)).ok());
    EXPECT_TRUE(ss.Append(std::string(k % 40, 'x') + std::to_string(k)).ok());
    EXPECT_TRUE((k % 5 == 0 ? vs.AppendNull() : vs.Append(k / 2.0)).ok());
  }
  auto schema = arrow::schema(
      {arrow::field("k", arrow::int64()), arrow::field("i", arrow::int32()),
       arrow::field("s", arrow::utf8()), arrow::field("v", arrow::float64())});
  return arrow::Table::Make(schema, {ks.Finish().ValueOrDie(), is.Finish().ValueOrDie(),
                                     ss.Finish().ValueOrDie(), vs.Finish().ValueOrDie()});
}

// Writes `table` in row groups of `row_group_rows`, pages of at most `page_bytes` bytes
// (so wide columns have more pages than narrow ones), without dictionaries.
std::string Write(const std::filesystem::path& path, const arrow::Table& table,
                  int64_t row_group_rows, int64_t page_bytes, bool page_index) {
  auto builder = parquet::WriterProperties::Builder();
  builder.disable_dictionary()->data_pagesize(page_bytes)->write_batch_size(64);
  if (page_index) {
    builder.enable_write_page_index();
  } else {
    builder.disable_write_page_index();
  }
  auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(table, arrow::default_memory_pool(), out,
                                         row_group_rows, builder.build())
                  .ok());
  EXPECT_TRUE(out->Close().ok());
  return path.string();
}

int64_t Single(Session& session, const std::string& sql) {
  auto table = session.Sql(sql)->Collect().ValueOrDie()->CombineChunks().ValueOrDie();
  return std::static_pointer_cast<arrow::Int64Array>(table->column(0)->chunk(0))
      ->Value(0);
}

TEST(ParquetScan, PagesStartingAtDifferentRowsAreSkippedWhereTheirStartsMeet) {
  testing::TempDir dir;
  const auto file = Write(dir.path() / "f.parquet", *Rows(50000), 50000, 4096, true);
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  const std::string from = " FROM read_parquet('" + file + "')";
  // k alone: its own pages (of 512 rows) are the unit.
  const int64_t narrow = RowsScanned(*session, "SELECT k" + from + " WHERE k >= 49000");
  EXPECT_GE(narrow, 1000);
  EXPECT_LE(narrow, 1000 + 512);
  // With i, whose pages hold twice as many rows, the runs between starts both share
  // (of two k pages each).
  const int64_t paired =
      RowsScanned(*session, "SELECT k, i" + from + " WHERE k >= 49000");
  EXPECT_GE(paired, narrow);
  EXPECT_LE(paired, 1000 + 2 * 1024);
  // s's pages hold fewer rows, and fewer than k's divide them evenly: longer runs.
  const int64_t wide = RowsScanned(*session, "SELECT k, s" + from + " WHERE k >= 49000");
  EXPECT_GE(wide, narrow);
  EXPECT_LE(wide, 1000 + 4 * 1024);
  // The answers do not change.
  EXPECT_EQ(Single(*session, "SELECT count(s)" + from + " WHERE k >= 49000"), 1000);
  EXPECT_EQ(Single(*session, "SELECT sum(k)" + from + " WHERE k BETWEEN 20000 AND 20009"),
            200045);
  EXPECT_EQ(Single(*session, "SELECT count(*)" + from + " WHERE v IS NULL AND k < 1000"),
            200);
  EXPECT_EQ(Single(*session, "SELECT count(*)" + from + " WHERE v > 24000 OR k < 10"),
            1610);
}

TEST(ParquetScan, FilesWithoutPageIndexesSkipRowGroupsOnly) {
  testing::TempDir dir;
  const auto file = Write(dir.path() / "f.parquet", *Rows(50000), 10000, 4096, false);
  auto session = Connect("local:" + dir.path().string()).ValueOrDie();
  const std::string from = " FROM read_parquet('" + file + "')";
  EXPECT_EQ(RowsScanned(*session, "SELECT k" + from + " WHERE k >= 49000"), 10000);
  EXPECT_EQ(RowsScanned(*session, "SELECT k" + from + " WHERE k < 0"), 0);
  EXPECT_EQ(RowsScanned(*session, "SELECT k" + from + " WHERE s > '0'"), 50000)
      << "every row group holds such strings";
  EXPECT_EQ(Single(*session, "SELECT count(*)" + from + " WHERE k >= 49000"), 1000);
}

// (k BIGINT, s VARCHAR) with s NULL on every seventh row, else one of `distinct` values
// of lengths 0 to 29.
std::shared_ptr<arrow::Table> Labels(int64_t rows, int64_t distinct) {
  arrow::Int64Builder ks;
  arrow::StringBuilder ss;
  for (int64_t k = 0; k < rows; ++k) {
    EXPECT_TRUE(ks.Append(k).ok());
    const int64_t label = (k * 7919) % distinct;
    EXPECT_TRUE((k % 7 == 3 ? ss.AppendNull()
                            : ss.Append(std::string(label % 30, 'a' + label % 26) +
                                        (label % 30 ? std::to_string(label) : "")))
                    .ok());
  }
  auto schema = arrow::schema(
      {arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8())});
  return arrow::Table::Make(schema, {ks.Finish().ValueOrDie(), ss.Finish().ValueOrDie()});
}

// Whether every data page of column `column` is dictionary encoded.
bool AllDictionaryPages(const std::string& path, int column) {
  auto reader = parquet::ParquetFileReader::OpenFile(path);
  auto metadata = reader->metadata();
  for (int g = 0; g < metadata->num_row_groups(); ++g) {
    const auto row_group = metadata->RowGroup(g);
    const auto chunk = row_group->ColumnChunk(column);
    for (const auto& page : chunk->encoding_stats()) {
      if (page.page_type == parquet::PageType::DATA_PAGE &&
          page.encoding != parquet::Encoding::RLE_DICTIONARY &&
          page.encoding != parquet::Encoding::PLAIN_DICTIONARY) {
        return false;
      }
    }
  }
  return true;
}

// Strings read through their dictionaries (every page dictionary encoded) and through
// the reader's own decoding (some pages fell back to plain) come back as written, NULLs
// included, with and without a filter.
TEST(ParquetScan, DictionaryEncodedStringsReadBackAsWritten) {
  testing::TempDir dir;
  struct Case {
    int64_t distinct;
    bool all_dictionary;
  };
  for (const Case& c : {Case{50, true}, Case{40000, false}}) {
    SCOPED_TRACE(c.distinct);
    auto table = Labels(60000, c.distinct);
    const auto path =
        (dir.path() / ("f" + std::to_string(c.distinct) + ".parquet")).string();
    auto builder = parquet::WriterProperties::Builder();
    builder.dictionary_pagesize_limit(16 * 1024)->data_pagesize(8 * 1024);
    auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                           20000, builder.build())
                    .ok());
    ASSERT_TRUE(out->Close().ok());
    ASSERT_EQ(AllDictionaryPages(path, 1), c.all_dictionary);

    auto session = Connect("local:" + dir.path().string()).ValueOrDie();
    const std::string from = " FROM read_parquet('" + path + "')";
    for (const std::string where : {"", " WHERE k >= 30000"}) {
      auto read = session->Sql("SELECT s" + from + where + " ORDER BY k")
                      ->Collect()
                      .ValueOrDie()
                      ->CombineChunks()
                      .ValueOrDie();
      const int64_t first = where.empty() ? 0 : 30000;
      auto expected = table->column(1)->Slice(first)->chunk(0);
      ASSERT_EQ(read->num_rows(), expected->length());
      EXPECT_TRUE(read->column(0)->chunk(0)->Equals(*expected)) << where;
    }
    // Filters judged on the dictionary (each conjunct on s alone), NULLs included, and
    // ones that are not (an OR across columns): the rows SQL's rules keep.
    const auto& values =
        static_cast<const arrow::StringArray&>(*table->column(1)->chunk(0));
    using Row = std::function<bool(int64_t k, const std::optional<std::string>& s)>;
    const std::vector<std::pair<std::string, Row>> filters = {
        {"s = 'ppppppppppppppp15'",
         [](int64_t, const auto& s) { return s == "ppppppppppppppp15"; }},
        {"s IS NULL", [](int64_t, const auto& s) { return !s; }},
        {"s <> '' AND k < 40000",
         [](int64_t k, const auto& s) { return s && *s != "" && k < 40000; }},
        {"coalesce(s, 'zz') = 'zz'", [](int64_t, const auto& s) { return !s; }},
        {"s LIKE 'b%' OR s IN ('', 'ddd3')",
         [](int64_t, const auto& s) {
           return s && (s->rfind("b", 0) == 0 || *s == "" || *s == "ddd3");
         }},
        {"s = 'eeee4' OR k = 5",
         [](int64_t k, const auto& s) { return s == "eeee4" || k == 5; }}};
    // No statistics rule out a row group for this one; every row is read, dropped or not.
    EXPECT_EQ(
        RowsScanned(*session, "SELECT k" + from + " WHERE coalesce(s, 'zz') = 'zz'"),
        60000);
    for (const auto& [where, keep] : filters) {
      int64_t expected = 0;
      for (int64_t k = 0; k < values.length(); ++k) {
        std::optional<std::string> s;
        if (values.IsValid(k)) s = std::string(values.GetView(k));
        expected += keep(k, s) ? 1 : 0;
      }
      EXPECT_GT(expected, 0) << where;
      EXPECT_EQ(Single(*session, "SELECT count(*)" + from + " WHERE " + where), expected)
          << where;
    }
  }
}

}  // namespace
}  // namespace sluice
