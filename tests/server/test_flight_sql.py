"""sluiced over Flight SQL, driven by real clients: pyarrow.flight (raw Flight SQL commands)
and the ADBC Flight SQL driver."""
import threading
import time

import adbc_driver_flightsql.dbapi as flight_sql
import adbc_driver_manager
import pyarrow as pa
import pyarrow.flight as fl
import pytest

from conftest import cancel_flight_info_request, statement_query


def fetch(server, sql, options=None):
    client = fl.connect(server.flight)
    info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(sql)), options)
    return info, client.do_get(info.endpoints[0].ticket, options)


def test_pyarrow_flight_runs_a_statement_query(server):
    info, reader = fetch(server, "SELECT id, id * 2 AS twice FROM range(100000)")
    assert info.schema.names == ["id", "twice"]
    table = reader.read_all()
    assert table.num_rows == 100000
    assert table.column("twice").to_pylist()[-1] == 199998
    # A ticket is good for one DoGet.
    with pytest.raises(pa.ArrowKeyError, match="already fetched"):
        fl.connect(server.flight).do_get(info.endpoints[0].ticket).read_all()


def test_sql_errors_are_flight_errors(server):
    client = fl.connect(server.flight)
    with pytest.raises(pa.ArrowException, match="does not exist"):
        client.get_flight_info(fl.FlightDescriptor.for_command(statement_query("SELECT * FROM nope")))
    # An error in the middle of the stream fails the stream after the rows before it.
    _, reader = fetch(server, "SELECT 10 / (id - 2500000) AS q FROM range(3000000)")
    rows = 0
    with pytest.raises(pa.ArrowException, match="divide by zero"):
        for chunk in reader:
            rows += chunk.data.num_rows
    assert 0 < rows < 3000000


def test_adbc_queries_parameters_ddl_dml_and_metadata(server):
    with flight_sql.connect(server.flight) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE trades (id BIGINT, sym VARCHAR, px DOUBLE) PARTITIONED BY (sym)")
        cur.execute("INSERT INTO trades SELECT id, 'S' || CAST(id % 3 AS VARCHAR), id * 0.5 "
                    "FROM range(3000)")
        cur.execute("SELECT sym, count(*) AS n FROM trades GROUP BY sym ORDER BY sym")
        assert cur.fetchall() == [("S0", 1000), ("S1", 1000), ("S2", 1000)]
        # Prepared statements with bound parameters.
        cur.execute("SELECT count(*) AS n, max(px) AS hi FROM trades WHERE sym = $1 AND id < $2",
                    parameters=("S1", 100))
        assert cur.fetchall() == [(33, 48.5)]
        cur.execute("SELECT count(*) AS n, max(px) AS hi FROM trades WHERE sym = $1 AND id < $2",
                    parameters=("S2", 10))
        assert cur.fetchall() == [(3, 4.0)]
        # DML through DoPut (ExecuteUpdate) reports the rows it changed.
        cur.adbc_statement.set_sql_query("DELETE FROM trades WHERE sym = 'S0'")
        assert cur.adbc_statement.execute_update() == 1000
        cur.adbc_statement.set_sql_query("INSERT INTO trades VALUES (7, 'S9', 1.0), (8, 'S9', 2.0)")
        assert cur.adbc_statement.execute_update() == 2
        cur.execute("SELECT count(*) FROM trades")
        assert cur.fetchone() == (2002,)
        # A bad statement is an error, and the table is as it was.
        with pytest.raises(adbc_driver_manager.Error, match="does not exist"):
            cur.execute("INSERT INTO nowhere VALUES (1)")
        # Catalog metadata.
        objects = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
        assert objects[0]["catalog_name"] == "sluice"
        tables = [t["table_name"] for t in objects[0]["catalog_db_schemas"][0]["db_schema_tables"]]
        assert tables == ["trades"]
        assert conn.adbc_get_table_schema("trades").names == ["id", "sym", "px"]
        assert conn.adbc_get_table_types() == ["TABLE"]
        info = conn.adbc_get_info()
        assert info["vendor_name"] == "sluiced"
        assert info["vendor_arrow_version"] == pa.__version__


def test_client_that_stops_reading_slows_its_query_and_memory_stays_bounded(server):
    baseline = server.rss_bytes()
    _, reader = fetch(server, "SELECT id, id * 2 AS a, id * 3 AS b FROM range(1000000000)")
    consumed = 0
    for _ in range(5):
        consumed += reader.read_chunk().data.num_rows
    time.sleep(1.0)  # the client stops reading
    first = server.running_queries()[0]["rows"]
    time.sleep(1.0)
    second = server.running_queries()[0]["rows"]
    # Backpressure: with the client stalled, the query produced nothing more.
    assert second == first, (first, second)
    assert first - consumed < 50_000_000, "far more was produced than the client took"
    assert server.rss_bytes() - baseline < 300 * 1024 * 1024
    reader.cancel()


def test_client_that_cancels_or_disconnects_ends_its_query_within_a_second(server):
    _, reader = fetch(server, "SELECT id FROM range(1000000000000)")
    reader.read_chunk()
    assert len(server.running_queries()) == 1
    reader.cancel()
    assert server.wait_for_no_queries(within=1.0) < 1.0

    # A client process killed mid-stream.
    import subprocess, sys, textwrap
    script = textwrap.dedent(f"""
        import pyarrow.flight as fl, sys
        sys.path.insert(0, {repr(str(__import__('pathlib').Path(__file__).parent))})
        from conftest import statement_query
        client = fl.connect({server.flight!r})
        info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query(
            "SELECT id FROM range(1000000000000)")))
        reader = client.do_get(info.endpoints[0].ticket)
        reader.read_chunk()
        print("reading", flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "reading"
    assert len(server.running_queries()) == 1
    proc.kill()
    proc.wait()
    assert server.wait_for_no_queries(within=1.0) < 1.0


def test_adbc_client_that_closes_mid_stream_ends_its_query(server):
    conn = flight_sql.connect(server.flight)
    cur = conn.cursor()
    cur.execute("SELECT id, id * 2 AS d FROM range(1000000000000)")
    reader = cur.fetch_record_batch()
    assert reader.read_next_batch().num_rows > 0
    assert len(server.running_queries()) == 1
    reader.close()
    cur.close()
    conn.close()
    assert server.wait_for_no_queries(within=1.0) < 1.0


def test_cancel_flight_info_before_do_get(server):
    client = fl.connect(server.flight)
    info = client.get_flight_info(fl.FlightDescriptor.for_command(statement_query("SELECT 1 AS x")))
    results = list(client.do_action(fl.Action("CancelFlightInfo", cancel_flight_info_request(info))))
    assert results[0].body.to_pybytes() == b"\x08\x01"  # CancelFlightInfoResult{status: CANCELLED}
    with pytest.raises(pa.ArrowKeyError, match="unknown or already fetched"):
        client.do_get(info.endpoints[0].ticket).read_all()


def test_a_token_is_required_when_configured(secured):
    descriptor = fl.FlightDescriptor.for_command(statement_query("SELECT 1 AS x"))
    client = fl.connect(secured.flight)
    with pytest.raises(fl.FlightUnauthenticatedError):
        client.get_flight_info(descriptor)
    wrong = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer nope")])
    with pytest.raises(fl.FlightUnauthenticatedError):
        client.get_flight_info(descriptor, wrong)
    right = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer s3cret")])
    info = client.get_flight_info(descriptor, right)
    assert client.do_get(info.endpoints[0].ticket, right).read_all().to_pydict() == {"x": [1]}
    with pytest.raises(adbc_driver_manager.Error):
        with flight_sql.connect(secured.flight) as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
    with flight_sql.connect(secured.flight, db_kwargs={
            "adbc.flight.sql.authorization_header": "Bearer s3cret"}) as conn, conn.cursor() as cur:
        cur.execute("SELECT 41 + 1 AS x")
        assert cur.fetchall() == [(42,)]


def test_adbc_question_mark_placeholders(server):
    import adbc_driver_flightsql.dbapi as flight_sql
    with flight_sql.connect(server.flight) as conn, conn.cursor() as cur:
        cur.execute("SELECT ? + 1 AS answer, ? AS text", parameters=(41, "it's ?"))
        assert cur.fetchall() == [(42, "it's ?")]
