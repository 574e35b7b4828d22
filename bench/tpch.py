"""TPC-H: the 22 queries on Sluice, DuckDB, DataFusion and Polars, same data.

The data is DuckDB's dbgen output (tests/tpch/generate.py) as one Parquet file per table.
DuckDB, DataFusion and Polars read those files; Sluice reads Delta tables made from them
with CREATE TABLE ... AS SELECT * FROM read_parquet(...) (how a Sluice user loads data).
Each engine runs each query in a fresh process RUNS times, streaming or collecting the
whole result; the table reports the median run, the ratio of each peer's time to
Sluice's, and the process's peak RSS. Written to bench/results/tpch.md.

    .venv/bin/python bench/tpch.py [--build build] [--sf 1] [--runs 3]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "tpch"))
from tpch_data import TABLES, generate  # noqa: E402

PEER_DRIVER = textwrap.dedent("""
    import json, resource, sys, time
    engine, data, query, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    tables = sys.argv[5].split(",")
    sql = open(query).read().strip().rstrip(";")
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        for t in tables:
            con.sql(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data}/{t}.parquet')")
        def run():
            rows = 0
            for batch in con.sql(sql).fetch_record_batch(65536):
                rows += batch.num_rows
            return rows
    elif engine == "datafusion":
        import datafusion, pyarrow as pa
        ctx = datafusion.SessionContext()
        for t in tables:
            ctx.register_parquet(t, f"{data}/{t}.parquet")
        def run():
            rows = 0
            for batch in pa.RecordBatchReader.from_stream(ctx.sql(sql)):
                rows += batch.num_rows
            return rows
    else:
        import polars as pl
        ctx = pl.SQLContext({t: pl.scan_parquet(f"{data}/{t}.parquet") for t in tables})
        def run():
            return ctx.execute(sql).collect().height
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"rows": rows, "times_s": times,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")

ENGINES = ("sluice", "duckdb", "datafusion", "polars")


def run_query(engine, args, data, warehouse, query, tables=TABLES):
    """Runs `query` (a file) args.runs times in a fresh process: Sluice's driver on
    `warehouse`, or a peer's on `data`/<table>.parquet for each of `tables`."""
    if engine == "sluice":
        cmd = [os.path.join(args.build, "bin", "tpch_bench"), warehouse, query,
               str(args.runs)]
    else:
        cmd = [sys.executable, "-c", PEER_DRIVER, engine, str(data), query,
               str(args.runs), ",".join(tables)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["median_s"] = statistics.median(result["times_s"])
    return result


def load_warehouse(args, data, warehouse):
    script = "".join("CREATE TABLE %s AS SELECT * FROM read_parquet('%s/%s.parquet');\n"
                     % (t, data, t) for t in TABLES)
    subprocess.run([os.path.join(args.build, "bin", "sluice"), "--warehouse", warehouse,
                    "--format", "csv", "-c", script], check=True, capture_output=True)


def cell(result, base):
    if "error" in result:
        return "fails"
    text = "%.3f" % result["median_s"]
    if base is not None and "error" not in base and result is not base:
        text += " (%.2fx)" % (result["median_s"] / base["median_s"])
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--sf", default="1")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(),
                                                       "sluice-tpch-bench"))
    args = parser.parse_args()
    data = generate(args.sf, os.path.join(args.data, "sf" + args.sf))
    warehouse = os.path.join(args.data, "warehouse-sf" + args.sf)
    # Loaded afresh each run: the files are what this build's writer makes of them.
    shutil.rmtree(warehouse, ignore_errors=True)
    load_warehouse(args, data, warehouse)
    results = {}
    for number in range(1, 23):
        query = os.path.join(data, "q%02d.sql" % number)
        results[number] = {e: run_query(e, args, data, warehouse, query) for e in ENGINES}
        print(number, {e: r.get("median_s", r.get("error")) for e, r in
                       results[number].items()}, flush=True)
    write_table(args, results)


def write_table(args, results):
    lines = [
        "# TPC-H, scale factor %s" % args.sf, "",
        "Command: `.venv/bin/python bench/tpch.py --sf %s --runs %d`  " % (args.sf, args.runs),
        "Date: %s; machine: %s, %d cores." % (datetime.date.today(), platform.machine(),
                                            os.cpu_count()), "",
        "Median of %d runs per query, seconds; in parentheses each peer's time over "
        "Sluice's (above 1: Sluice is faster). Sluice reads Delta tables loaded from the "
        "Parquet files the peers read. Peak RSS is the query process's, MiB." % args.runs,
        "",
        "| query | " + " | ".join(ENGINES) + " | " +
        " | ".join("RSS " + e for e in ENGINES) + " |",
        "|---" * (1 + 2 * len(ENGINES)) + "|",
    ]
    totals = {e: 0.0 for e in ENGINES}
    complete = {e: True for e in ENGINES}
    for number, by_engine in results.items():
        base = by_engine["sluice"]
        row = ["Q%02d" % number] + [cell(by_engine[e], base) for e in ENGINES]
        row += ["%d" % (by_engine[e]["peak_rss_kib"] // 1024) if "error" not in by_engine[e]
                else "-" for e in ENGINES]
        lines.append("| " + " | ".join(row) + " |")
        for e in ENGINES:
            if "error" in by_engine[e]:
                complete[e] = False
            else:
                totals[e] += by_engine[e]["median_s"]
    total_row = ["total"]
    for e in ENGINES:
        if not complete[e]:
            total_row.append("(not all queries run)")
        else:
            ratio = "" if e == "sluice" else " (%.2fx)" % (totals[e] / totals["sluice"])
            total_row.append("%.3f%s" % (totals[e], ratio))
    lines.append("| " + " | ".join(total_row + [""] * len(ENGINES)) + " |")
    out = os.path.join(HERE, "results", "tpch.md")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(open(out).read())


if __name__ == "__main__":
    main()
