"""Throughput of sluiced over loopback: rows/s and MB/s for `SELECT id FROM range(20000000)`
and a 10-column query, via Flight SQL (pyarrow.flight client), HTTP Arrow IPC and HTTP
NDJSON, beside a bare pyarrow.flight server serving the same batches from memory (the
upper bound: no query, no SQL layer). Clients read every batch and count rows and Arrow
bytes (NDJSON: bytes received and lines). Medians of --runs runs, interleaved. Also the
time from a client's cancel or disconnect until its query is gone.
Writes bench/results/server.md.

    .venv/bin/python bench/server.py [--build build] [--runs 3]
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request

import pyarrow as pa
import pyarrow.flight as fl

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "server"))
from conftest import statement_query  # noqa: E402  the Flight SQL command encoder

QUERIES = {
    "1 column, 20M rows": ("SELECT id FROM range(20000000)",
                           "pa.table({'id': pa.array(range(20000000), pa.int64())})"),
    "10 columns, 5M rows": (
        "SELECT id, id * 2 AS c1, id * 3 AS c2, id + 1 AS c3, id % 7 AS c4, id * 0.5 AS c5, "
        "id * 1.5 AS c6, id % 1000 AS c7, id - 1 AS c8, id * 4 AS c9 FROM range(5000000)",
        "(lambda i: pa.table({'id': i, 'c1': pc.multiply(i, 2), 'c2': pc.multiply(i, 3), "
        "'c3': pc.add(i, 1), 'c4': pc.divide(i, 1), 'c5': pc.multiply(pc.cast(i, pa.float64()), 0.5), "
        "'c6': pc.multiply(pc.cast(i, pa.float64()), 1.5), 'c7': pc.add(i, 2), 'c8': pc.subtract(i, 1), "
        "'c9': pc.multiply(i, 4)}))(pa.array(range(5000000), pa.int64()))"),
}

BARE_SERVER = textwrap.dedent("""
    import sys
    import pyarrow as pa, pyarrow.compute as pc, pyarrow.flight as fl
    tables = {name.encode(): eval(expr).combine_chunks() for name, expr in QUERIES}

    class Bare(fl.FlightServerBase):
        def do_get(self, context, ticket):
            table = tables[ticket.ticket]
            return fl.RecordBatchStream(pa.RecordBatchReader.from_batches(
                table.schema, table.to_batches(max_chunksize=65536)))

    server = Bare("grpc://127.0.0.1:0")
    print(server.port, flush=True)
    server.serve()
""")


def read_flight(client, ticket):
    reader = client.do_get(ticket)
    rows = nbytes = 0
    for chunk in reader:
        rows += chunk.data.num_rows
        nbytes += chunk.data.nbytes
    return rows, nbytes


def sluice_flight(server, sql):
    client = fl.connect(server["flight"])
    info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(sql)))
    return read_flight(client, info.endpoints[0].ticket)


def http_arrow(server, sql):
    request = urllib.request.Request(server["http"] + "/v1/query?" + urllib.parse.urlencode({"sql": sql}),
                                     headers={"Accept": "application/vnd.apache.arrow.stream"})
    rows = nbytes = 0
    with urllib.request.urlopen(request) as response:
        for batch in pa.ipc.open_stream(response):
            rows += batch.num_rows
            nbytes += batch.nbytes
    return rows, nbytes


def http_ndjson(server, sql):
    rows = nbytes = 0
    url = server["http"] + "/v1/query?" + urllib.parse.urlencode({"sql": sql})
    with urllib.request.urlopen(url) as response:
        for chunk in iter(lambda: response.read(1 << 20), b""):
            rows += chunk.count(b"\n")
            nbytes += len(chunk)
    return rows, nbytes


def running_queries(server):
    import json
    with urllib.request.urlopen(server["http"] + "/v1/queries") as response:
        return json.loads(response.read())


def unlisted_after(server, start):
    """Milliseconds from `start` until no query is listed."""
    while running_queries(server):
        time.sleep(0.001)
    return (time.perf_counter() - start) * 1000


def cancel_latencies(server, rounds=10):
    """Time from a client's cancel or disconnect until its query is gone."""
    endless = "SELECT id FROM range(1000000000000)"
    flight, http = [], []
    for _ in range(rounds):
        client = fl.connect(server["flight"])
        info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(endless)))
        reader = client.do_get(info.endpoints[0].ticket)
        reader.read_chunk()
        start = time.perf_counter()
        reader.cancel()
        flight.append(unlisted_after(server, start))
        response = urllib.request.urlopen(server["http"] + "/v1/query?" + urllib.parse.urlencode({"sql": endless}))
        response.read(1000)
        start = time.perf_counter()
        response.close()
        http.append(unlisted_after(server, start))
    return flight, http


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="server_bench_")
    sluiced = subprocess.Popen([os.path.join(args.build, "bin", "sluiced"), "--flight", "127.0.0.1:0",
                                "--http", "127.0.0.1:0", "--warehouse", work],
                               stdout=subprocess.PIPE, text=True)
    line = sluiced.stdout.readline()
    match = re.search(r"grpc://([\d.]+:\d+), HTTP on http://([\d.]+:\d+)", line)
    server = {"flight": "grpc://" + match.group(1), "http": "http://" + match.group(2)}
    bare_code = f"QUERIES = {[(name, expr) for name, (_, expr) in QUERIES.items()]!r}\n" + BARE_SERVER
    bare = subprocess.Popen([sys.executable, "-c", bare_code], stdout=subprocess.PIPE, text=True)
    bare_client = fl.connect(f"grpc://127.0.0.1:{bare.stdout.readline().strip()}")
    clients = {
        "sluiced Flight SQL": lambda sql, name: sluice_flight(server, sql),
        "sluiced HTTP Arrow IPC": lambda sql, name: http_arrow(server, sql),
        "sluiced HTTP NDJSON": lambda sql, name: http_ndjson(server, sql),
        "bare pyarrow.flight (memory)": lambda sql, name: read_flight(bare_client, fl.Ticket(name.encode())),
    }
    samples = {}
    try:
        cancels = cancel_latencies(server)
        for _ in range(args.runs):
            for name, (sql, _) in QUERIES.items():
                for client, run in clients.items():
                    start = time.perf_counter()
                    rows, nbytes = run(sql, name)
                    samples.setdefault((name, client), []).append((time.perf_counter() - start, rows, nbytes))
    finally:
        sluiced.terminate()
        bare.terminate()
        sluiced.wait()
        bare.wait()
    lines = [
        "# sluiced throughput over loopback", "",
        f"Date: {datetime.date.today()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}. Server and Python client on the same machine; "
        f"median of {args.runs} runs, interleaved.", "",
        f"Command: `.venv/bin/python bench/server.py --build build --runs {args.runs}`", "",
        "MB/s counts the Arrow bytes of the result (NDJSON: the bytes of text received). The bare "
        "pyarrow.flight server streams the same result from memory, precomputed: the upper bound "
        "for Flight. Ratio: time over the bare server's time for the same result.", "",
        "| result | path | rows | time (s) | rows/s | MB/s | ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in QUERIES:
        bare_time = statistics.median(s[0] for s in samples[(name, "bare pyarrow.flight (memory)")])
        for client in clients:
            runs = samples[(name, client)]
            elapsed = statistics.median(s[0] for s in runs)
            rows, nbytes = runs[0][1], runs[0][2]
            lines.append(f"| {name} | {client} | {rows:,} | {elapsed:.3f} | {rows / elapsed / 1e6:.1f} M | "
                         f"{nbytes / elapsed / 1e6:.0f} | {elapsed / bare_time:.2f} |")
    flight, http = cancels
    lines += [
        "", "Cancellation: milliseconds from the client's cancel (pyarrow `reader.cancel()`) or "
        "disconnect (closing the HTTP response after 1,000 bytes of an endless query) until "
        "`/v1/queries` no longer lists the query; 10 rounds each.", "",
        "| path | median (ms) | max (ms) |", "|---|---:|---:|",
        f"| Flight SQL cancel | {statistics.median(flight):.1f} | {max(flight):.1f} |",
        f"| HTTP disconnect | {statistics.median(http):.1f} | {max(http):.1f} |",
    ]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "results", "server.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
