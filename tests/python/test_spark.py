"""The Python package over Spark Connect: the same calls on Apache Spark and on Sail, each
started by a ctest fixture (tests/spark/spark_server.py)."""
import os
import pathlib

import pyarrow as pa
import pytest

import sluice

SPARK_DIR = pathlib.Path(os.environ.get("SLUICE_SPARK_DIR", "build/spark-server"))


@pytest.fixture(scope="module")
def spark():
    port = int((SPARK_DIR / "port").read_text())
    with sluice.connect(f"sc://127.0.0.1:{port}") as session:
        yield session


def test_sql_and_dataframes_run_on_spark(spark):
    assert spark.engine == "spark"
    frame = spark.sql("SELECT id, id % 3 AS k FROM range(100)")
    agg = frame.filter("id >= 10").aggregate(["k"], ["count(*) AS n"]).sort("k")
    assert agg.to_arrow().to_pylist() == [{"k": 0, "n": 30}, {"k": 1, "n": 30},
                                          {"k": 2, "n": 30}]
    assert frame.schema.names == ["id", "k"]
    assert sum(b.num_rows for b in frame.limit(25)) == 25


def test_results_stream_into_other_libraries(spark):
    import polars as pl
    frame = spark.sql("SELECT id, CAST(id AS STRING) AS s FROM range(5000)")
    assert pa.RecordBatchReader.from_stream(frame).read_all().num_rows == 5000
    assert pl.DataFrame(frame)["s"].to_list()[-1] == "4999"


def test_registered_arrow_tables_are_uploaded(spark):
    spark.register("py_points", pa.table({"x": [1, 2, 3], "name": ["a", "b", "c"]}))
    got = spark.sql("SELECT sum(x) AS s, max(name) AS m FROM py_points").to_arrow()
    assert got.to_pylist() == [{"s": 6, "m": "c"}]
    with pytest.raises(sluice.NotSupportedError):
        spark.register("stream", pa.RecordBatchReader.from_batches(
            pa.schema([("x", pa.int64())]), []))


def test_spark_errors_are_sluice_errors(spark):
    with pytest.raises(sluice.Error) as raised:
        spark.sql("SELECT no_such_column FROM range(3)").to_arrow()
    assert "no_such_column" in str(raised.value)
