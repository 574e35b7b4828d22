// Structs in, structs out: a complete tour of Sluice's typed rows and session pool.
//   build/bin/example_typed_rows [warehouse-dir]
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <sluice/session_pool.h>
#include <sluice/typed.h>

struct Trade {
  int64_t id;
  std::string sym;
  double price;
  std::optional<int32_t> qty;  // NULL-able
  sluice::Timestamp at;
};
SLUICE_ROW(Trade, id, sym, price, qty, at)

struct Volume {
  std::string sym;
  int64_t trades;
  std::optional<int64_t> shares;
};
SLUICE_ROW(Volume, sym, trades, shares)

namespace {

int Fail(const arrow::Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string warehouse =
      argc > 1 ? argv[1]
               : (std::filesystem::temp_directory_path() / "sluice-example-warehouse")
                     .string();
  std::filesystem::remove_all(warehouse);

  sluice::SessionPoolOptions options;
  options.uri = "local:" + warehouse;
  options.settings = {{"max_buffered_batches", "16"}};  // applied to every session
  auto pool = sluice::SessionPool::Make(options).ValueOrDie();
  auto session = pool->Borrow().ValueOrDie();  // back to the pool at the end of scope

  // DDL with Exec, rows with Insert (one Delta commit).
  auto created = sluice::Exec(*session,
                              "CREATE TABLE trades (id BIGINT NOT NULL, sym VARCHAR, "
                              "price DOUBLE, qty INT, at TIMESTAMP)");
  if (!created.ok()) return Fail(created.status());
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  std::vector<Trade> trades;
  for (int64_t i = 0; i < 1000; ++i) {
    trades.push_back({i, i % 3 == 0 ? "ACME" : "INIT", 10.0 + i * 0.01,
                      i % 10 == 0 ? std::nullopt : std::optional<int32_t>(i % 100), now});
  }
  auto inserted = sluice::Insert(*session, "trades", trades);
  if (!inserted.ok()) return Fail(inserted.status());
  std::printf("inserted %lld trades as version %lld\n",
              static_cast<long long>(inserted->rows_affected),
              static_cast<long long>(inserted->version));

  // Collect: parameters with ? are bound, never spliced.
  auto volumes =
      sluice::Query<Volume>(*session,
                            "SELECT sym, count(*) AS trades, sum(qty) AS shares "
                            "FROM trades WHERE price > ? GROUP BY sym ORDER BY sym",
                            12.5)
          .Collect();
  if (!volumes.ok()) return Fail(volumes.status());
  for (const auto& v : *volumes) {
    std::printf("%s: %lld trades, %lld shares\n", v.sym.c_str(),
                static_cast<long long>(v.trades),
                static_cast<long long>(v.shares.value_or(0)));
  }

  // First, and the "no rows" case.
  auto missing =
      sluice::Query<Trade>(*session, "SELECT * FROM trades WHERE id = $1", int64_t{-1})
          .First();
  std::printf("trade -1: %s\n",
              sluice::IsNoRows(missing.status()) ? "no rows" : "found?");

  // Stream: batch by batch from a bounded stream; leaving the loop cancels the query.
  auto stream = sluice::FromTable<Trade>(*session, "trades").Stream();
  if (!stream.ok()) return Fail(stream.status());
  double notional = 0;
  for (const Trade& t : **stream) notional += t.price * t.qty.value_or(0);
  if (!(*stream)->status().ok()) return Fail((*stream)->status());
  std::printf("notional %.2f\n", notional);
  return 0;
}
