"""Load: 32 concurrent streaming clients over Flight SQL and HTTP, a third of them
disconnecting at random, for SLUICE_LOAD_SECONDS (default 60). No crash, no leaked query,
every Arrow allocation freed, and the server's RSS back to where it was after a warm-up
round once it is idle."""
import os
import random
import threading
import time
import urllib.parse
import urllib.request

import pyarrow.flight as fl

from conftest import statement_query

CLIENTS = 32


def one_request(server, rng):
    rows = rng.randint(100_000, 3_000_000)
    sql = f"SELECT id, id * 2 AS twice, CAST(id AS VARCHAR) AS s FROM range({rows})"
    disconnect = rng.random() < 1 / 3
    if rng.random() < 0.5:
        client = fl.connect(server.flight)
        info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(sql)))
        reader = client.do_get(info.endpoints[0].ticket)
        if disconnect:
            reader.read_chunk()
            reader.cancel()
        else:
            assert reader.read_all().num_rows == rows
        client.close()
    else:
        url = server.http + "/v1/query?" + urllib.parse.urlencode({"sql": sql})
        with urllib.request.urlopen(url, timeout=60) as response:
            if disconnect:
                response.read(rng.randint(1, 200_000))
            else:
                assert sum(chunk.count(b"\n") for chunk in iter(lambda: response.read(1 << 20), b"")) == rows
    return disconnect


def run_clients(server, seconds, seed):
    deadline = time.monotonic() + seconds
    counts = {"done": 0, "disconnected": 0}
    errors = []
    lock = threading.Lock()

    def client(index):
        rng = random.Random(seed * 1000 + index)
        while time.monotonic() < deadline:
            try:
                disconnected = one_request(server, rng)
            except Exception as e:  # noqa: BLE001 - collected and reported below
                errors.append(repr(e))
                return
            with lock:
                counts["disconnected" if disconnected else "done"] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return counts


def arrow_bytes_allocated(server):
    import json
    with urllib.request.urlopen(server.http + "/healthz", timeout=5) as response:
        return json.loads(response.read())["arrow_bytes_allocated"]


def idle_rss(server):
    """RSS once the server has been idle long enough to return cached memory."""
    server.wait_for_no_queries(within=2.0)
    time.sleep(1.5)
    return server.rss_bytes()


def test_32_clients_with_random_disconnects(server):
    run_clients(server, 5, seed=1)  # warm-up: thread pools and allocators reach their size
    baseline = idle_rss(server)
    baseline_arrow = arrow_bytes_allocated(server)
    counts = run_clients(server, int(os.environ.get("SLUICE_LOAD_SECONDS", "60")), seed=2)
    assert server.proc.poll() is None, "the server died"
    assert counts["done"] > 0 and counts["disconnected"] > 0, counts
    after = idle_rss(server)
    after_arrow = arrow_bytes_allocated(server)
    print(f"\n{counts}, RSS baseline {baseline >> 20} MiB, after {after >> 20} MiB; "
          f"Arrow bytes allocated {baseline_arrow} -> {after_arrow}")
    # Every batch of every query, finished or abandoned, was freed ...
    assert after_arrow == baseline_arrow
    # ... and the process is back to its size after the warm-up.
    assert after < baseline + (64 << 20), (baseline, after)
