"""Window functions: Sluice, DuckDB, DataFusion and Polars on the same table and queries.

One Parquet file of ROWS rows (k: 1000 partitions, ts: unique, v: DOUBLE) is read by the
peers; Sluice reads a Delta table made from it with CREATE TABLE ... AS SELECT. Each query
aggregates its window's output to one row, so the window is what is timed. Each engine
runs each query in a fresh process RUNS times (the drivers of bench/tpch.py); the table
reports the median and each peer's time over Sluice's. Written to
bench/results/windows.md.

    .venv/bin/python bench/windows.py [--build build] [--rows 10000000] [--runs 3]
"""
import argparse
import datetime
import os
import platform
import subprocess
import tempfile

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import tpch

QUERIES = {
    "row_number by partition": "SELECT count(*) AS n, sum(rn) AS s FROM (SELECT "
    "row_number() OVER (PARTITION BY k ORDER BY ts) AS rn FROM t) w",
    "running sum": "SELECT sum(rs) AS s FROM (SELECT sum(v) OVER (PARTITION BY k ORDER BY "
    "ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rs FROM t) w",
    "moving avg and lag": "SELECT sum(ma) AS a, sum(d) AS b FROM (SELECT avg(v) OVER "
    "(PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS ma, v - "
    "lag(v) OVER (PARTITION BY k ORDER BY ts) AS d FROM t) w",
    "rank of the whole table": "SELECT max(r) AS m FROM (SELECT rank() OVER (ORDER BY v) "
    "AS r FROM t) w",
}


def make_data(rows, directory):
    path = os.path.join(directory, "t.parquet")
    if not os.path.exists(path):
        ts = pa.array(range(rows), pa.int64())
        table = pa.table({"k": pc.bit_wise_and(pc.multiply(ts, 7919), 1023), "ts": ts,
                          "v": pc.divide(pc.cast(pc.bit_wise_and(ts, 4095), pa.float64()),
                                         7.0)})
        pq.write_table(table, path)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = os.path.join(tempfile.gettempdir(), "sluice-windows-bench-%d" % args.rows)
    os.makedirs(data, exist_ok=True)
    make_data(args.rows, data)
    warehouse = os.path.join(data, "warehouse")
    if not os.path.isdir(os.path.join(warehouse, "t")):
        subprocess.run([os.path.join(args.build, "bin", "sluice"), "--warehouse", warehouse,
                        "--format", "csv", "-c", "CREATE TABLE t AS SELECT * FROM "
                        "read_parquet('%s/t.parquet')" % data], check=True)
    tpch.TABLES = ("t",)  # the peers' driver registers these files
    results = {}
    for name, sql in QUERIES.items():
        query = os.path.join(data, name.replace(" ", "_") + ".sql")
        with open(query, "w") as f:
            f.write(sql)
        results[name] = {e: tpch.run_query(e, args, data, warehouse, query)
                         for e in tpch.ENGINES}
        print(name, {e: r.get("median_s", r.get("error")) for e, r in
                     results[name].items()}, flush=True)
    lines = [
        "# Window functions", "",
        "Command: `.venv/bin/python bench/windows.py --rows %d --runs %d`  "
        % (args.rows, args.runs),
        "Date: %s; machine: %s, %d cores." % (datetime.date.today(), platform.machine(),
                                            os.cpu_count()), "",
        "%d rows (1024 partitions); median of %d runs, seconds; in parentheses each peer's "
        "time over Sluice's (above 1: Sluice is faster). Peak RSS of the query process, "
        "MiB." % (args.rows, args.runs), "",
        "| query | " + " | ".join(tpch.ENGINES) + " | " +
        " | ".join("RSS " + e for e in tpch.ENGINES) + " |",
        "|---" * (1 + 2 * len(tpch.ENGINES)) + "|",
    ]
    for name, by_engine in results.items():
        base = by_engine["sluice"]
        row = [name] + [tpch.cell(by_engine[e], base) for e in tpch.ENGINES]
        row += ["%d" % (by_engine[e]["peak_rss_kib"] // 1024) if "error" not in by_engine[e]
                else "" for e in tpch.ENGINES]
        lines.append("| " + " | ".join(row) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(tpch.HERE, "results", "windows.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
