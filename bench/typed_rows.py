"""Typed rows: decoding a 10-column result into structs against reading its Arrow arrays
directly (the overhead ratio), and encoding structs into batches beside DuckDB's
Appender fed with the same rows; pyarrow's Table.to_pylist on the same data for scale.
Medians of --runs fresh processes. Writes bench/results/typed_rows.md.

    .venv/bin/python bench/typed_rows.py [--build build] [--runs 5] [--rows 2000000]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc

HERE = os.path.dirname(os.path.abspath(__file__))


def pylist_seconds(rows):
    ids = pa.array(range(rows), pa.int64())
    table = pa.table({
        "id": ids, "a": pc.multiply(ids, 3), "b": pc.cast(pc.bit_wise_and(ids, 1023), pa.int32()),
        "x": pc.multiply(pc.cast(ids, pa.float64()), 0.5),
        "y": pc.multiply(pc.cast(ids, pa.float64()), 0.25),
        "flag": pc.equal(pc.bit_wise_and(ids, 1), 0),
        "sym": pc.binary_join_element_wise("S", pc.cast(pc.bit_wise_and(ids, 63), pa.string()), ""),
        "maybe": ids, "day": pa.array([19723] * rows, pa.date32()),
        "tag": pa.array(["tag"] * rows)})
    start = time.perf_counter()
    table.to_pylist()
    return time.perf_counter() - start


def appender_seconds(build, rows):
    """DuckDB's Appender in a fresh process, through its C API (see duckdb_appender.cc)."""
    script = (
        "import ctypes, sys, duckdb, _duckdb\n"
        "module = ctypes.CDLL(sys.argv[1])\n"
        "module.AppendWideRows.restype = ctypes.c_double\n"
        "module.AppendWideRows.argtypes = [ctypes.c_char_p, ctypes.c_int64]\n"
        "print(module.AppendWideRows(_duckdb.__file__.encode(), int(sys.argv[2])))\n")
    module = os.path.abspath(os.path.join(build, "lib", "libduckdb_appender.so"))
    out = subprocess.run([sys.executable, "-c", script, module, str(rows)], capture_output=True,
                         text=True, check=True).stdout
    seconds = float(out)
    if seconds < 0:
        raise RuntimeError(f"DuckDB appender failed at step {-seconds:.0f}")
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    binary = os.path.join(args.build, "bin", "typed_rows_bench")
    runs = [json.loads(subprocess.run([binary, str(args.rows)], capture_output=True, text=True,
                                      check=True).stdout) for _ in range(args.runs)]
    raw = statistics.median(r["raw_s"] for r in runs)
    stream = statistics.median(r["stream_s"] for r in runs)
    batch = statistics.median(r["batch_s"] for r in runs)
    encode = statistics.median(r["encode_s"] for r in runs)
    appender = statistics.median(appender_seconds(args.build, args.rows) for _ in range(args.runs))
    pylist = statistics.median(pylist_seconds(args.rows) for _ in range(max(1, args.runs // 2)))
    rate = lambda s: f"{args.rows / s / 1e6:.1f}M"
    lines = [
        "# Typed rows: decode and encode", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}. Medians of {args.runs} runs, each a fresh "
        "process.", "",
        f"Command: `.venv/bin/python bench/typed_rows.py --build build --runs {args.runs} "
        f"--rows {args.rows}`", "",
        "Data: 10 columns (4 BIGINT/INT, 2 DOUBLE, BOOLEAN, 2 VARCHAR, DATE, one nullable), "
        "already in memory; every value is read once. Raw: a loop over the Arrow arrays. "
        "Typed: `RowDecoder<T>` into a struct with `std::string`, `std::string_view`, "
        "`std::optional` and `sluice::Date` members, then the same sums over the structs: "
        "4096 rows at a time as `Stream` decodes (the structs are still in cache when read), "
        "or a whole 64Ki-row batch at a time as `ForEachBatch` hands them over. "
        "Encode: `EncodeRows` of 65,536 structs a batch. DuckDB: its Appender (through the "
        "C API of the duckdb package's library, which forwards each value to the C++ "
        "Appender) filling an in-memory table with the same values, flush included.", "",
        "| path | time (s) | rows/s | ratio to raw |", "|---|---:|---:|---:|",
        f"| raw Arrow arrays | {raw:.3f} | {rate(raw)} | 1.00 |",
        f"| typed decode, 4096-row blocks (`Stream`) | {stream:.3f} | {rate(stream)} | "
        f"{stream / raw:.2f} |",
        f"| typed decode, whole batches (`ForEachBatch`) | {batch:.3f} | {rate(batch)} | "
        f"{batch / raw:.2f} |",
        f"| typed encode (`EncodeRows`) | {encode:.3f} | {rate(encode)} | {encode / raw:.2f} |",
        f"| DuckDB Appender, same rows | {appender:.3f} | {rate(appender)} | "
        f"{appender / raw:.2f} |",
        f"| pyarrow `Table.to_pylist()` | {pylist:.3f} | {rate(pylist)} | {pylist / raw:.2f} |",
        "",
        f"Encoding structs into Arrow batches runs at {appender / encode:.1f}x the rate of "
        "DuckDB's Appender on the same rows (the Appender also stores them in its table).", "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(HERE, "results", "typed_rows.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
