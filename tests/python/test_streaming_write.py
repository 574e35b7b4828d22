"""Streaming writes from Python: a directory stream into a Delta table, exactly once."""
import time

import deltalake
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sluice


def add(directory, name, first, rows):
    pq.write_table(pa.table({"id": pa.array(range(first, first + rows), pa.int64())}),
                   directory / f".{name}")
    (directory / f".{name}").rename(directory / name)


def ids(session):
    return session.sql("SELECT id FROM t ORDER BY id").to_arrow()["id"].to_pylist()


@pytest.fixture
def setup(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    session = sluice.connect(f"local:{tmp_path / 'warehouse'}")
    session.execute("CREATE TABLE t (id BIGINT NOT NULL)")
    schema = pa.schema([("id", pa.int64())])
    session.register_directory_stream("incoming", str(incoming), schema=schema)
    return session, incoming, tmp_path


def test_available_now_then_a_restart_resumes(setup):
    session, incoming, tmp_path = setup
    for i in range(3):
        add(incoming, f"f{i}.parquet", i * 10, 10)
    frame = session.sql("SELECT id FROM incoming")
    query = frame.write_stream("t", "ingest", trigger="available_now", max_files_per_epoch=2)
    assert query.await_termination(30)
    assert query.state == "finished" and query.exception() is None
    assert [p["input_files"] for p in query.recent_progress] == [2, 1]
    assert query.last_progress["version"] == 2 and query.last_committed_epoch == 1
    add(incoming, "f3.parquet", 30, 10)
    again = frame.write_stream("t", "ingest", trigger="available_now")
    assert again.await_termination(30)
    assert ids(session) == list(range(40))
    table = deltalake.DeltaTable(str(tmp_path / "warehouse" / "t"))
    assert table.transaction_version("ingest") == 2


def test_processing_time_until_stopped(setup):
    session, incoming, _ = setup
    with session.sql("SELECT id FROM incoming").write_stream(
            "t", "live", interval=0.02) as query:
        add(incoming, "a.parquet", 0, 5)
        deadline = time.monotonic() + 20
        while len(ids(session)) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert query.state == "running"
    assert query.state == "stopped"
    assert ids(session) == list(range(5))


def test_a_failed_epoch_raises_with_its_number(setup):
    session, incoming, _ = setup
    add(incoming, "a.parquet", 0, 5)
    (incoming / "b.parquet").write_text("not parquet")
    query = session.sql("SELECT id FROM incoming").write_stream(
        "t", "bad", trigger="available_now", max_files_per_epoch=1)
    with pytest.raises(sluice.Error, match="epoch 1"):
        query.await_termination(30)
    assert query.state == "failed"
    assert ids(session) == list(range(5))
    with pytest.raises(ValueError):
        session.sql("SELECT id FROM incoming").write_stream("t", "x", trigger="sometimes")
    with pytest.raises(sluice.Error, match="update mode needs key columns"):
        session.sql("SELECT 1 AS id").write_stream("t", "x", output_mode="update")


def test_update_mode_over_producer_epochs_with_a_restart(setup):
    session, _, tmp_path = setup
    session.execute("CREATE TABLE latest (sensor BIGINT NOT NULL, reading DOUBLE)")
    schema = pa.schema([("sensor", pa.int64()), ("reading", pa.float64())])

    def produce(first, last):
        sink = session.register_streaming_table("readings", schema, capacity=4)
        query = session.sql("SELECT sensor, reading FROM readings").write_stream(
            "latest", "sensors", output_mode="update", key_columns=["sensor"])
        for epoch in range(first, last + 1):
            with sink.epoch(epoch):
                sink.write(pa.record_batch([pa.array([epoch % 2, 2]), pa.array([epoch, -epoch])],
                                           schema=schema))
        sink.close()
        assert query.await_termination(30)
        assert query.exception() is None

    produce(0, 3)
    assert session.last_committed_epoch("latest", "sensors") == 3
    produce(2, 5)  # 2 and 3 resent: dropped
    rows = session.sql("SELECT sensor, reading FROM latest ORDER BY sensor").to_arrow()
    assert rows.to_pydict() == {"sensor": [0, 1, 2], "reading": [4.0, 5.0, -5.0]}
    table = deltalake.DeltaTable(str(tmp_path / "warehouse" / "latest"))
    assert table.transaction_version("sensors") == 5
    assert sorted(table.to_pyarrow_table()["sensor"].to_pylist()) == [0, 1, 2]


def test_an_exception_inside_an_epoch_commits_nothing_of_it(setup):
    session, _, _ = setup
    schema = pa.schema([("id", pa.int64())])
    sink = session.register_streaming_table("events", schema)
    query = session.sql("SELECT id FROM events").write_stream("t", "events")
    with sink.epoch(0):
        sink.write(pa.record_batch([pa.array([1, 2])], schema=schema))
    deadline = time.monotonic() + 20
    while query.last_committed_epoch < 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(ZeroDivisionError):
        with sink.epoch(1):
            sink.write(pa.record_batch([pa.array([3])], schema=schema))
            1 / 0
    with pytest.raises(sluice.Error, match="ZeroDivisionError: division by zero"):
        query.await_termination(30)
    assert query.state == "failed"
    assert ids(session) == [1, 2]


def test_a_bounded_frame_merges_new_columns_once(setup):
    session, _, tmp_path = setup
    backfill = pa.table({"id": pa.array([7, 8], pa.int64()), "note": ["a", "b"]})
    session.register("backfill", backfill)
    frame = session.sql("SELECT id, note FROM backfill")
    query = frame.write_stream("t", "backfill", trigger="available_now")
    with pytest.raises(sluice.Error, match="epoch 0: the table has no column \"note\""):
        query.await_termination(30)
    for _ in range(2):
        query = frame.write_stream("t", "backfill2", trigger="available_now", merge_schema=True)
        assert query.await_termination(30) and query.exception() is None
    table = deltalake.DeltaTable(str(tmp_path / "warehouse" / "t"))
    assert table.to_pyarrow_table().sort_by("id").to_pydict() == {"id": [7, 8],
                                                                "note": ["a", "b"]}
    assert table.transaction_version("backfill2") == 0
