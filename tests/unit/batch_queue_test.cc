#include "common/batch_queue.h"

#include <atomic>
#include <thread>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace sluice {
namespace {

std::shared_ptr<arrow::RecordBatch> Batch(int64_t value) {
  arrow::Int64Builder builder;
  EXPECT_TRUE(builder.Append(value).ok());
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("v", arrow::int64())}), 1,
                                  {builder.Finish().ValueOrDie()});
}

int64_t ValueOf(const std::shared_ptr<arrow::RecordBatch>& batch) {
  return std::static_pointer_cast<arrow::Int64Array>(batch->column(0))->Value(0);
}

TEST(BatchQueue, DeliversInOrderThenEnds) {
  BatchQueue queue(4);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.Push(Batch(i)).ok());
  queue.Finish();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ValueOf(queue.Pop().ValueOrDie()), i);
  EXPECT_EQ(queue.Pop().ValueOrDie(), nullptr);
}

TEST(BatchQueue, PushBlocksWhileFull) {
  BatchQueue queue(2);
  ASSERT_TRUE(queue.Push(Batch(0)).ok());
  ASSERT_TRUE(queue.Push(Batch(1)).ok());
  EXPECT_FALSE(queue.TryPush(Batch(2)).ValueOrDie());
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.Push(Batch(2)).ok());
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(pushed);
  EXPECT_EQ(ValueOf(queue.Pop().ValueOrDie()), 0);
  producer.join();
  EXPECT_TRUE(pushed);
  EXPECT_EQ(queue.high_water_mark(), 2u);
}

TEST(BatchQueue, CancelReleasesABlockedProducerAtOnce) {
  BatchQueue queue(1);
  ASSERT_TRUE(queue.Push(Batch(0)).ok());
  arrow::Status result;
  std::thread producer([&] { result = queue.Push(Batch(1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  queue.Cancel(arrow::Status::Cancelled("reader gone"));
  producer.join();
  EXPECT_LT(testing::MillisSince(start), 100.0);
  EXPECT_TRUE(result.IsCancelled());
  EXPECT_TRUE(queue.TryPush(Batch(2)).status().IsCancelled());
}

TEST(BatchQueue, FailureReachesTheConsumerInsteadOfData) {
  BatchQueue queue(4);
  ASSERT_TRUE(queue.Push(Batch(0)).ok());
  queue.Fail(arrow::Status::IOError("disk on fire"));
  auto popped = queue.Pop();
  ASSERT_FALSE(popped.ok());
  EXPECT_EQ(popped.status().message(), "disk on fire");
  queue.Finish();  // the first end wins
  EXPECT_FALSE(queue.Pop().ok());
}

TEST(BatchQueue, StopTokenInterruptsAWaitingConsumer) {
  BatchQueue queue(4);
  arrow::StopSource stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.RequestStop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto popped = queue.Pop(stop.token());
  stopper.join();
  EXPECT_TRUE(popped.status().IsCancelled());
  EXPECT_LT(testing::MillisSince(start), 150.0);
}

TEST(BatchQueue, WatermarkPausesAtCapacityAndResumesAtHalf) {
  BatchQueue queue(4);
  std::vector<bool> events;
  queue.SetWatermarkCallback([&](bool paused) { events.push_back(paused); });
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.Push(Batch(i)).ok());
  ASSERT_EQ(events, std::vector<bool>({true}));
  ASSERT_TRUE(queue.Pop().ok());
  EXPECT_EQ(events.size(), 1u);  // 3 queued: still above half
  ASSERT_TRUE(queue.Pop().ok());
  EXPECT_EQ(events, std::vector<bool>({true, false}));
}

TEST(BatchQueue, ConcurrentProducersAndConsumerLoseNothing) {
  BatchQueue queue(3);
  constexpr int kProducers = 4, kEach = 2000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(queue.Push(Batch(p * kEach + i)).ok());
    });
  }
  int64_t sum = 0, count = 0;
  std::thread consumer([&] {
    while (count < kProducers * kEach) {
      sum += ValueOf(queue.Pop().ValueOrDie());
      ++count;
    }
  });
  for (auto& t : producers) t.join();
  consumer.join();
  const int64_t n = kProducers * kEach;
  EXPECT_EQ(sum, n * (n - 1) / 2);
  EXPECT_LE(queue.high_water_mark(), 3u);
}

}  // namespace
}  // namespace sluice
