// A streaming write in a process of its own, for the crash tests (test_crash.py), which
// kill it at random moments and start it again:
//   streaming_writer_child WAREHOUSE TABLE DIRECTORY QUERY_ID [MAX_FILES_PER_EPOCH]
// runs an available-now streaming write of DIRECTORY's Parquet files into TABLE and exits
// 0 when it has taken everything, 1 (printing why) if the query failed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sluice/session.h"
#include "sluice/streaming_write.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s WAREHOUSE TABLE DIRECTORY QUERY_ID [MAX_FILES]\n",
                 argv[0]);
    return 2;
  }
  auto session = sluice::Connect(std::string("local:") + argv[1]);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  auto status = (*session)->RegisterDirectoryStream("incoming", argv[3]);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  sluice::StreamingWriteOptions options;
  options.query_id = argv[4];
  options.trigger = sluice::Trigger::AvailableNow(argc > 5 ? std::atoll(argv[5]) : 1);
  auto frame = (*session)->Sql("SELECT id FROM incoming");
  if (!frame.ok()) {
    std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
    return 1;
  }
  auto query = frame->WriteStream(argv[2], options);
  if (!query.ok()) {
    std::fprintf(stderr, "%s\n", query.status().ToString().c_str());
    return 1;
  }
  (*query)->AwaitTermination();
  if ((*query)->state() != sluice::StreamingState::kFinished) {
    std::fprintf(stderr, "%s\n", (*query)->status().ToString().c_str());
    return 1;
  }
  return 0;
}
