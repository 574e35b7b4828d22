"""The front ends on Spark: the sluice CLI with --connect, and sluiced --engine serving
Flight SQL (pyarrow.flight, ADBC) and HTTP (curl) over a Spark Connect server, where a
client that goes away interrupts its Spark operation."""
import importlib.util
import json
import pathlib
import socket
import subprocess
import tempfile
import time

import adbc_driver_flightsql.dbapi as flight_sql
import pyarrow as pa
import pyarrow.flight as fl
import pytest

from conftest import SLUICE, SLUICED

# Flight SQL's messages for the raw pyarrow.flight client, shared with the server tests.
_spec = importlib.util.spec_from_file_location(
    "flight_sql_messages", pathlib.Path(__file__).parents[1] / "server" / "conftest.py")
_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_messages)
statement_query = _messages.statement_query

# Rows flow at once and the job would run for minutes; small partitions keep each task's
# result small (Spark holds a whole partition's batches while sending them).
ENDLESS = ("SELECT id, sha2(CAST(id AS STRING), 256) AS h "
           "FROM range(0, 2000000000, 1, 2000)")


def curl(*args, timeout=60):
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=timeout,
                          check=True)


def test_cli_connects_to_spark(spark):
    out = subprocess.run(
        [SLUICE, "--connect", spark.uri, "--format", "csv", "-c",
         "SELECT id, id * 3 AS t FROM range(4); CREATE TEMPORARY VIEW v AS SELECT 1 AS one; "
         "SELECT one FROM v"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ['"id","t"', "0,0", "1,3", "2,6", "3,9", '"one"', "1"]
    bad = subprocess.run([SLUICE, "--connect", spark.uri, "-c", "SELECT nope FROM range(1)"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "UNRESOLVED_COLUMN" in bad.stderr and "42703" in bad.stderr


def test_the_cli_waits_for_a_server_that_is_still_starting(tmp_path):
    # The client retries UNAVAILABLE with backoff: a server that comes up 1.5 s after the
    # client starts still answers its query. Sail starts in a fraction of a second.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli = subprocess.Popen([SLUICE, "--connect", f"sc://127.0.0.1:{port}", "--format", "csv",
                            "-c", "SELECT 41 + 1 AS x"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert cli.poll() is None, "the client gave up at once"
    sail = pathlib.Path(__file__).parents[2] / ".venv-sail" / "bin" / "sail"
    server = subprocess.Popen([str(sail), "spark", "server", "--port", str(port), "-C",
                               str(tmp_path)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        out, err = cli.communicate(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert cli.returncode == 0, err
    assert out.splitlines() == ['"x"', "42"]


def test_pyarrow_flight_and_adbc_query_spark(gateway):
    client = fl.connect(gateway.flight)
    info = client.get_flight_info(fl.FlightDescriptor.for_command(
        statement_query("SELECT id, id * 2 AS twice FROM range(100000)")))
    assert info.schema.names == ["id", "twice"]
    table = client.do_get(info.endpoints[0].ticket).read_all()
    assert table.num_rows == 100000
    assert table.column("twice").to_pylist()[-1] == 199998
    with flight_sql.connect(gateway.flight) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMPORARY VIEW squares AS SELECT id, id * id AS sq FROM range(10)")
        cur.execute("SELECT sum(sq) AS s FROM squares WHERE id < 4")
        assert cur.fetchall() == [(14,)]
        with pytest.raises(Exception, match="UNRESOLVED_COLUMN"):
            cur.execute("SELECT nope FROM squares")


def test_each_client_session_is_a_spark_session(spark):
    # Two clients with tokens of their own: a temporary view of one is not the other's.
    with tempfile.NamedTemporaryFile("w", suffix=".tokens") as tokens:
        tokens.write("ann tok-ann\nbob tok-bob\n")
        tokens.flush()
        proc = subprocess.Popen(
            [SLUICED, "--flight", "127.0.0.1:0", "--http", "127.0.0.1:0", "--engine",
             spark.uri, "--tokens-file", tokens.name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            http = "http://" + line.split("HTTP on http://")[1].split(",")[0]
            post = lambda token, sql: curl(  # noqa: E731
                "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json",
                "-d", json.dumps({"sql": sql}), f"{http}/v1/query").stdout
            post("tok-ann", "CREATE TEMPORARY VIEW mine AS SELECT 42 AS answer")
            assert json.loads(post("tok-ann", "SELECT answer FROM mine")) == {"answer": 42}
            assert b"mine" in post("tok-bob", "SELECT answer FROM mine")  # an error naming it
            assert b"TABLE_OR_VIEW_NOT_FOUND" in post("tok-bob", "SELECT answer FROM mine")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_http_ndjson_and_ddl_rules_on_spark(gateway):
    out = curl(f"{gateway.http}/v1/query?sql=SELECT%20id%20FROM%20range(3)").stdout
    assert [json.loads(line) for line in out.splitlines()] == [{"id": 0}, {"id": 1}, {"id": 2}]
    # A command never runs from a GET (CSRF): only from a JSON POST.
    refused = curl("-w", "%{http_code}",
                   f"{gateway.http}/v1/query?sql=DROP%20TABLE%20IF%20EXISTS%20x").stdout
    assert refused.endswith(b"405")
    done = curl("-H", "Content-Type: application/json", "-d",
                json.dumps({"sql": "DROP TABLE IF EXISTS sluice_gateway_none"}),
                f"{gateway.http}/v1/query").stdout
    assert json.loads(done)["message"] == "OK"


def test_an_http_client_that_disconnects_interrupts_spark(gateway, spark):
    sql = ENDLESS.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(",", "%2C")
    pipeline = subprocess.run(
        f"curl -sS -N '{gateway.http}/v1/query?sql={sql}' | head -c 10000 > /dev/null",
        shell=True, timeout=120)
    assert pipeline.returncode == 0
    spark.assert_idle_soon()


def test_a_flight_client_that_cancels_interrupts_spark(gateway, spark):
    client = fl.connect(gateway.flight)
    info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(ENDLESS)))
    reader = client.do_get(info.endpoints[0].ticket)
    reader.read_chunk()
    reader.cancel()
    client.close()
    spark.assert_idle_soon()
