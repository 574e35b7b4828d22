// Session settings (SET/RESET/SHOW) and the session pool.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "sluice/session_pool.h"
#include "sluice/typed.h"
#include "test_util.h"

namespace pool_test {
struct Setting {
  std::string name;
  std::string setting;
};
}  // namespace pool_test
SLUICE_ROW(pool_test::Setting, name, setting)

namespace sluice {
namespace {

TEST(SessionSettings, SetResetShowAndTheirEffect) {
  auto session = Connect().ValueOrDie();
  EXPECT_EQ(session->Get("max_buffered_batches").ValueOrDie(), "8");
  ASSERT_TRUE(session->Exec("SET max_buffered_batches = 2").ok());
  ASSERT_TRUE(session->Exec("SET threads TO 1").ok());
  ASSERT_TRUE(session->Exec("SET memory_limit = '64MB'").ok());
  auto shown = Query<pool_test::Setting>(*session, "SHOW max_buffered_batches")
                   .First()
                   .ValueOrDie();
  EXPECT_EQ(shown.setting, "2");
  auto all = Query<pool_test::Setting>(*session, "SHOW ALL").Collect().ValueOrDie();
  EXPECT_EQ(all.size(), 5u);
  // The memory limit applies to queries that do not set their own.
  auto over =
      session->Sql("SELECT id % 3000000 AS k, count(*) FROM range(6000000) GROUP BY 1")
          ->Collect();
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("memory limit of 64 MiB"), std::string::npos)
      << over.status();
  ExecOptions own;
  own.memory_limit_bytes = 0;  // explicit options win
  EXPECT_TRUE(
      session->Sql("SELECT id % 3000000 AS k, count(*) FROM range(6000000) GROUP BY 1")
          ->Collect(own)
          .ok());
  ASSERT_TRUE(session->Exec("RESET ALL").ok());
  EXPECT_EQ(session->Get("memory_limit").ValueOrDie(), "0");
  // Bad names and values say what is wrong.
  auto unknown = session->Exec("SET nope = 1");
  EXPECT_NE(unknown.status().message().find("unknown setting \"nope\""),
            std::string::npos);
  auto bad = session->Exec("SET max_buffered_batches = 0");
  EXPECT_NE(bad.status().message().find("takes an integer >= 1"), std::string::npos)
      << bad.status();
  EXPECT_FALSE(session->Set("timezone", "Europe/Paris").ok());
  EXPECT_TRUE(session->Set("timezone", "utc").ok());
  EXPECT_FALSE(session->Exec("SET LOCAL threads = 1").ok());
}

// 32 threads borrowing at once: no session is used by two threads at a time, the pool
// never exceeds its size, and every session has the configured settings.
TEST(SessionPool, ManyThreadsShareABoundedPool) {
  SessionPoolOptions options;
  options.max_sessions = 4;
  options.settings = {{"max_buffered_batches", "3"}, {"threads", "1"}};
  auto pool = SessionPool::Make(options).ValueOrDie();
  std::mutex mutex;
  std::map<Session*, int> in_use;
  std::set<Session*> seen;
  std::atomic<int> failures{0}, max_size{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto lease = pool->Borrow();
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (++in_use[lease->session().get()] != 1) ++failures;
          seen.insert(lease->session().get());
        }
        max_size = std::max<int>(max_size, static_cast<int>(pool->size()));
        if ((*lease)->Get("max_buffered_batches").ValueOrDie() != "3") ++failures;
        auto n = Query<pool_test::Setting>(**lease,
                                           "SELECT 'n' AS name, CAST(count(*) AS "
                                           "VARCHAR) AS setting FROM range(1000)")
                     .First();
        if (!n.ok() || n->setting != "1000") ++failures;
        std::lock_guard<std::mutex> lock(mutex);
        --in_use[lease->session().get()];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(max_size.load(), 4);
  EXPECT_LE(seen.size(), 4u);
  EXPECT_EQ(pool->borrowed(), 0u);
  EXPECT_TRUE(pool->Close(std::chrono::seconds(1)).ok());
  EXPECT_FALSE(pool->Borrow().ok());
}

TEST(SessionPool, AFailingSettingIsTheBorrowsErrorAndLeaksNothing) {
  SessionPoolOptions options;
  options.max_sessions = 2;
  options.settings = {{"max_buffered_batches", "many"}};
  auto pool = SessionPool::Make(options).ValueOrDie();
  for (int i = 0; i < 5; ++i) {
    auto lease = pool->Borrow(std::chrono::milliseconds(100));
    ASSERT_FALSE(lease.ok());
    EXPECT_NE(
        lease.status().message().find("setting max_buffered_batches = 'many' failed"),
        std::string::npos)
        << lease.status();
  }
  EXPECT_EQ(pool->size(), 0u);  // each borrow tried again; no slot was lost
}

TEST(SessionPool, BorrowWaitsThenTimesOutAndCloseWaitsForLeases) {
  SessionPoolOptions options;
  options.max_sessions = 1;
  auto pool = SessionPool::Make(options).ValueOrDie();
  auto held = pool->Borrow().ValueOrDie();
  const auto start = std::chrono::steady_clock::now();
  auto second = pool->Borrow(std::chrono::milliseconds(200));
  EXPECT_FALSE(second.ok());
  EXPECT_GE(testing::MillisSince(start), 190);
  EXPECT_NE(second.status().message().find("no free session"), std::string::npos);
  // A discarded session is replaced by a new one (without what was set on the old).
  ASSERT_TRUE(held->Set("threads", "3").ok());
  held.Discard();
  { auto gone = std::move(held); }
  EXPECT_EQ(pool->size(), 0u);
  auto fresh = pool->Borrow().ValueOrDie();
  EXPECT_EQ(fresh->Get("threads").ValueOrDie(), "0");
  std::thread returner([lease = std::move(fresh)]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    { auto done = std::move(lease); }
  });
  EXPECT_TRUE(pool->Close(std::chrono::seconds(5)).ok());
  returner.join();
  auto early = SessionPool::Make(options).ValueOrDie();
  auto kept = early->Borrow().ValueOrDie();
  EXPECT_FALSE(early->Close(std::chrono::milliseconds(50)).ok());
}

}  // namespace
}  // namespace sluice
