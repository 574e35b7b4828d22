"""Streaming query results into Python: Sluice's package vs DuckDB, DataFusion and Polars.

The same Parquet file and queries for every engine; each run in a fresh process (so peak
RSS is that run's own), medians of several runs, ratios to Sluice. Consumers:
- pyarrow: the result's record batches are iterated (Sluice: ``for batch in frame``;
  DuckDB: ``fetch_record_batch``; DataFusion: ``__arrow_c_stream__``; Polars:
  ``collect_batches``), nothing is kept;
- polars: the whole result becomes a Polars DataFrame (``pl.DataFrame(frame)``).
Also: the C++ path (stream_bench) on the same query, to measure what the Python boundary
costs on 64k-row batches, and the per-batch overhead on tiny batches. Writes
bench/results/python_stream.md.

    .venv/bin/python bench/python_stream.py [--build build] [--runs 5] [--rows 10000000]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

QUERIES = {
    "scan": "SELECT id, k, v, s FROM t",
    "filter+project": "SELECT id, v * 2 AS v2, s FROM t WHERE k < 30",
}

DRIVER = textwrap.dedent("""
    import json, resource, sys, time
    import pyarrow as pa
    engine, consumer, sql, path = sys.argv[1:5]
    table_sql = sql.replace(" FROM t", " FROM read_parquet('" + path + "')")
    if engine == "sluice":
        import sluice
        session = sluice.connect()
    elif engine == "duckdb":
        import duckdb
        con = duckdb.connect()
    elif engine == "datafusion":
        import datafusion
        ctx = datafusion.SessionContext()
        ctx.register_parquet("t", path)
    if engine == "polars" or consumer == "polars":
        import polars as pl

    def polars_query():
        lf = pl.scan_parquet(path)
        if "WHERE" in sql:
            lf = lf.filter(pl.col("k") < 30).select(
                pl.col("id"), (pl.col("v") * 2).alias("v2"), pl.col("s"))
        return lf

    start = time.perf_counter()
    rows = batches = 0
    if engine == "sluice":
        source = session.sql(table_sql)
    elif engine == "duckdb":
        source = con.sql(table_sql)
    elif engine == "datafusion":
        source = ctx.sql(sql)
    if consumer == "pyarrow":
        if engine == "sluice":
            it = iter(source)
        elif engine == "duckdb":
            it = source.fetch_record_batch(65536)
        elif engine == "datafusion":
            it = pa.RecordBatchReader.from_stream(source)
        else:
            it = (b.to_arrow() for b in polars_query().collect_batches())
        for batch in it:
            rows += batch.num_rows
            batches += 1
    else:
        if engine == "polars":
            df = polars_query().collect(engine="streaming")
        elif engine == "duckdb":
            df = source.pl()
        else:
            df = pl.DataFrame(source)
        rows = df.height
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "batches": batches, "s": seconds, "rss_kib": peak}))
""")

OVERHEAD = textwrap.dedent("""
    import json, sys, time
    import pyarrow as pa
    import sluice
    batches, rows_per_batch, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    session = sluice.connect()
    chunk = pa.record_batch([pa.array(range(rows_per_batch), pa.int64())], names=["x"])
    session.register("small", pa.Table.from_batches([chunk] * batches))
    frame = session.sql("SELECT x FROM small")
    out = {}
    for how in ("iter", "pyarrow"):
        start = time.perf_counter()
        it = iter(frame) if how == "iter" else pa.RecordBatchReader.from_stream(frame)
        n = sum(1 for _ in it)
        out[how] = (time.perf_counter() - start) / n * 1e6
        assert n == batches, n
    print(json.dumps(out))
""")


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_data(path, rows):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    writer = None
    step = 1 << 20
    for first in range(0, rows, step):
        n = min(step, rows - first)
        ids = pa.array(range(first, first + n), pa.int64())
        batch = pa.record_batch({
            "id": ids,
            "k": pc.bit_wise_and(pc.multiply(ids, 7919), 127),
            "v": pc.divide(pc.cast(ids, pa.float64()), 3.0),
            "s": pc.cast(pc.bit_wise_and(ids, 4095), pa.string()),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, batch.schema)
        writer.write_batch(batch, row_group_size=step)
    writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    python = sys.executable
    engines = ["sluice", "duckdb", "datafusion", "polars"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.parquet")
        make_data(path, args.rows)
        results = {}
        for qname, sql in QUERIES.items():
            table_sql = sql.replace(" FROM t", f" FROM read_parquet('{path}')")
            cxx = [run([os.path.join(args.build, "bin", "stream_bench"), table_sql])
                   for _ in range(args.runs)]
            results[(qname, "c++", "none")] = (statistics.median(r["total_s"] for r in cxx),
                                               statistics.median(r["peak_rss_kib"] for r in cxx),
                                               cxx[0]["rows"])
            for consumer in ("pyarrow", "polars"):
                for engine in engines:
                    runs = [run([python, "-c", DRIVER, engine, consumer, sql, path])
                            for _ in range(args.runs)]
                    rows = {r["rows"] for r in runs}
                    assert len(rows) == 1, (engine, rows)
                    results[(qname, engine, consumer)] = (
                        statistics.median(r["s"] for r in runs),
                        statistics.median(r["rss_kib"] for r in runs), rows.pop())
        overhead = [run([python, "-c", OVERHEAD, "100000", "8", path]) for _ in range(args.runs)]
    write_table(args, results, overhead)


def write_table(args, results, overhead):
    lines = [
        "# Streaming query results into Python",
        "",
        f"{datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.rows:,} rows of Parquet (id BIGINT, k BIGINT, v DOUBLE, s VARCHAR), "
        f"medians of {args.runs} fresh processes.",
        "",
        "Command: `.venv/bin/python bench/python_stream.py "
        f"--runs {args.runs} --rows {args.rows}`",
        "",
    ]
    for qname, sql in QUERIES.items():
        base_s, base_rss, rows = results[(qname, "c++", "none")]
        lines += [f"## {qname}: `{sql}` ({rows:,} rows)", "",
                  f"C++ path (`stream_bench`, no Python): {base_s:.3f} s, "
                  f"peak RSS {base_rss / 1024:.0f} MiB.", "",
                  "| consumer | engine | seconds | rows/s | × Sluice time | peak RSS MiB |",
                  "|---|---|---:|---:|---:|---:|"]
        for consumer in ("pyarrow", "polars"):
            sluice_s = results[(qname, "sluice", consumer)][0]
            for engine in ("sluice", "duckdb", "datafusion", "polars"):
                s, rss, n = results[(qname, engine, consumer)]
                lines.append(f"| {consumer} | {engine} | {s:.3f} | {n / s / 1e6:.1f}M | "
                             f"{s / sluice_s:.2f} | {rss / 1024:.0f} |")
        py_s = results[(qname, "sluice", "pyarrow")][0]
        lines += ["", f"Sluice from Python vs the C++ path: {py_s / base_s:.3f}× the time.", ""]
    it = statistics.median(o["iter"] for o in overhead)
    via = statistics.median(o["pyarrow"] for o in overhead)
    lines += ["## Per-batch overhead", "",
              "100,000 batches of 8 rows from a registered table, iterated:",
              "",
              f"- `for batch in frame` (Sluice's iterator): {it:.1f} µs per batch",
              f"- `pa.RecordBatchReader.from_stream(frame)`: {via:.1f} µs per batch", ""]
    out = os.path.join(HERE, "results", "python_stream.md")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
