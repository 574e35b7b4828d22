// Runs one tests/sql/*.test file: records of statements with their expected rows or
// errors, in a format close to sqllogictest:
//
//   query [rowsort]          -- rows follow "----", one per line, tab-separated,
//   SELECT ...               -- NULL for nulls; rowsort compares them sorted
//   ----
//   1	a
//
//   statement error <text>   -- the statement must fail with a message containing text
//   SELECT ...
//
//   statement ok             -- DDL/DML (run with Exec) or a query that must succeed
//   INSERT INTO t VALUES (1)
//
// Records are separated by blank lines; '#' starts a comment line. "__TEST_DIR__" in SQL
// is replaced by a directory holding fixture files (see WriteFixtures).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/compute/cast.h>
#include <arrow/csv/writer.h>
#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <parquet/arrow/writer.h>

#include "sluice/session.h"

namespace {

namespace fs = std::filesystem;

std::shared_ptr<arrow::Table> PeopleTable() {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::Int32Builder ages;
  const char* people[] = {"ada", "bob", "cy", "dee", "eve"};
  for (int i = 0; i < 5; ++i) {
    (void)ids.Append(i + 1);
    (void)names.Append(people[i]);
    if (i == 2) {
      (void)ages.AppendNull();
    } else {
      (void)ages.Append(20 + i * 10);
    }
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()),
                               arrow::field("name", arrow::utf8()),
                               arrow::field("age", arrow::int32())});
  return arrow::Table::Make(schema,
                            {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie(),
                             ages.Finish().ValueOrDie()});
}

// Rows [first, first + count) of (id BIGINT, grp VARCHAR, x DOUBLE).
std::shared_ptr<arrow::Table> NumbersTable(int64_t first, int64_t count) {
  arrow::Int64Builder ids;
  arrow::StringBuilder groups;
  arrow::DoubleBuilder xs;
  for (int64_t i = first; i < first + count; ++i) {
    (void)ids.Append(i);
    (void)groups.Append(i % 2 == 0 ? "even" : "odd");
    (void)xs.Append(static_cast<double>(i) / 2);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()),
                               arrow::field("grp", arrow::utf8()),
                               arrow::field("x", arrow::float64())});
  return arrow::Table::Make(schema,
                            {ids.Finish().ValueOrDie(), groups.Finish().ValueOrDie(),
                             xs.Finish().ValueOrDie()});
}

arrow::Status WriteFixtures(const fs::path& dir) {
  fs::create_directories(dir);
  for (int part = 0; part < 2; ++part) {
    ARROW_ASSIGN_OR_RAISE(
        auto out, arrow::io::FileOutputStream::Open(
                      (dir / ("numbers_" + std::to_string(part) + ".parquet")).string()));
    ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(
        *NumbersTable(part * 100, 100), arrow::default_memory_pool(), out, 25));
  }
  auto people = PeopleTable();
  {
    ARROW_ASSIGN_OR_RAISE(
        auto out, arrow::io::FileOutputStream::Open((dir / "people.csv").string()));
    ARROW_RETURN_NOT_OK(
        arrow::csv::WriteCSV(*people, arrow::csv::WriteOptions::Defaults(), out.get()));
  }
  {
    ARROW_ASSIGN_OR_RAISE(
        auto out, arrow::io::FileOutputStream::Open((dir / "people.arrow").string()));
    ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeFileWriter(out, people->schema()));
    ARROW_RETURN_NOT_OK(writer->WriteTable(*people));
    ARROW_RETURN_NOT_OK(writer->Close());
  }
  // A Parquet file cut in the middle: the footer is gone.
  {
    std::ifstream in(dir / "numbers_0.parquet", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    std::ofstream out(dir / "corrupt.parquet", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  return arrow::Status::OK();
}

std::string Render(const std::shared_ptr<arrow::Table>& table) {
  std::vector<std::shared_ptr<arrow::StringArray>> columns;
  auto combined = table->CombineChunks().ValueOrDie();
  std::ostringstream out;
  for (int c = 0; c < combined->num_columns(); ++c) {
    auto chunked = combined->column(c);
    std::shared_ptr<arrow::Array> array =
        chunked->num_chunks() ? chunked->chunk(0)
                              : arrow::MakeArrayOfNull(chunked->type(), 0).ValueOrDie();
    auto text = arrow::compute::Cast(*array, arrow::utf8()).ValueOrDie();
    columns.push_back(std::static_pointer_cast<arrow::StringArray>(text));
  }
  for (int64_t r = 0; r < combined->num_rows(); ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out << '\t';
      out << (columns[c]->IsNull(r) ? "NULL" : columns[c]->GetString(r));
    }
    out << '\n';
  }
  return out.str();
}

std::string SortLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos;
       at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sql_runner FILE.test\n");
    return 2;
  }
  const fs::path test_dir =
      fs::temp_directory_path() / ("sluice_sql_" + std::to_string(getpid()));
  if (auto status = WriteFixtures(test_dir); !status.ok()) {
    std::fprintf(stderr, "fixtures: %s\n", status.ToString().c_str());
    return 1;
  }
  auto session =
      sluice::Connect("local:" + (test_dir / "warehouse").string()).ValueOrDie();
  (void)session->RegisterTable("people", PeopleTable());

  std::ifstream in(argv[1]);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  int failures = 0, records = 0;
  for (size_t i = 0; i < lines.size();) {
    if (lines[i].empty() || lines[i][0] == '#') {
      ++i;
      continue;
    }
    const size_t header_line = i + 1;
    std::istringstream header(lines[i++]);
    std::string kind, mode;
    header >> kind >> mode;
    std::string expected_error;
    if (kind == "statement" && mode == "error") {
      std::getline(header, expected_error);
      expected_error.erase(0, expected_error.find_first_not_of(' '));
    }
    std::string sql, expected;
    while (i < lines.size() && !lines[i].empty() && lines[i] != "----")
      sql += lines[i++] + "\n";
    if (i < lines.size() && lines[i] == "----") {
      for (++i; i < lines.size() && !lines[i].empty(); ++i) expected += lines[i] + "\n";
    }
    ReplaceAll(&sql, "__TEST_DIR__", test_dir.string());
    ++records;
    auto fail = [&](const std::string& why) {
      ++failures;
      std::fprintf(stderr, "%s:%zu: FAILED\n%s\n%s\n\n", argv[1], header_line,
                   sql.c_str(), why.c_str());
    };
    arrow::Result<std::shared_ptr<arrow::Table>> result;
    if (sluice::Session::IsQuery(sql)) {
      auto frame = session->Sql(sql);
      result = frame.ok() ? frame->Collect()
                          : arrow::Result<std::shared_ptr<arrow::Table>>(frame.status());
    } else {
      auto executed = session->Exec(sql);
      result = executed.ok()
                   ? arrow::Table::MakeEmpty(arrow::schema({}))
                   : arrow::Result<std::shared_ptr<arrow::Table>>(executed.status());
    }
    if (kind == "statement" && mode == "error") {
      if (result.ok()) {
        fail("expected an error containing '" + expected_error + "', but it succeeded");
      } else if (result.status().message().find(expected_error) == std::string::npos) {
        fail("expected an error containing '" + expected_error +
             "', got: " + result.status().ToString());
      }
      continue;
    }
    if (!result.ok()) {
      fail("unexpected error: " + result.status().ToString());
      continue;
    }
    if (kind == "statement") continue;
    std::string actual = Render(*result);
    if (mode == "rowsort") {
      actual = SortLines(actual);
      expected = SortLines(expected);
    }
    if (actual != expected) fail("expected:\n" + expected + "actual:\n" + actual);
  }
  fs::remove_all(test_dir);
  std::printf("%s: %d records, %d failed\n", argv[1], records, failures);
  return failures == 0 && records > 0 ? 0 : 1;
}
