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


def test_a_sluice_session_on_spark_reads_delta(spark, pyspark_session, tmp_path):
    warehouse = tmp_path / "warehouse"
    sluice(warehouse, "CREATE TABLE t (id BIGINT); INSERT INTO t SELECT id FROM range(50)")
    rows = sluice(None, f"SELECT count(*) AS n, max(id) AS m FROM delta.`{warehouse / 't'}`",
                  connect=spark.uri)
    assert rows == ['"n","m"', "50,49"]
