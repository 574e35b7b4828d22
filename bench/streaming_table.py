"""Throughput and peak RSS through a push-mode streaming table into
SELECT count(*), sum(x), max(y) FROM t, at capacities 1, 8 and 64 with 1 and 2 producers,
beside the buffering pull adapter (producers fill an unbounded buffer that the query reads
when they are done). Each run is a fresh process; medians of --runs runs, configurations
interleaved. Writes bench/results/streaming_table.md.

    .venv/bin/python bench/streaming_table.py [--build build] [--runs 3] [--rows 40000000]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=40_000_000)
    args = parser.parse_args()
    binary = os.path.join(args.build, "bin", "streaming_table_bench")
    configs = [("buffered", 0, p) for p in (1, 2)] + [("sink", c, p) for c in (1, 8, 64) for p in (1, 2)]
    samples = {config: [] for config in configs}
    for _ in range(args.runs):
        for mode, capacity, producers in configs:
            out = subprocess.run([binary, mode, str(capacity), str(producers), str(args.rows)],
                                 capture_output=True, text=True, check=True).stdout
            samples[(mode, capacity, producers)].append(json.loads(out))
    rows_of = {c: s[0]["rows"] for c, s in samples.items()}
    lines = [
        "# Streaming table throughput: TableSink vs a buffering pull adapter", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}. Median of {args.runs} runs, each a fresh "
        "process, configurations interleaved.", "",
        f"Command: `.venv/bin/python bench/streaming_table.py --build build --runs {args.runs} "
        f"--rows {args.rows}`", "",
        "Query: `SELECT count(*), sum(x), max(y) FROM t` over (x BIGINT, y DOUBLE), batches of "
        "65,536 rows made by the producers as they write. GB/s counts 16 bytes a row. "
        "Ratio: throughput over the buffering adapter's with the same producers.", "",
        "| mode | capacity | producers | rows | time (s) | rows/s | GB/s | ratio | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (mode, capacity, producers), runs in samples.items():
        total = statistics.median(r["total_s"] for r in runs)
        base = statistics.median(r["total_s"] for r in samples[("buffered", 0, producers)])
        rows = rows_of[(mode, capacity, producers)]
        label = "TableSink" if mode == "sink" else "buffering adapter"
        lines.append(f"| {label} | {capacity if capacity else '-'} | {producers} | {rows:,} | "
                     f"{total:.3f} | {rows / total / 1e6:.1f} M | {rows * 16 / total / 1e9:.2f} | "
                     f"{base / total:.2f} | "
                     f"{statistics.median(r['peak_rss_kib'] for r in runs) / 1024:.0f} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "results", "streaming_table.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
