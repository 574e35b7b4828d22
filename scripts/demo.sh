#!/usr/bin/env bash
# The main job on the embedded engine: make a Parquet file of trades, then stream queries
# over it and over a generated range.
set -euo pipefail
build=${1:-build}
sluice="$build/bin/sluice"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

.venv/bin/python - "$data/trades.parquet" <<'PY'
import sys
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
n = 2_000_000
ids = pa.array(range(n), pa.int64())
symbols = pa.array(["AAPL", "MSFT", "NVDA", "AMZN"])
table = pa.table({
    "id": ids,
    "sym": pc.take(symbols, pc.cast(pc.bit_wise_and(ids, 3), pa.int32())),
    "price": pc.add(pc.divide(pc.cast(pc.bit_wise_and(pc.multiply(ids, 7919), 1023), pa.float64()), 10.0), 100.0),
    "qty": pc.add(pc.bit_wise_and(ids, 63), 1),
})
pq.write_table(table, sys.argv[1], row_group_size=250_000)
PY

echo "== Aggregate over $(basename "$data")/trades.parquet (2,000,000 rows)"
"$sluice" -c "SELECT sym, count(*) AS trades, round(avg(price), 2) AS avg_price, sum(qty) AS volume
              FROM read_parquet('$data/trades.parquet') GROUP BY sym ORDER BY volume DESC"
echo
echo "== Streaming: the first rows of a 10^12-row query reach 'head' at once, then the query stops"
time (set +o pipefail; "$sluice" --format csv -c "SELECT id, id * id AS square FROM range(1000000000000)" | head -4)
echo
echo "== NDJSON of a filtered scan"
"$sluice" --format ndjson -c "SELECT id, sym, price FROM read_parquet('$data/trades.parquet')
                              WHERE price > 202 AND sym = 'NVDA' LIMIT 3"
