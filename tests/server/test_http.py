"""sluiced's HTTP endpoint, driven by curl."""
import json
import subprocess

import pyarrow as pa


def curl(*args, check=True):
    result = subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr.decode()
    return result


def test_ndjson_and_arrow_streams(server):
    out = curl(f"{server.http}/v1/query", "--get", "--data-urlencode",
               "sql=SELECT id, 'x' || CAST(id AS VARCHAR) AS s FROM range(3)").stdout
    assert [json.loads(line) for line in out.decode().splitlines()] == [
        {"id": 0, "s": "x0"}, {"id": 1, "s": "x1"}, {"id": 2, "s": "x2"}]
    out = curl("-X", "POST", "-H", "Accept: application/vnd.apache.arrow.stream",
               "--data-binary", "SELECT id * 2 AS d FROM range(200000)", f"{server.http}/v1/query").stdout
    table = pa.ipc.open_stream(out).read_all()
    assert table.num_rows == 200000 and table.column("d").to_pylist()[-1] == 399998
    out = curl("-X", "POST", "-H", "Content-Type: application/json",
               "--data", json.dumps({"sql": "SELECT 42 AS answer"}), f"{server.http}/v1/query").stdout
    assert json.loads(out) == {"answer": 42}
    # The response is chunked: each batch goes out as it is produced.
    headers = curl("-D", "-", "-o", "/dev/null", f"{server.http}/v1/query?sql=SELECT%201").stdout
    assert b"Transfer-Encoding: chunked" in headers


def test_ddl_dml_and_errors(server):
    out = curl("-X", "POST", "-H", "Content-Type: application/json", "--data",
               json.dumps({"sql": "CREATE TABLE t AS SELECT id FROM range(10)"}),
               f"{server.http}/v1/query").stdout
    assert json.loads(out)["rows_affected"] == 10
    out = curl("-X", "POST", "-H", "Content-Type: application/json", "--data",
               json.dumps({"sql": "DELETE FROM t WHERE id < 4"}), f"{server.http}/v1/query").stdout
    assert json.loads(out)["message"] == "DELETE 4"
    # An error before any row: 400 with a JSON body naming the problem and position.
    result = curl("-w", "%{http_code}", "-X", "POST", "--data-binary", "SELECT nope FROM t",
                  f"{server.http}/v1/query")
    body, code = result.stdout[:-3], result.stdout[-3:]
    assert code == b"400"
    error = json.loads(body)
    assert 'column "nope" does not exist' in error["error"] and "line 1" in error["error"]
    # An error mid-stream ends NDJSON with an error record, after the rows before it.
    out = curl("-X", "POST", "--data-binary", "SELECT 10 / (id - 2500000) AS q FROM range(3000000)",
               f"{server.http}/v1/query").stdout.decode().splitlines()
    assert len(out) > 1
    assert json.loads(out[-1])["error"] == "divide by zero"
    assert all("error" not in json.loads(line) for line in out[:-1])
    # ... and aborts an Arrow stream, which the client sees as incomplete.
    result = curl("-X", "POST", "-H", "Accept: application/vnd.apache.arrow.stream", "--data-binary",
                  "SELECT 10 / (id - 2500000) AS q FROM range(3000000)", f"{server.http}/v1/query",
                  check=False)
    assert result.returncode == 18, result  # curl: transfer closed with data outstanding


def test_a_client_that_disconnects_cancels_its_query(server):
    # curl reads a few rows into head, which exits; curl's next write fails.
    pipeline = subprocess.run(
        f"curl -sS -N '{server.http}/v1/query?sql=SELECT%20id%20FROM%20range(1000000000000)' | head -c 1000 > /dev/null",
        shell=True, timeout=30)
    assert pipeline.returncode == 0
    assert server.wait_for_no_queries(within=1.0) < 1.0
    # A listed query can be cancelled by id.
    proc = subprocess.Popen(["curl", "-sS", "-N", "--limit-rate", "100k",
                             f"{server.http}/v1/query?sql=SELECT%20id%20FROM%20range(1000000000000)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)
    queries = server.running_queries()
    assert len(queries) == 1 and queries[0]["protocol"] == "http"
    out = curl("-X", "DELETE", f"{server.http}/v1/queries/{queries[0]['id']}").stdout
    assert json.loads(out) == {"cancelled": queries[0]["id"]}
    assert server.wait_for_no_queries(within=1.0) < 1.0
    proc.kill()
    proc.wait()


def test_health_and_bearer_token(secured):
    health = json.loads(curl(f"{secured.http}/healthz").stdout)
    assert health["status"] == "ok" and health["running_queries"] == 0
    result = curl("-w", "%{http_code}", f"{secured.http}/v1/query?sql=SELECT%201")
    assert result.stdout.endswith(b"401") and b"requires a bearer token" in result.stdout
    result = curl("-w", "%{http_code}", "-H", "Authorization: Bearer wrong",
                  f"{secured.http}/v1/query?sql=SELECT%201")
    assert result.stdout.endswith(b"401") and b"not valid" in result.stdout
    out = curl("-H", "Authorization: Bearer s3cret", f"{secured.http}/v1/query?sql=SELECT%201%20AS%20x").stdout
    assert json.loads(out) == {"x": 1}
