// OffsetLog: the streaming write's input log, its compaction and what a restart reads.
#include <filesystem>

#include <gtest/gtest.h>

#include "api/offset_log.h"
#include "test_util.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

std::string Name(int64_t epoch, int i) {
  return "e" + std::to_string(epoch) + "_" + std::to_string(i) + ".parquet";
}

TEST(OffsetLog, CompactionKeepsEveryFileAndFewEntries) {
  testing::TempDir dir;
  OffsetLog log(dir.path().string(), /*compact_every=*/10);
  ASSERT_TRUE(log.Open().ok());
  std::vector<std::string> all;
  for (int64_t epoch = 0; epoch < 35; ++epoch) {
    std::vector<std::string> files = {Name(epoch, 0), Name(epoch, 1)};
    ASSERT_TRUE(log.Write(epoch, files).ok());
    all.insert(all.end(), files.begin(), files.end());
    ASSERT_TRUE(log.Committed(epoch, all).ok());
    auto read = log.FilesUpTo(epoch);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(*read, all) << "after epoch " << epoch;
  }
  // One compact file (epochs 0..29) and the five entries after it.
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "offsets")) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 6);
  EXPECT_TRUE(fs::exists(dir.path() / "offsets" / "29.compact"));
  // A logged, uncommitted epoch is still there to replay.
  ASSERT_TRUE(log.Write(35, {"pending.parquet"}).ok());
  EXPECT_EQ(**log.Read(35), std::vector<std::string>{"pending.parquet"});
}

TEST(OffsetLog, AMissingEntryIsAnErrorNamingTheEpoch) {
  testing::TempDir dir;
  OffsetLog log(dir.path().string());
  ASSERT_TRUE(log.Open().ok());
  ASSERT_TRUE(log.Write(0, {"a.parquet"}).ok());
  auto read = log.FilesUpTo(1);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("epoch 1"), std::string::npos);
  EXPECT_EQ(*log.FilesUpTo(0), std::vector<std::string>{"a.parquet"});
  EXPECT_TRUE(log.FilesUpTo(-1)->empty());
}

}  // namespace
}  // namespace sluice
