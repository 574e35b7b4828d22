"""Spark Connect clients side by side: the same queries on the same local Spark server
(the pinned pyspark's, started here), streamed by Sluice's C++ client, by pyspark's
Connect client (toArrow; collect into Rows; toLocalIterator for the first row) and by the
adbc-driver-spark ADBC driver. Each run is a fresh process; reported: rows/s, time to the
first batch, the client's CPU seconds and its memory growth while reading (peak RSS minus
RSS before connecting), medians of --runs. Writes bench/results/spark_client.md.

    .venv/bin/python bench/spark_client.py [--build build] [--runs 3]
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER = os.path.join(ROOT, "tests", "spark", "spark_server.py")

QUERIES = {
    "20M rows, 1 BIGINT": "SELECT id FROM range(20000000)",
    "5M rows, 10 columns": (
        "SELECT id, id * 2 AS a, id % 1000 AS b, CAST(id AS INT) AS c, "
        "CAST(id AS DOUBLE) / 3 AS d, id * 0.5 AS e, id % 2 = 0 AS f, "
        "CAST(id AS STRING) AS g, concat('s', CAST(id % 100 AS STRING)) AS h, "
        "date_add(DATE'2024-01-01', CAST(id % 365 AS INT)) AS i FROM range(0, 5000000, 1, 20)"),
}
CLIENTS = ["sluice", "adbc-driver-spark", "pyspark toArrow", "pyspark collect"]


def rss_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_python_client(client, uri, sql):
    """In a child process: stream `sql` with one Python client, print JSON."""
    import warnings
    warnings.simplefilter("ignore")
    base_rss, base_cpu, start = rss_bytes("VmRSS"), cpu_seconds(), time.perf_counter()
    first = None
    rows = 0
    if client == "adbc-driver-spark":
        import adbc_driver_spark.dbapi as spark_adbc
        with spark_adbc.connect(uri) as conn, conn.cursor() as cur:
            cur.execute(sql)
            for batch in cur.fetch_record_batch():
                first = first or time.perf_counter() - start
                rows += batch.num_rows
    else:
        from pyspark.sql import SparkSession
        session = SparkSession.builder.remote(uri).getOrCreate()
        frame = session.sql(sql)
        if client == "pyspark toArrow":
            rows = frame.toArrow().num_rows
        else:
            rows = len(frame.collect())
    print(json.dumps({"rows": rows, "first_batch_s": first,
                      "total_s": time.perf_counter() - start,
                      "cpu_s": cpu_seconds() - base_cpu,
                      "growth_bytes": rss_bytes("VmHWM") - base_rss}))


def first_row_seconds(uri, sql):
    """pyspark's streaming API: time to the first row of toLocalIterator."""
    code = ("import time, warnings; warnings.simplefilter('ignore');"
            "from pyspark.sql import SparkSession;"
            f"s = SparkSession.builder.remote({uri!r}).getOrCreate(); t = time.perf_counter();"
            f"it = s.sql({sql!r}).toLocalIterator(); next(it);"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(build, client, uri, sql):
    if client == "sluice":
        command = [os.path.join(build, "bin", "spark_client_bench"), uri, sql]
    else:
        command = [sys.executable, __file__, "--child", client, uri, sql]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{client} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_python_client(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server_dir = os.path.join(args.build, "bench-spark-server")
    subprocess.run([sys.executable, SERVER, "start", "--kind", "spark", "--dir", server_dir],
                   check=True)
    try:
        with open(os.path.join(server_dir, "port")) as port:
            uri = f"sc://127.0.0.1:{port.read().strip()}"
        rows_out = []
        for name, sql in QUERIES.items():
            # The server's JIT warms up on the query first; then the clients take turns,
            # run by run, so none is favoured by what ran before it.
            for _ in range(2):
                measure(args.build, "sluice", uri, sql)
            runs = {client: [] for client in CLIENTS}
            for _ in range(args.runs):
                for client in CLIENTS:
                    runs[client].append(measure(args.build, client, uri, sql))
            rows_out += [(name, client, runs[client]) for client in CLIENTS]
            ttfr = statistics.median(first_row_seconds(uri, sql) for _ in range(args.runs))
            rows_out.append((name, "pyspark toLocalIterator (first row)",
                             [{"first_batch_s": ttfr}]))
    finally:
        subprocess.run([sys.executable, SERVER, "stop", "--dir", server_dir], check=True)
    write_report(args, rows_out)


def write_report(args, results):
    def median(runs, key):
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    lines = [
        "# Spark Connect clients", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; Spark 4.2.0 (local[2], 2 GB driver) on "
        f"the same machine. Medians of {args.runs} runs, each a fresh client process; each "
        "query ran twice first to warm the server up, then the clients took turns.", "",
        f"Command: `.venv/bin/python bench/spark_client.py --build build --runs {args.runs}`", "",
        "Time and rows/s run from before connecting to the last row; CPU is the client "
        "process's own (user + system) over the same span; memory is the client's peak RSS "
        "growth over that span. Sluice: `bench/spark_client_bench.cc` (Session::Sql, "
        "Stream, count rows). First batch: when the first rows reached the caller.", "",
        "| result | client | rows/s | seconds | first batch (s) | client CPU (s) | "
        "memory growth (MB) | time / Sluice's | CPU / Sluice's |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sluice_seconds, sluice_cpu = {}, {}
    for name, client, runs in results:
        seconds = median(runs, "total_s")
        cpu = median(runs, "cpu_s")
        if client == "sluice":
            sluice_seconds[name], sluice_cpu[name] = seconds, cpu
        rows = runs[0].get("rows")
        fmt = lambda v, f: "n/a" if v is None else f.format(v)  # noqa: E731
        growth = median(runs, "growth_bytes")
        ratio = f"{seconds / sluice_seconds[name]:.2f}" if seconds and client != "sluice" else ""
        cpu_ratio = f"{cpu / sluice_cpu[name]:.1f}" if cpu and client != "sluice" else ""
        lines.append(
            f"| {name} | {client} | {fmt(rows / seconds / 1e6 if rows and seconds else None, '{:.1f}M')} | "
            f"{fmt(seconds, '{:.2f}')} | {fmt(median(runs, 'first_batch_s'), '{:.2f}')} | "
            f"{fmt(median(runs, 'cpu_s'), '{:.2f}')} | "
            f"{fmt(growth / 2**20 if growth is not None else None, '{:.0f}')} | {ratio} | "
            f"{cpu_ratio} |")
    lines += ["", "Seed 000's reference: 20M rows in 72 s through its Go client's row stream."]
    path = os.path.join(HERE, "results", "spark_client.md")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
