"""Sluice with pyarrow, Polars, pandas, DuckDB and DataFusion, in both directions."""
import datafusion
import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa

QUERY = "SELECT id, id % 5 AS k, CAST(id AS VARCHAR) AS s FROM range(100000)"


def expected(n=100000):
    return pa.table({"id": pa.array(range(n), pa.int64()),
                     "k": pa.array([i % 5 for i in range(n)], pa.int64()),
                     "s": pa.array([str(i) for i in range(n)], pa.string())})


def test_consumers_read_a_sluice_dataframe(session):
    frame = session.sql(QUERY)
    assert pa.RecordBatchReader.from_stream(frame).read_all().equals(expected())
    assert pa.table(frame).equals(expected())
    assert pl.DataFrame(frame).equals(pl.from_arrow(expected()))
    # Polars reads a generic Arrow stream as one struct Series.
    assert pl.from_arrow(frame).struct.unnest().equals(pl.from_arrow(expected()))
    assert duckdb.sql("SELECT sum(id), count(DISTINCT k) FROM frame").fetchall() == [
        (sum(range(100000)), 5)]
    ctx = datafusion.SessionContext()
    df = ctx.from_arrow(frame)
    assert pa.table(df).num_rows == 100000
    assert pd.DataFrame(frame.to_pandas())["s"].iloc[-1] == "99999"


def test_producers_registered_as_tables(session):
    reference = expected(1000)
    session.register("pa_table", reference)
    session.register("pa_batch", reference.to_batches()[0])
    session.register("pa_reader", pa.RecordBatchReader.from_batches(
        reference.schema, reference.to_batches(max_chunksize=100)))
    session.register("polars_df", pl.from_arrow(reference))
    session.register("pandas_df", reference.to_pandas())
    session.register("duck", duckdb.sql("SELECT range AS id, range % 5 AS k, "
                                        "CAST(range AS VARCHAR) AS s FROM range(1000)"))
    ctx = datafusion.SessionContext()
    session.register("fusion", ctx.from_arrow(reference))
    session.register("sluice_frame", session.sql(QUERY).limit(1000))
    for name in ["pa_table", "pa_batch", "pa_reader", "polars_df", "pandas_df", "duck",
                 "fusion", "sluice_frame"]:
        got = session.sql(f"SELECT id, k, s FROM {name} ORDER BY id").to_arrow()
        # pandas 3 strings come back as large_string: compare values.
        assert got.to_pylist() == reference.to_pylist(), name
    # Streams that can be asked again serve every query; a pyarrow reader serves one.
    for name in ["polars_df", "duck", "fusion", "pa_table"]:
        assert session.sql(f"SELECT count(*) AS n FROM {name}").to_arrow().to_pylist() == [
            {"n": 1000}], name


def test_sinks_take_batches_from_other_libraries(session):
    schema = pa.schema([("id", pa.int64()), ("s", pa.string())])
    sink = session.register_streaming_table("fed", schema, capacity=64)
    sink.write(pl.DataFrame({"id": [1, 2], "s": ["a", "b"]}))
    sink.write(duckdb.sql("SELECT 3::BIGINT AS id, 'c' AS s").to_arrow_reader())
    sink.write(pa.record_batch([[4], ["d"]], schema=schema))
    sink.close()
    got = session.sql("SELECT id, s FROM fed ORDER BY id").to_arrow()
    assert got.to_pylist() == [{"id": 1, "s": "a"}, {"id": 2, "s": "b"},
                               {"id": 3, "s": "c"}, {"id": 4, "s": "d"}]
