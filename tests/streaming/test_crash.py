"""Exactly once under crashes: a streaming writer process is killed with SIGKILL at random
moments (before, while and after it writes data files and commits) and started again;
after every kill the table holds no record twice, and at the end every source record
exactly once. delta-rs reads the table and reports the query's txn version.

SLUICE_CRASH_CYCLES sets the number of kills (50 by default, 1000 in the long run). The
table is checked after every kill in short runs, every 25 kills in long ones (reading it
costs more as it grows). At the end VACUUM removes the data files of killed epochs, which
no version of the table ever referenced."""
import os
import pathlib
import random
import signal
import subprocess
import time

import deltalake
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CHILD = os.environ.get("SLUICE_STREAM_CHILD", "build/bin/streaming_writer_child")
SLUICE = os.environ.get("SLUICE_BIN", "build/bin/sluice")
CYCLES = int(os.environ.get("SLUICE_CRASH_CYCLES", "50"))
CHECK_EVERY = 1 if CYCLES <= 50 else 25
ROWS_PER_FILE = 50


def add_files(directory, first_file, count):
    for n in range(first_file, first_file + count):
        ids = pa.array(range(n * ROWS_PER_FILE, (n + 1) * ROWS_PER_FILE), pa.int64())
        hidden = directory / f".f{n:06d}.parquet"
        pq.write_table(pa.table({"id": ids}), hidden)
        hidden.rename(directory / f"f{n:06d}.parquet")


def table_ids(path):
    if not (path / "_delta_log").exists():
        return []
    table = deltalake.DeltaTable(str(path))
    return table.to_pyarrow_table(columns=["id"])["id"].to_pylist()


def test_killed_writers_lose_and_duplicate_nothing(tmp_path):
    warehouse, incoming = tmp_path / "warehouse", tmp_path / "incoming"
    incoming.mkdir()
    subprocess.run([SLUICE, "--warehouse", str(warehouse), "-c",
                    "CREATE TABLE events (id BIGINT NOT NULL) TBLPROPERTIES "
                    "('delta.deletedFileRetentionDuration' = 'interval 0 hours')"], check=True,
                   capture_output=True)
    rng = random.Random(20261202)
    files = 0
    kills = 0
    checked = -1
    while kills < CYCLES:
        if rng.random() < 0.5 or files == 0:
            add = rng.randint(1, 6)
            add_files(incoming, files, add)
            files += add
        child = subprocess.Popen([CHILD, str(warehouse), "events", str(incoming), "ingest",
                                  str(rng.randint(1, 3))], stderr=subprocess.PIPE, text=True)
        try:
            child.wait(timeout=rng.uniform(0.0, 0.25))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1
        else:
            assert child.returncode == 0, child.stderr.read()
        if kills % CHECK_EVERY == 0 and kills != checked:
            checked = kills
            ids = table_ids(warehouse / "events")
            assert len(ids) == len(set(ids)), f"a record was written twice after {kills} kills"
            assert max(ids, default=-1) < files * ROWS_PER_FILE and min(ids, default=0) >= 0
    done = subprocess.run([CHILD, str(warehouse), "events", str(incoming), "ingest"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ids = table_ids(warehouse / "events")
    assert sorted(ids) == list(range(files * ROWS_PER_FILE))
    table = deltalake.DeltaTable(str(warehouse / "events"))
    assert table.transaction_version("ingest") is not None
    assert table.transaction_version("ingest") >= 0
    # Killed epochs left data files no commit names; VACUUM removes exactly those.
    data_files = {p.relative_to(warehouse / "events").as_posix()
                  for p in (warehouse / "events").rglob("*.parquet")
                  if "_delta_log" not in p.parts}
    root = (warehouse / "events").resolve()
    live = {pathlib.Path(uri.removeprefix("file://")).resolve().relative_to(root).as_posix()
            for uri in table.file_uris()}
    assert live <= data_files
    vacuum = subprocess.run([SLUICE, "--warehouse", str(warehouse), "-c",
                             "VACUUM events RETAIN 0 HOURS"], capture_output=True, text=True)
    assert vacuum.returncode == 0, vacuum.stderr
    left = {p.relative_to(warehouse / "events").as_posix()
            for p in (warehouse / "events").rglob("*.parquet") if "_delta_log" not in p.parts}
    assert left == live, f"{len(data_files - live)} orphans before, {len(left - live)} after"
    assert sorted(table_ids(warehouse / "events")) == list(range(files * ROWS_PER_FILE))
