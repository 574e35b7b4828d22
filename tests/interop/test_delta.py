"""Delta Lake interoperability with delta-rs (the `deltalake` package), both ways, and
concurrent writers in separate processes."""
import json
import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import deltalake
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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


def drop_commits_before_checkpoint(path):
    """Removes the JSON commits a checkpoint makes unnecessary, as log cleanup would, so
    that a reader must start from the checkpoint."""
    log = os.path.join(path, "_delta_log")
    with open(os.path.join(log, "_last_checkpoint")) as f:
        checkpoint = json.load(f)["version"]
    for name in os.listdir(log):
        if name.endswith(".json") and int(name[:20]) < checkpoint:
            os.remove(os.path.join(log, name))
    return checkpoint


def test_delta_rs_reads_every_shape_sluice_writes(tmp_path):
    sluice(tmp_path, """
        CREATE TABLE t (id BIGINT, kind VARCHAR, amount DOUBLE) PARTITIONED BY (kind)
            TBLPROPERTIES ('delta.checkpointInterval' = '4');
        INSERT INTO t SELECT id, 'k' || CAST(id % 4 AS VARCHAR), id * 0.25 FROM range(2000);
        INSERT INTO t SELECT id, 'k' || CAST(id % 4 AS VARCHAR), id * 0.25 FROM range(2000, 2600);
        INSERT INTO t SELECT id, NULL, NULL FROM range(5000, 5010);
        DELETE FROM t WHERE kind = 'k3';
        DELETE FROM t WHERE id % 10 = 1 OR amount IS NULL AND id > 5005;
        INSERT INTO t SELECT id, 'k0', 1.0 FROM range(9000, 9005);
        OPTIMIZE t;
    """)
    path = str(tmp_path / "t")
    ours = {}
    for version in range(8):
        ours[version] = sorted_table(
            query(tmp_path, f"SELECT id, kind, amount FROM t VERSION AS OF {version}"), "id")
    for version, expected in ours.items():
        theirs = deltalake.DeltaTable(path, version=version).to_pyarrow_table(
            columns=["id", "kind", "amount"])
        assert sorted_table(theirs, "id").to_pydict() == expected.to_pydict(), version
    # 2600 + 10 rows; k3 takes 650, id % 10 = 1 another 130 and 5001, NULL amounts past
    # 5005 four more.
    assert ours[5].num_rows == 2610 - 650 - 130 - 5
    # After OPTIMIZE each partition is one file, and delta-rs sees the same files.
    table = deltalake.DeltaTable(path)
    assert table.version() == 7
    assert len(table.file_uris()) == 4  # k0, k1, k2 and NULL
    history = [entry["operation"] for entry in table.history()]
    assert history[:3] == ["OPTIMIZE", "WRITE", "DELETE"]
    # With the commits before the checkpoint gone, delta-rs reads from the checkpoint.
    assert drop_commits_before_checkpoint(path) == 4
    theirs = deltalake.DeltaTable(path).to_pyarrow_table(columns=["id", "kind", "amount"])
    assert sorted_table(theirs, "id").to_pydict() == ours[7].to_pydict()
    # INSERT OVERWRITE and CREATE OR REPLACE, read back by delta-rs.
    sluice(tmp_path, "INSERT OVERWRITE t SELECT id, 'z', 0.0 FROM range(3)")
    assert deltalake.DeltaTable(path).to_pyarrow_table().num_rows == 3
    sluice(tmp_path, "CREATE OR REPLACE TABLE t AS SELECT 'only' AS word")
    replaced = deltalake.DeltaTable(path)
    assert replaced.schema().to_arrow().names == ["word"]
    assert replaced.to_pyarrow_table().to_pydict() == {"word": ["only"]}


def test_delta_rs_reads_each_encoding_sluice_chooses(tmp_path):
    # Past 4096 rows Sluice picks each column's encoding from the file's first rows:
    # DELTA_BINARY_PACKED for keys and prices, dictionaries for few values, PLAIN for
    # mostly distinct strings. delta-rs must read all of them, NULLs included.
    sluice(tmp_path, """
        CREATE TABLE t AS SELECT id, id % 5 AS bucket,
            CAST((id * 7919) % 100003 AS DECIMAL(12, 2)) AS price,
            CASE WHEN id % 11 = 0 THEN NULL ELSE id * 3 END AS maybe,
            'label-' || CAST(id AS VARCHAR) AS label,
            CASE WHEN id % 3 = 0 THEN 'AIR' WHEN id % 3 = 1 THEN 'RAIL' END AS mode
        FROM range(100000);
    """)
    files = deltalake.DeltaTable(str(tmp_path / "t")).file_uris()
    assert len(files) == 1
    column = {}
    metadata = pq.ParquetFile(files[0].removeprefix("file://")).metadata.row_group(0)
    for i in range(metadata.num_columns):
        column[metadata.column(i).path_in_schema] = metadata.column(i).encodings
    for name in ("id", "price", "maybe"):
        assert "DELTA_BINARY_PACKED" in column[name], (name, column[name])
    for name in ("bucket", "mode"):
        assert "RLE_DICTIONARY" in column[name], (name, column[name])
    assert column["label"] == ("PLAIN", "RLE") or column["label"] == ("RLE", "PLAIN")
    theirs = sorted_table(deltalake.DeltaTable(str(tmp_path / "t")).to_pyarrow_table(), "id")
    ours = sorted_table(query(tmp_path, "SELECT * FROM t"), "id")
    assert theirs.to_pydict() == ours.to_pydict()
    assert theirs.column("id").to_pylist() == list(range(100000))
    assert theirs.column("maybe").null_count == len(range(0, 100000, 11))
    assert pc.sum(theirs.column("maybe")).as_py() == sum(i * 3 for i in range(100000) if i % 11)
    assert theirs.column("label").to_pylist()[99999] == "label-99999"
    assert theirs.column("mode").to_pylist()[:3] == ["AIR", "RAIL", None]


def test_delta_rs_reads_a_column_stored_required_in_one_file_and_optional_in_the_next(tmp_path):
    # A column without NULLs in a file's first 64Ki rows is stored REQUIRED; the first
    # NULL after that starts a new file where it is OPTIONAL.
    sluice(tmp_path, """
        CREATE TABLE t AS SELECT id, CASE WHEN id >= 70000 AND id % 5 = 0 THEN NULL
            ELSE id * 2 END AS v FROM range(100000) ORDER BY id;
    """)
    table = deltalake.DeltaTable(str(tmp_path / "t"))
    assert len(table.file_uris()) == 2
    stored = set()
    for uri in table.file_uris():
        schema = pq.ParquetFile(uri.removeprefix("file://")).schema
        stored.add((schema.column(0).max_definition_level, schema.column(1).max_definition_level))
    assert stored == {(0, 0), (0, 1)}
    theirs = sorted_table(table.to_pyarrow_table(), "id")
    ours = sorted_table(query(tmp_path, "SELECT * FROM t"), "id")
    assert theirs.to_pydict() == ours.to_pydict()
    assert theirs.column("v").null_count == 6000
    assert pc.sum(theirs.column("v")).as_py() == sum(
        i * 2 for i in range(100000) if i < 70000 or i % 5)


def test_sluice_reads_delta_rs_rewrites_and_checkpoints(tmp_path):
    path = str(tmp_path / "rs")
    for i in range(5):
        batch = pa.table({"k": pa.array(range(i * 100, i * 100 + 100), pa.int64()),
                          "p": [f"p{j % 3}" for j in range(100)]})
        deltalake.write_deltalake(path, batch, mode="append", partition_by=["p"])
    table = deltalake.DeltaTable(path)
    table.delete("k < 50")
    table.optimize.compact()
    table.create_checkpoint()
    deltalake.write_deltalake(path, pa.table({"k": pa.array([7000], pa.int64()), "p": ["p9"]}),
                              mode="append", partition_by=["p"])
    latest = deltalake.DeltaTable(path).version()
    for version in range(latest + 1):
        theirs = deltalake.DeltaTable(path, version=version).to_pyarrow_table(columns=["k", "p"])
        ours = query(tmp_path, f"SELECT k, p FROM delta_scan('{path}', {version})")
        assert sorted_table(ours, "k").to_pydict() == sorted_table(theirs, "k").to_pydict(), version
    # From delta-rs's checkpoint alone.
    drop_commits_before_checkpoint(path)
    ours = query(tmp_path, "SELECT count(*) AS n, min(k) AS lo, max(k) AS hi FROM rs")
    assert ours.to_pydict() == {"n": [451], "lo": [50], "hi": [7000]}
    history = query(tmp_path, "SELECT version, operation FROM (DESCRIBE HISTORY rs) h ORDER BY version")
    assert history.column("version").to_pylist() == [latest - 1, latest]  # from the checkpoint on


def test_writer_killed_during_rewrites_leaves_a_committed_state(tmp_path):
    sluice(tmp_path, "CREATE TABLE t (k BIGINT, v DOUBLE) TBLPROPERTIES ('delta.checkpointInterval' = '3')")
    sluice(tmp_path, "INSERT INTO t SELECT id, id * 0.5 FROM range(400000)")
    rng = random.Random(7)
    statements = [
        "INSERT INTO t SELECT id + {base}, 0.5 FROM range(200000)",
        "DELETE FROM t WHERE k % 13 = {r}",
        "OPTIMIZE t",
        "INSERT OVERWRITE t SELECT k, v FROM t WHERE k % 2 = {parity}",
    ]
    for attempt in range(int(os.environ.get("SLUICE_REWRITE_KILL_ROUNDS", "8"))):
        sql = rng.choice(statements).format(base=1_000_000 * (attempt + 1), r=attempt % 13,
                                            parity=attempt % 2)
        before = deltalake.DeltaTable(str(tmp_path / "t")).version()
        proc = subprocess.Popen([SLUICE, "--warehouse", str(tmp_path), "-c", sql],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        table = deltalake.DeltaTable(str(tmp_path / "t"))
        assert table.version() in (before, before + 1), sql
        ours = query(tmp_path, "SELECT count(*) AS n, count(DISTINCT k) AS d FROM t").to_pydict()
        # A half-applied rewrite would show rows twice (added without the removes) or lose
        # them; each version is whole, and both readers agree on it.
        assert ours["n"] == ours["d"], sql
        assert ours["n"][0] == table.to_pyarrow_table().num_rows, sql
