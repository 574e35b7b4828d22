"""Commit latency of one-row appends as a Delta table grows to N data files, and the time
to open the table, for Sluice (DeltaTable::Append) and delta-rs (write_deltalake append)
in the same run, each without and with an OPTIMIZE after every --optimize-every appends.
Latency percentiles cover the last 200 commits before each size.
Writes bench/results/delta_commit.md.

    .venv/bin/python bench/delta_commit.py [--build build] [--sizes 1000,10000,100000]
        [--rs-sizes 1000,2000]   # delta-rs slows as the table grows; measure it less far
        [--optimize-every 1000]
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))

DELTA_RS = textwrap.dedent("""
    import json, sys, time
    import deltalake, pyarrow as pa
    root, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
    optimize_every = int(sys.argv[3])
    schema = pa.schema([("k", pa.int64())])
    deltalake.write_deltalake(root, pa.table({"k": pa.array([], pa.int64())}), mode="append")
    table = deltalake.DeltaTable(root)
    files = 0
    for size in sizes:
        latencies, optimizes = [], []
        timed_from = max(files, size - 200)
        while files < size:
            data = pa.table({"k": pa.array([files], pa.int64())})
            start = time.perf_counter()
            deltalake.write_deltalake(table, data, mode="append")
            elapsed = (time.perf_counter() - start) * 1000
            if files >= timed_from:
                latencies.append(elapsed)
            files += 1
            if optimize_every and files % optimize_every == 0:
                start = time.perf_counter()
                table.optimize.compact()
                optimizes.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        optimizes.sort()
        start = time.perf_counter()
        reopened = deltalake.DeltaTable(root)
        version = reopened.version()
        open_ms = (time.perf_counter() - start) * 1000
        print(json.dumps({"files": files, "version": version,
                          "live_files": len(reopened.file_uris()),
                          "optimize_ms": optimizes[len(optimizes) // 2] if optimizes else 0,
                          "p50_ms": latencies[len(latencies) // 2],
                          "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
                          "open_ms": open_ms}), flush=True)
""")


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.strip().splitlines()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rs-sizes", default="1000,2000")
    parser.add_argument("--optimize-every", default="1000")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="delta_commit_")
    results = {}
    try:
        for every in ("0", args.optimize_every):
            results[("sluice", every)] = run(
                [os.path.join(args.build, "bin", "delta_commit_bench"),
                 os.path.join(work, "sluice" + every), args.sizes, every])
            results[("delta-rs", every)] = run(
                [sys.executable, "-c", DELTA_RS, os.path.join(work, "delta_rs" + every),
                 args.rs_sizes, every])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Delta commit latency as a table grows: Sluice vs delta-rs", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, local disk.", "",
        f"Command: `.venv/bin/python bench/delta_commit.py --build build --sizes {args.sizes} "
        f"--rs-sizes {args.rs_sizes} --optimize-every {args.optimize_every}`", "",
        "Each commit appends one row as one new data file. Without OPTIMIZE, live data files = "
        f"commits; with it, the table is compacted after every {args.optimize_every} appends "
        "(its median time is shown; the OPTIMIZE commits are not in the percentiles). "
        "Latency percentiles are over the last 200 appends before the size; open is the time "
        "to open the table afresh at that size and read its newest version. Sluice fsyncs "
        "each commit and its directory and checkpoints every 10 versions in the background; "
        "delta-rs checkpoints every 100. Ratio: p50 over Sluice's p50 in the same mode and "
        "size.", "",
        "| appends | OPTIMIZE | engine | live files | p50 commit (ms) | p99 commit (ms) "
        "| open (ms) | OPTIMIZE (ms) | p50 ratio |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for every in ("0", args.optimize_every):
        mode = "none" if every == "0" else f"every {every}"
        by_engine = {engine: {row["files"]: row for row in results[(engine, every)]}
                     for engine in ("sluice", "delta-rs")}
        for size in sorted(set(by_engine["sluice"]) | set(by_engine["delta-rs"])):
            base = by_engine["sluice"].get(size)
            for engine in ("sluice", "delta-rs"):
                row = by_engine[engine].get(size)
                if row is None:
                    lines.append(f"| {size:,} | {mode} | {engine} | not measured | | | | | |")
                    continue
                ratio = f"{row['p50_ms'] / base['p50_ms']:.2f}" if base else "-"
                optimize = f"{row['optimize_ms']:.0f}" if row["optimize_ms"] else "-"
                lines.append(f"| {size:,} | {mode} | {engine} | {row['live_files']:,} | "
                             f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['open_ms']:.1f} | "
                             f"{optimize} | {ratio} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "results", "delta_commit.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
