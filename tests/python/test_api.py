"""Each item of the Python API, with exact results."""
import datetime
import decimal
import threading

import pyarrow as pa
import pytest

import sluice


def rows(frame):
    return frame.to_arrow().to_pylist()


def test_sql_with_parameters_of_every_kind(session):
    frame = session.sql(
        "SELECT $1 AS i, $2 AS s, $3 AS f, $4 AS b, $5 AS n, $6 AS d, $7 AS m",
        [7, "x'y", 0.5, True, None, datetime.date(2026, 1, 2), decimal.Decimal("1.25")])
    assert rows(frame) == [{"i": 7, "s": "x'y", "f": 0.5, "b": True, "n": None,
                            "d": datetime.date(2026, 1, 2), "m": decimal.Decimal("1.25")}]
    assert rows(session.sql("SELECT count(*) AS n FROM range(10) WHERE id > ?", [6])) == [
        {"n": 3}]
    with pytest.raises(TypeError):
        session.sql("SELECT $1", "not a list")


def test_dataframe_operations(session):
    base = session.sql("SELECT id, id % 3 AS k FROM range(10)")
    agg = (base.filter("id >= 2").aggregate(["k"], ["count(*) AS n", "sum(id) AS total"])
           .sort("k DESC"))
    assert rows(agg) == [{"k": 2, "n": 3, "total": 15}, {"k": 1, "n": 2, "total": 11},
                         {"k": 0, "n": 3, "total": 18}]
    assert rows(base.select("id * 2 AS twice").limit(2, offset=3)) == [
        {"twice": 6}, {"twice": 8}]
    names = session.sql("SELECT * FROM (VALUES (0, 'zero'), (2, 'two')) AS v(id, name)")
    joined = base.join(names, "l.id = r.id").select("name", "k").sort("name")
    assert rows(joined) == [{"name": "two", "k": 2}, {"name": "zero", "k": 0}]
    left = base.limit(3).join(names, "l.id = r.id", how="left").select("k", "name")
    assert rows(left.sort("k")) == [{"k": 0, "name": "zero"}, {"k": 1, "name": None},
                                    {"k": 2, "name": "two"}]
    with pytest.raises(ValueError):
        base.join(names, "l.id = r.id", how="full")
    assert base.schema == pa.schema([("id", pa.int64()), ("k", pa.int64())])
    assert "Filter" in base.filter("id > 1").explain() or "filter" in base.filter(
        "id > 1").explain().lower()
    assert repr(base) == "sluice.DataFrame(id: int64, k: int64)"


def test_errors_are_raised_when_the_frame_is_built(session):
    base = session.sql("SELECT id FROM range(3)")
    with pytest.raises(sluice.SqlError) as raised:
        base.filter("nope > 1")
    assert "nope" in str(raised.value)
    with pytest.raises(sluice.SqlError) as raised:
        session.sql("SELECT id,\n  missing FROM range(3)")
    assert (raised.value.line, raised.value.column) == (2, 3)
    assert "missing" in str(raised.value) and "^" in str(raised.value)
    with pytest.raises(sluice.NotSupportedError) as raised:
        session.sql("SELECT id FROM range(3) ORDER BY id USING >")
    assert str(raised.value).startswith("not supported: ")
    assert raised.value.line == 1 and raised.value.column > 0
    with pytest.raises(sluice.Error):
        session.table("no_such_table")
    # Division by zero surfaces when the query runs, from the read.
    with pytest.raises(sluice.Error, match="(?i)divi"):
        session.sql("SELECT 1 / (id - id) AS x FROM range(3)").to_arrow()


def test_execute_append_and_write_delta(warehouse):
    session, path = warehouse
    result = session.execute("CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR)")
    assert isinstance(result, sluice.ExecResult) and result.version == 0
    result = session.execute("INSERT INTO t VALUES ($1, $2)", [1, "one"])
    assert (result.rows_affected, result.version) == (1, 1)
    result = session.append("t", pa.table({"id": [2, 3], "name": ["two", None]}))
    assert (result.rows_affected, result.version) == (2, 2)
    result = session.sql("SELECT id + 10 AS id FROM range(4)").write_delta("t")
    assert (result.rows_affected, result.version) == (4, 3)
    assert rows(session.sql("SELECT count(*) AS n, sum(id) AS s FROM t")) == [
        {"n": 7, "s": 1 + 2 + 3 + 10 + 11 + 12 + 13}]
    # A rejected append (NULL into NOT NULL) leaves the table as it was.
    with pytest.raises(sluice.Error, match="NULL"):
        session.append("t", pa.table({"id": pa.array([None], pa.int64())}))
    deltalake = pytest.importorskip("deltalake")
    table = deltalake.DeltaTable(str(path / "t"))
    assert table.version() == 3
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == [1, 2, 3, 10, 11, 12, 13]


def test_settings_and_tables(session):
    session.set("threads", "2")
    assert session.get("threads") == "2"
    with pytest.raises(sluice.Error):
        session.get("no_such_setting")
    session.register("a", pa.table({"x": [1]}))
    assert "a" in session.table_names()
    assert rows(session.table("a")) == [{"x": 1}]
    session.drop_table("a")
    assert "a" not in session.table_names()
    assert session.engine == "local"


def test_a_closed_session_refuses_but_its_frames_still_run():
    session = sluice.connect()
    frame = session.sql("SELECT 41 + 1 AS x")
    session.close()
    with pytest.raises(sluice.Error, match="closed"):
        session.sql("SELECT 1")
    assert rows(frame) == [{"x": 42}]


def test_streaming_table_with_a_producer_thread(session):
    schema = pa.schema([("sensor", pa.int64()), ("value", pa.float64())])
    sink = session.register_streaming_table("readings", schema, capacity=2)
    assert (sink.table_name, sink.partition) == ("readings", 0)

    def produce():
        with sink:
            for i in range(50):
                sink.write(pa.record_batch([[i % 2] * 10, [float(i)] * 10], schema=schema))

    producer = threading.Thread(target=produce)
    producer.start()
    result = session.sql(
        "SELECT sensor, count(*) AS n, sum(value) AS total FROM readings GROUP BY sensor "
        "ORDER BY sensor")
    assert rows(result) == [{"sensor": 0, "n": 250, "total": 10.0 * sum(range(0, 50, 2))},
                            {"sensor": 1, "n": 250, "total": 10.0 * sum(range(1, 50, 2))}]
    producer.join()


def test_streaming_table_partitions_try_write_and_fail(session):
    schema = pa.schema([("x", pa.int64())])
    sinks = session.register_streaming_table("p", schema, capacity=1, partitions=2)
    assert [s.partition for s in sinks] == [0, 1]
    batch = pa.record_batch([[1, 2]], schema=schema)
    assert sinks[0].try_write(batch) is True
    assert sinks[0].try_write(batch) is False  # the one-batch buffer is full
    sinks[0].close()
    sinks[1].write(pa.table({"x": [5, 6, 7]}))  # a table: each of its batches
    sinks[1].close()
    assert rows(session.sql("SELECT sum(x) AS s FROM p")) == [{"s": 21}]

    sink = session.register_streaming_table("broken", schema)
    sink.fail("sensor unplugged")
    with pytest.raises(sluice.Error, match="sensor unplugged"):
        session.sql("SELECT * FROM broken").to_arrow()

    sink = session.register_streaming_table("ctx", schema)
    with pytest.raises(RuntimeError):
        with sink:
            raise RuntimeError("producer crashed")
    with pytest.raises(sluice.Error, match="producer crashed"):
        session.sql("SELECT * FROM ctx").to_arrow()
    with pytest.raises(TypeError):
        session.register_streaming_table("t2", schema).write(42)


def test_stream_object(session):
    frame = session.sql("SELECT id FROM range(200000)")
    with frame.stream(max_buffered_batches=2) as stream:
        assert stream.schema == pa.schema([("id", pa.int64())])
        first = stream.read_next_batch()
        assert first.column(0)[0].as_py() == 0
        rest = stream.read_all()
        assert first.num_rows + rest.num_rows == 200000
        assert stream.closed
    with frame.stream() as stream:
        next(stream)
    assert stream.closed
    stream = frame.stream()
    first = next(stream)
    reader = pa.RecordBatchReader.from_stream(stream)  # hands over the rest
    assert stream.closed
    assert reader.read_all().num_rows == 200000 - first.num_rows


def test_stream_partitions_give_the_stream_in_order(session):
    frame = session.sql("SELECT id, id * 2 AS twice FROM range(1000000) WHERE id % 3 = 0")
    streams = frame.stream_partitions()
    assert len(streams) >= 2
    parts = [s.read_all() for s in streams]
    whole = pa.concat_tables(parts)
    assert whole.equals(frame.to_arrow())


def test_pandas_and_polars(session):
    frame = session.sql("SELECT id, CAST(id AS VARCHAR) AS s FROM range(5)")
    pdf = frame.to_pandas()
    assert list(pdf["id"]) == [0, 1, 2, 3, 4] and list(pdf["s"]) == ["0", "1", "2", "3", "4"]
    pldf = frame.to_polars()
    assert pldf.columns == ["id", "s"] and pldf["id"].to_list() == [0, 1, 2, 3, 4]
