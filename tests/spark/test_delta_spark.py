"""Delta Lake on both engines in one warehouse directory: Apache Spark (with the Delta
jars) and Sluice's embedded engine read and write the same tables, and a Sluice session on
Spark reads them too."""
import subprocess
import warnings

import pytest

from conftest import SLUICE


@pytest.fixture(scope="module")
def pyspark_session(spark):
    warnings.simplefilter("ignore", FutureWarning)  # pyspark on pandas 3
    from pyspark.sql import SparkSession
    session = SparkSession.builder.remote(spark.uri).getOrCreate()
    yield session
    session.stop()


def sluice(warehouse, sql, connect=None):
    args = [SLUICE, "--format", "csv", "-c", sql]
    args += ["--connect", connect] if connect else ["--warehouse", str(warehouse)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_spark_writes_sluice_reads(pyspark_session, tmp_path):
    warehouse = tmp_path / "warehouse"
    path = str(warehouse / "events")
    pyspark_session.range(1000).selectExpr("id", "id % 7 AS k", "CAST(id AS STRING) AS s") \
        .write.format("delta").partitionBy("k").save(path)
    pyspark_session.range(1000, 1500).selectExpr("id", "id % 7 AS k", "CAST(id AS STRING) AS s") \
        .write.format("delta").mode("append").save(path)
    assert sluice(warehouse, "SELECT count(*) AS n, sum(id) AS s FROM events") == \
        ['"n","s"', f"1500,{sum(range(1500))}"]
    assert sluice(warehouse, "SELECT count(*) AS n FROM events VERSION AS OF 0") == \
        ['"n"', "1000"]
    assert sluice(warehouse, "SELECT count(*) AS n FROM events WHERE k = 3") == \
        ['"n"', str(sum(1 for i in range(1500) if i % 7 == 3))]


def test_sluice_writes_spark_reads_and_appends(pyspark_session, tmp_path):
    warehouse = tmp_path / "warehouse"
    sluice(warehouse, "CREATE TABLE trades (id BIGINT, sym TEXT, px DOUBLE) PARTITIONED BY (sym); "
                      "INSERT INTO trades SELECT id, 'S' || CAST(id % 3 AS TEXT), id * 0.5 "
                      "FROM range(300)")
    path = str(warehouse / "trades")
    rows = pyspark_session.read.format("delta").load(path) \
        .groupBy("sym").count().orderBy("sym").collect()
    assert [(r["sym"], r["count"]) for r in rows] == [("S0", 100), ("S1", 100), ("S2", 100)]
    # Spark appends a commit to Sluice's table; Sluice sees it, and both versions.
    pyspark_session.sql(f"INSERT INTO delta.`{path}` VALUES (1000, 'S9', 1.5)")
    assert sluice(warehouse, "SELECT count(*) AS n FROM trades") == ['"n"', "301"]
    assert sluice(warehouse, "SELECT count(*) AS n FROM trades VERSION AS OF 1") == \
        ['"n"', "300"]


def test_spark_reads_each_encoding_sluice_chooses(pyspark_session, tmp_path):
    # 20000 rows: enough for Sluice to choose DELTA_BINARY_PACKED for the keys and
    # prices, dictionaries for the buckets, PLAIN for the labels.
    warehouse = tmp_path / "warehouse"
    sluice(warehouse, "CREATE TABLE t AS SELECT id, id % 5 AS bucket, "
                      "CAST((id * 7919) % 100003 AS DECIMAL(12, 2)) AS price, "
                      "CASE WHEN id % 11 = 0 THEN NULL ELSE id * 3 END AS maybe, "
                      "'label-' || CAST(id AS VARCHAR) AS label FROM range(20000)")
    row = pyspark_session.read.format("delta").load(str(warehouse / "t")).selectExpr(
        "sum(id) AS ids", "sum(bucket) AS buckets", "CAST(sum(price) AS STRING) AS prices",
        "sum(maybe) AS maybes", "count(maybe) AS present", "max(label) AS label").collect()[0]
    assert row["ids"] == sum(range(20000))
    assert row["buckets"] == sum(i % 5 for i in range(20000))
    assert row["prices"] == "%d.00" % sum((i * 7919) % 100003 for i in range(20000))
    assert row["maybes"] == sum(i * 3 for i in range(20000) if i % 11)
    assert row["present"] == sum(1 for i in range(20000) if i % 11)
    assert row["label"] == "label-9999"


def test_a_sluice_session_on_spark_reads_delta(spark, pyspark_session, tmp_path):
    warehouse = tmp_path / "warehouse"
    sluice(warehouse, "CREATE TABLE t (id BIGINT); INSERT INTO t SELECT id FROM range(50)")
    rows = sluice(None, f"SELECT count(*) AS n, max(id) AS m FROM delta.`{warehouse / 't'}`",
                  connect=spark.uri)
    assert rows == ['"n","m"', "50,49"]


def test_a_streaming_write_on_spark(spark, pyspark_session, tmp_path):
    """The streaming-write API on a Spark session starts a Structured Streaming query with
    Spark's Delta sink; a restart with the same checkpoint resumes where it stopped, and
    delta-rs sees each batch committed once."""
    import deltalake
    import pyarrow as pa
    import pyarrow.parquet as pq

    import sluice as sluice_package

    incoming = tmp_path / "incoming"
    incoming.mkdir()

    def add(n):
        pq.write_table(pa.table({"id": pa.array(range(n * 10, n * 10 + 10), pa.int64())}),
                       incoming / f"f{n}.parquet")

    for n in range(3):
        add(n)
    path = tmp_path / "events"
    pyspark_session.sql(f"CREATE TABLE streamed_events (id BIGINT) USING delta "
                        f"LOCATION '{path}'")
    try:
        session = sluice_package.connect(spark.uri)
        session.register_directory_stream("incoming_files", str(incoming))
        frame = session.sql("SELECT id FROM incoming_files")
        checkpoint = str(tmp_path / "checkpoint")

        def run_to_end():
            query = frame.write_stream("streamed_events", "spark_ingest",
                                       trigger="available_now",
                                       checkpoint_location=checkpoint)
            assert query.await_termination(240)
            assert query.state == "finished" and query.exception() is None
            return query

        first = run_to_end()
        assert first.last_committed_epoch == 0
        assert first.last_progress["rows"] == 30
        add(3)
        run_to_end()
        table = deltalake.DeltaTable(str(path))
        assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == list(range(40))
        streaming = [c for c in table.history() if c["operation"] == "STREAMING UPDATE"]
        assert [c["operationParameters"]["epochId"] for c in streaming] == ["1", "0"]
        # What Sluice cannot map onto Spark's Delta sink is refused, not ignored.
        with pytest.raises(sluice_package.NotSupportedError, match="update mode"):
            frame.write_stream("streamed_events", "u", output_mode="update",
                               key_columns=["id"], checkpoint_location=checkpoint)
        # A processing-time query runs until stopped.
        live = frame.write_stream("streamed_events", "spark_live", interval=0.2,
                                  checkpoint_location=str(tmp_path / "live"))
        assert live.state == "running"
        live.stop()
        assert live.state == "stopped"
    finally:
        pyspark_session.sql("DROP TABLE IF EXISTS streamed_events")
