"""Streaming throughput, time to first batch and peak RSS: Sluice vs DuckDB vs DataFusion.

Each engine streams the same query's result batch by batch (DuckDB: fetch_record_batch;
DataFusion: __arrow_c_stream__; Sluice: DataFrame::Stream) in a fresh process, so peak RSS
is that run's own. Every run is repeated; the table reports medians and ratios to Sluice
and is written to bench/results/streaming.md.

    .venv/bin/python bench/streaming.py [--build build] [--runs 3] [--rows 100000000]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

PYTHON_DRIVER = textwrap.dedent("""
    import json, resource, sys, time
    import pyarrow as pa
    engine, sql, parquet = sys.argv[1], sys.argv[2], sys.argv[3]
    # Imports and connections are made before the clock starts, as for Sluice.
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
    else:
        import datafusion
        ctx = datafusion.SessionContext()
        if parquet:
            ctx.register_parquet("trades", parquet)
    start = time.perf_counter()
    if engine == "duckdb":
        reader = con.sql(sql).fetch_record_batch(65536)
    else:
        reader = pa.RecordBatchReader.from_stream(ctx.sql(sql))
    first, rows = None, 0
    for batch in reader:
        if first is None:
            first = time.perf_counter() - start
        rows += batch.num_rows
    total = time.perf_counter() - start
    print(json.dumps({"rows": rows, "first_batch_s": first, "total_s": total,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")


def make_parquet(path, rows):
    if os.path.exists(path):
        return
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    writer = None
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        table = pa.table({
            "id": pa.array(range(start, start + n), pa.int64()),
            "price": pc.multiply(pc.random(n), 1000.0),
            "qty": pc.cast(pc.floor(pc.multiply(pc.random(n), 100.0)), pa.int64()),
            "a": pc.random(n),
            "b": pc.random(n),
        })
        if writer is None:
            writer = pq.ParquetWriter(path + ".tmp", table.schema)
        writer.write_table(table, row_group_size=chunk)
    writer.close()
    os.rename(path + ".tmp", path)


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--parquet-rows", type=int, default=33_000_000)
    args = parser.parse_args()

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    parquet = os.path.join(data_dir, f"trades_{args.parquet_rows}.parquet")
    make_parquet(parquet, args.parquet_rows)
    parquet_gb = os.path.getsize(parquet) / 1e9

    n = args.rows
    workloads = [
        ("range + 3 computed columns", 4, None, {
            "sluice": f"SELECT id, id * 2 AS a, id + 1 AS b, id % 7 AS c FROM range({n})",
            "duckdb": f"SELECT range AS id, range * 2 AS a, range + 1 AS b, range % 7 AS c FROM range({n})",
            "datafusion": f"SELECT value AS id, value * 2 AS a, value + 1 AS b, value % 7 AS c FROM range({n})",
        }),
        (f"Parquet filter + projection ({parquet_gb:.2f} GB file)", 2, parquet_gb, {
            "sluice": f"SELECT id, price * qty AS notional FROM read_parquet('{parquet}') WHERE price > 900",
            "duckdb": f"SELECT id, price * qty AS notional FROM read_parquet('{parquet}') WHERE price > 900",
            "datafusion": "SELECT id, price * qty AS notional FROM trades WHERE price > 900",
        }),
    ]
    bench_bin = os.path.join(args.build, "bin", "stream_bench")
    results = []
    for name, columns, input_gb, queries in workloads:
        samples = {engine: [] for engine in queries}
        for _ in range(args.runs):  # engines interleaved, so machine noise spreads evenly
            for engine, sql in queries.items():
                if engine == "sluice":
                    samples[engine].append(run([bench_bin, sql]))
                else:
                    samples[engine].append(run([sys.executable, "-c", PYTHON_DRIVER, engine, sql,
                                                parquet if "trades" in sql else ""]))
        rows = {e: s[0]["rows"] for e, s in samples.items()}
        assert len(set(rows.values())) == 1, f"engines disagree on row counts: {rows}"
        for engine, runs in samples.items():
            total = statistics.median(r["total_s"] for r in runs)
            results.append({
                "workload": name, "engine": engine, "rows": rows[engine], "total_s": total,
                "rows_per_s": rows[engine] / total,
                "gb_per_s": rows[engine] * columns * 8 / total / 1e9,
                "input_gb_per_s": input_gb / total if input_gb else None,
                "first_batch_ms": statistics.median(r["first_batch_s"] for r in runs) * 1000,
                "peak_rss_mib": statistics.median(r["peak_rss_kib"] for r in runs) / 1024,
            })

    lines = [
        "# Streaming results: Sluice vs DuckDB vs DataFusion", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}. "
        f"Median of {args.runs} runs, engines interleaved, each run in a fresh process.", "",
        "Command: `make bench` (`.venv/bin/python bench/streaming.py --build build "
        f"--runs {args.runs} --rows {args.rows} --parquet-rows {args.parquet_rows}`)", "",
        "Result GB/s counts the result's fixed-width bytes (8 per value); input GB/s is the "
        "Parquet file's size over the time. Ratio: the engine's speed relative to Sluice's "
        "(Sluice's time over the engine's; above 1 is faster than Sluice).", "",
        "| workload | engine | result rows | time (s) | result rows/s | result GB/s | input GB/s "
        "| ratio | first batch (ms) | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = next(x for x in results if x["workload"] == r["workload"] and x["engine"] == "sluice")
        input_rate = f"{r['input_gb_per_s']:.2f}" if r["input_gb_per_s"] else "-"
        lines.append(f"| {r['workload']} | {r['engine']} | {r['rows']:,} | {r['total_s']:.3f} | "
                     f"{r['rows_per_s'] / 1e6:.1f} M | {r['gb_per_s']:.2f} | {input_rate} | "
                     f"{base['total_s'] / r['total_s']:.2f} | {r['first_batch_ms']:.1f} | "
                     f"{r['peak_rss_mib']:.0f} |")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "streaming.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
