"""Commit latency of one-row appends as a Delta table grows to N data files, and the time
to open the table, for Sluice (DeltaTable::Append) and delta-rs (write_deltalake append)
in the same run. Latency percentiles cover the last 200 commits before each size.
Writes bench/results/delta_commit.md.

    .venv/bin/python bench/delta_commit.py [--build build] [--sizes 1000,10000,100000]
        [--rs-sizes 1000,2000]   # delta-rs slows as the table grows; measure it less far
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
    schema = pa.schema([("k", pa.int64())])
    deltalake.write_deltalake(root, pa.table({"k": pa.array([], pa.int64())}), mode="append")
    table = deltalake.DeltaTable(root)
    files = 0
    for size in sizes:
        latencies = []
        timed_from = max(files, size - 200)
        while files < size:
            data = pa.table({"k": pa.array([files], pa.int64())})
            start = time.perf_counter()
            deltalake.write_deltalake(table, data, mode="append")
            elapsed = (time.perf_counter() - start) * 1000
            if files >= timed_from:
                latencies.append(elapsed)
            files += 1
        latencies.sort()
        start = time.perf_counter()
        version = deltalake.DeltaTable(root).version()
        open_ms = (time.perf_counter() - start) * 1000
        print(json.dumps({"files": files, "version": version,
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
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="delta_commit_")
    try:
        results = {
            "sluice": run([os.path.join(args.build, "bin", "delta_commit_bench"),
                           os.path.join(work, "sluice"), args.sizes]),
            "delta-rs": run([sys.executable, "-c", DELTA_RS, os.path.join(work, "delta_rs"),
                             args.rs_sizes]),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Delta commit latency as a table grows: Sluice vs delta-rs", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, local disk.", "",
        f"Command: `.venv/bin/python bench/delta_commit.py --build build --sizes {args.sizes} "
        f"--rs-sizes {args.rs_sizes}`", "",
        "Each commit appends one row as one new data file (so data files = commits). Latency "
        "percentiles are over the last 200 commits before the size; open is the time to open "
        "the table afresh at that size. Sluice fsyncs each commit and its directory. "
        "Ratio: p50 over Sluice's p50 at the same size.", "",
        "| data files | engine | p50 commit (ms) | p99 commit (ms) | open (ms) | p50 ratio |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    rs_by_size = {row["files"]: row for row in results["delta-rs"]}
    sluice_by_size = {row["files"]: row for row in results["sluice"]}
    for size in sorted(set(rs_by_size) | set(sluice_by_size)):
        base = sluice_by_size.get(size)
        for engine, row in (("sluice", base), ("delta-rs", rs_by_size.get(size))):
            if row is None:
                lines.append(f"| {size:,} | {engine} | not measured | | | |")
                continue
            ratio = f"{row['p50_ms'] / base['p50_ms']:.2f}" if base else "-"
            lines.append(f"| {size:,} | {engine} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                         f"{row['open_ms']:.1f} | {ratio} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "results", "delta_commit.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
