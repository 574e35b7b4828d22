"""The streaming guarantees from Python: laziness, requested schemas, bounded memory, the
GIL released while waiting, Ctrl-C, errors from Python sources."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pyarrow as pa
import pytest

import sluice


def counting_reader(batches, counter, fail_at=None):
    schema = pa.schema([("x", pa.int32()), ("s", pa.string())])

    def generate():
        for i in range(batches):
            if i == fail_at:
                raise RuntimeError("the Python source broke")
            counter.append(i)
            yield pa.record_batch([pa.array([i] * 100, pa.int32()), [str(i)] * 100],
                                  schema=schema)

    return pa.RecordBatchReader.from_batches(schema, generate())


def test_nothing_is_produced_before_the_first_pull(session):
    produced = []
    session.register("src", counting_reader(100, produced))
    frame = session.sql("SELECT x * 2 AS y FROM src WHERE x % 2 = 0")
    exported = pa.RecordBatchReader.from_stream(frame)  # __arrow_c_stream__ called
    stream = iter(session.sql("SELECT 1 AS one"))      # iter() alone starts nothing
    time.sleep(0.2)
    assert produced == []
    first = exported.read_next_batch()
    assert first.column(0)[0].as_py() == 0 and len(produced) >= 1
    assert sum(b.num_rows for b in exported) + first.num_rows == 50 * 100
    assert next(stream).num_rows == 1


def test_requested_schema_selects_reorders_and_widens(session):
    produced = []
    session.register("src", counting_reader(3, produced))
    frame = session.table("src")
    wanted = pa.schema([("s", pa.string()), ("x", pa.int64())])
    got = pa.RecordBatchReader.from_stream(frame, schema=wanted).read_all()
    assert got.schema == wanted and got.num_rows == 300
    for bad, message in [(pa.schema([("missing", pa.int64())]), "missing"),
                         (pa.schema([("x", pa.int8())]), "x")]:
        with pytest.raises(sluice.SchemaError, match=message) as raised:
            frame.__arrow_c_stream__(bad.__arrow_c_schema__())
        assert isinstance(raised.value, ValueError)
    assert len(produced) == 3  # the refused requests started nothing


def test_a_python_sources_error_reaches_the_consumer(session):
    session.register("src", counting_reader(10, [], fail_at=4))
    with pytest.raises(sluice.Error, match="the Python source broke"):
        session.sql("SELECT sum(x) FROM src").to_arrow()


def test_the_gil_is_released_while_waiting_for_a_batch(session):
    schema = pa.schema([("x", pa.int64())])
    sink = session.register_streaming_table("slow", schema)
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    def produce():
        time.sleep(0.5)
        sink.write(pa.record_batch([[1]], schema=schema))
        sink.close()

    threads = [threading.Thread(target=tick), threading.Thread(target=produce)]
    for t in threads:
        t.start()
    started = time.monotonic()
    assert session.sql("SELECT x FROM slow").to_arrow().num_rows == 1
    waited = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join()
    assert waited >= 0.45
    assert len(ticks) > 100  # the ticker ran while the main thread waited


def test_streaming_4_gb_keeps_memory_bounded(session):
    def rss():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    rows = 4 * 1024**3 // 32 + 1
    frame = session.sql(f"SELECT id, id + 1 AS a, id + 2 AS b, id + 3 AS c FROM range({rows})")
    before = rss()
    peak = before
    total = 0
    for i, batch in enumerate(frame.stream(max_buffered_batches=4)):
        total += batch.nbytes
        if i % 64 == 0:
            peak = max(peak, rss())
    assert total >= 4 * 1024**3
    assert peak - before < 600 * 1024**2, f"RSS grew by {(peak - before) >> 20} MiB"


INTERRUPTED = textwrap.dedent("""
    import os, sys, threading, time
    import sluice
    session = sluice.connect()
    frame = session.sql("SELECT sum(id) AS s FROM range(900000000000000)")
    print("ready", flush=True)
    try:
        if sys.argv[1] == "to_arrow":
            frame.to_arrow()
        else:
            next(iter(frame))
    except KeyboardInterrupt:
        caught = time.monotonic()
        time.sleep(0.05)
        tasks = len(os.listdir("/proc/self/task"))
        print("interrupted", threading.active_count(), tasks, caught, flush=True)
        sys.exit(3)
""")


@pytest.mark.parametrize("how", ["to_arrow", "next"])
def test_ctrl_c_stops_a_blocked_read(how):
    baseline = subprocess.run(
        [sys.executable, "-c", "import os, sluice; print(len(os.listdir('/proc/self/task')))"],
        capture_output=True, text=True, check=True)
    idle_tasks = int(baseline.stdout)
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, how], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.0)  # the query is running
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=10)
    elapsed = time.monotonic() - sent
    assert child.returncode == 3, out
    words = out.split()
    assert words[0] == "interrupted" and words[1] == "1"  # no Python threads left
    # The query's threads are gone: the process has no more OS threads than an idle one
    # (Arrow's shared pools, already started at import, are in both counts).
    assert int(words[2]) <= idle_tasks + 2, out
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    # KeyboardInterrupt was raised, with the query stopped and joined, within 100 ms
    # (CLOCK_MONOTONIC is one clock for both processes).
    assert float(words[3]) - sent < 0.1, f"{(float(words[3]) - sent) * 1000:.0f} ms"
