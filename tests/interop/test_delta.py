"""Delta Lake interoperability with delta-rs (the `deltalake` package), both ways, and
concurrent writers in separate processes."""
import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import deltalake
import pyarrow as pa
import pyarrow.compute as pc

SLUICE = os.environ.get("SLUICE_BIN", "build/bin/sluice")


def sluice(warehouse, sql, fmt="csv"):
    result = subprocess.run([SLUICE, "--warehouse", str(warehouse), "--format", fmt, "-c", sql],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def query(warehouse, sql):
    result = subprocess.run([SLUICE, "--warehouse", str(warehouse), "--format", "arrow", "-c", sql],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return pa.ipc.open_stream(result.stdout).read_all()


def sorted_table(table, key):
    return table.sort_by(key).combine_chunks()


def test_delta_rs_reads_what_sluice_writes(tmp_path):
    sluice(tmp_path, """
        CREATE TABLE events (id BIGINT NOT NULL, kind VARCHAR, amount DOUBLE, day DATE)
            PARTITIONED BY (kind);
        INSERT INTO events SELECT id, CASE WHEN id % 3 = 0 THEN 'buy' WHEN id % 3 = 1 THEN 'sell'
            ELSE NULL END, id * 1.5, DATE '2024-01-01' FROM range(1000);
        INSERT INTO events VALUES (5000, 'buy', NULL, NULL);
        CREATE TABLE plain AS SELECT id, id * id AS sq, 'x' || id AS label FROM range(5000);
    """)
    events = deltalake.DeltaTable(str(tmp_path / "events"))
    assert events.version() == 2
    theirs = sorted_table(events.to_pyarrow_table(columns=["id", "kind", "amount"]), "id")
    ours = sorted_table(query(tmp_path, "SELECT id, kind, amount FROM events"), "id")
    assert theirs.to_pydict() == ours.to_pydict()
    assert theirs.num_rows == 1001
    assert pc.sum(theirs.column("amount")).as_py() == sum(i * 1.5 for i in range(1000))
    # Time travel through delta-rs sees each of Sluice's commits.
    assert deltalake.DeltaTable(str(tmp_path / "events"), version=1).to_pyarrow_table().num_rows == 1000
    plain = deltalake.DeltaTable(str(tmp_path / "plain")).to_pyarrow_table()
    assert plain.num_rows == 5000
    assert sorted_table(plain, "id").column("sq").to_pylist()[-1] == 4999 * 4999
    # Statistics Sluice wrote are readable by delta-rs.
    actions = deltalake.DeltaTable(str(tmp_path / "plain")).get_add_actions(flatten=True)
    assert actions.column("num_records").to_pylist() == [5000]
    assert actions.column("max.id").to_pylist() == [4999]


def test_sluice_reads_what_delta_rs_writes(tmp_path):
    path = str(tmp_path / "rs")
    first = pa.table({"k": pa.array(range(10), pa.int64()), "p": ["a", "b"] * 5,
                      "v": [float(i) for i in range(10)]})
    deltalake.write_deltalake(path, first, partition_by=["p"])
    deltalake.write_deltalake(path, first.slice(0, 4), mode="append", partition_by=["p"])
    replacement = pa.table({"k": pa.array([100, 101], pa.int64()), "p": ["c", "c"], "v": [1.0, 2.0]})
    deltalake.write_deltalake(path, replacement, mode="overwrite", partition_by=["p"])
    for version in range(3):
        theirs = deltalake.DeltaTable(path, version=version).to_pyarrow_table(columns=["k", "p", "v"])
        ours = query(tmp_path, f"SELECT k, p, v FROM delta_scan('{path}', {version})")
        assert sorted_table(ours, "k").to_pydict() == sorted_table(theirs, "k").to_pydict(), version
    latest = query(tmp_path, f"SELECT k, p FROM delta_scan('{path}') ORDER BY k")
    assert latest.to_pydict() == {"k": [100, 101], "p": ["c", "c"]}
    # The warehouse finds delta-rs tables by name too.
    assert query(tmp_path, "SELECT count(*) AS n FROM rs").column("n").to_pylist() == [2]


def test_four_processes_appending_concurrently_lose_nothing(tmp_path):
    sluice(tmp_path, "CREATE TABLE log (writer BIGINT, seq BIGINT)")

    def writer(w):
        for seq in range(10):
            sluice(tmp_path, f"INSERT INTO log VALUES ({w}, {seq})")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(writer, range(4)))
    table = deltalake.DeltaTable(str(tmp_path / "log"))
    assert table.version() == 40
    rows = table.to_pyarrow_table()
    pairs = sorted(zip(rows.column("writer").to_pylist(), rows.column("seq").to_pylist()))
    assert pairs == [(w, s) for w in range(4) for s in range(10)]
    count = query(tmp_path, "SELECT count(*) AS n, count(DISTINCT writer * 100 + seq) AS d FROM log")
    assert count.to_pydict() == {"n": [40], "d": [40]}


def test_writer_killed_at_random_points_leaves_a_committed_prefix(tmp_path):
    rows_per_insert = 300_000
    sluice(tmp_path, "CREATE TABLE t (k BIGINT, v DOUBLE)")
    rng = random.Random(42)
    committed = 0
    for attempt in range(int(os.environ.get("SLUICE_KILL_ROUNDS", "12"))):
        proc = subprocess.Popen(
            [SLUICE, "--warehouse", str(tmp_path), "-c",
             f"INSERT INTO t SELECT id, id * 0.5 FROM range({rows_per_insert})"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        table = deltalake.DeltaTable(str(tmp_path / "t"))
        count = query(tmp_path, "SELECT count(*) AS n FROM t").column("n").to_pylist()[0]
        assert count % rows_per_insert == 0, f"a partial commit is visible: {count} rows"
        assert count == table.to_pyarrow_table().num_rows
        assert count // rows_per_insert == table.version(), "every commit holds one whole insert"
        assert count >= committed
        committed = count
