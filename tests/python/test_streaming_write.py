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
    with pytest.raises(sluice.NotSupportedError):
        session.sql("SELECT 1 AS id").write_stream("t", "x")
