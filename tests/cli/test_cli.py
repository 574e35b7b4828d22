"""The `sluice` command line: output streams, pipes close cleanly, exit codes, the shell."""
import io
import json
import os
import pty
import select
import signal
import subprocess
import time

import pyarrow as pa
import pyarrow.ipc
import pytest

SLUICE = os.environ.get("SLUICE_BIN", "build/bin/sluice")


def run(*args, stdin=None):
    return subprocess.run([SLUICE, *args], input=stdin, capture_output=True, timeout=60)


def test_head_closing_the_pipe_ends_the_query_quietly():
    start = time.monotonic()
    proc = subprocess.Popen(
        f"'{SLUICE}' -c 'SELECT * FROM range(1000000000000)' --format csv | head -3",
        shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - start
    assert out.decode().splitlines() == ['"id"', "0", "1"]
    assert err == b""
    assert elapsed < 1.0, f"took {elapsed:.2f}s to stop after head closed the pipe"


def test_sluice_exit_status_after_epipe_is_zero():
    proc = subprocess.Popen(
        f"'{SLUICE}' -c 'SELECT * FROM range(1000000000000)' --format ndjson | head -1; "
        "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out == b'{"id":0}\n'
    assert err == b""


def test_exit_codes():
    ok = run("-c", "SELECT 1")
    assert ok.returncode == 0
    bad_query = run("-c", "SELECT * FROM nowhere")
    assert bad_query.returncode == 1
    assert b'table "nowhere" does not exist' in bad_query.stderr
    assert b"line 1, column 15" in bad_query.stderr
    assert run("--no-such-flag").returncode == 2
    assert run("--format", "xml", "-c", "SELECT 1").returncode == 2
    assert run("-c", "SELECT 1", "-f", "/etc/hostname").returncode == 2


def test_error_in_mid_stream_is_reported_and_fails():
    result = run("-c", "SELECT 10 / (id - 300000) FROM range(1000000)", "--format", "csv")
    assert result.returncode == 1
    assert b"divide by zero" in result.stderr


def test_formats():
    sql = "SELECT id, id * 1.5e0 AS x, 'a\"b' AS s, NULL AS n FROM range(3)"
    csv = run("-c", sql, "--format", "csv")
    assert csv.stdout.decode().splitlines() == [
        '"id","x","s","n"', '0,0,"a""b",', '1,1.5,"a""b",', '2,3,"a""b",']
    rows = [json.loads(line) for line in run("-c", sql, "--format", "ndjson").stdout.splitlines()]
    assert rows == [{"id": i, "x": i * 1.5, "s": 'a"b', "n": None} for i in range(3)]
    table = pa.ipc.open_stream(io.BytesIO(run("-c", sql, "--format", "arrow").stdout)).read_all()
    assert table.column("id").to_pylist() == [0, 1, 2]
    assert table.schema.field("x").type == pa.float64()
    text = run("-c", "SELECT id, 'x' AS s FROM range(2)").stdout.decode()
    assert text.splitlines() == ["id | s", "---+--", " 0 | x", " 1 | x", "(2 rows)"]


def test_scripts_from_file_and_stdin(tmp_path):
    script = tmp_path / "q.sql"
    script.write_text("SELECT 1 AS a;\n-- a comment; with a semicolon\nSELECT 'x;y' AS b;\n")
    result = run("-f", str(script), "--format", "csv")
    assert result.returncode == 0
    assert result.stdout.decode().splitlines() == ['"a"', "1", '"b"', '"x;y"']
    piped = run("--format", "csv", stdin=b"SELECT 2 AS c; SELECT nope;")
    assert piped.stdout.decode().splitlines() == ['"c"', "2"]
    assert piped.returncode == 1


def test_sigint_cancels_the_running_query():
    proc = subprocess.Popen([SLUICE, "-c", "SELECT sum(id) FROM range(9000000000000000000)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - start < 1.0
    assert proc.returncode == 1
    assert b"cancel" in err.lower()


def read_until(fd, marker, timeout=10.0):
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def spawn_on_terminal(args, env=None):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(SLUICE, [SLUICE, *args], env or dict(os.environ, HOME=os.environ.get("TMPDIR", "/tmp")))
    return pid, fd


def test_interactive_shell_runs_statements_and_survives_errors(tmp_path):
    pid, fd = spawn_on_terminal([], env=dict(os.environ, HOME=str(tmp_path), TERM="dumb"))
    assert b"sluice>" in read_until(fd, b"sluice>")
    os.write(fd, b"SELECT 40 +\n")
    assert b"...>" in read_until(fd, b"...>")
    os.write(fd, b"2 AS answer;\n")
    assert b"42" in read_until(fd, b"(1 row)")
    os.write(fd, b"SELECT nope;\n")
    assert b'column "nope" does not exist' in read_until(fd, b"does not exist")
    os.write(fd, b".format csv\nSELECT 7 AS z;\n")
    assert b'"z"\r\n7' in read_until(fd, b'"z"\r\n7')
    os.write(fd, b".quit\n")
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert "SELECT 40 +\n2 AS answer;" in (tmp_path / ".sluice_history").read_text()


def test_progress_is_shown_on_a_terminal_for_long_queries():
    # stdout and stderr are the terminal here, as for a person at a shell.
    pid, fd = spawn_on_terminal(["-c", "SELECT count(*) FROM range(900000000) WHERE id % 3 = 0"])
    output = read_until(fd, b"(1 row)", timeout=60)
    os.waitpid(pid, 0)
    assert b"300000000" in output
    # "[1.2s] scanned 312.5M rows (35%)": rows scanned and a share of the known input.
    assert b"scanned" in output and b" rows" in output and b"%)" in output, output
    # The line is erased before the result is printed, never left in front of it.
    assert output.rfind(b"\x1b[K") < output.find(b"count"), output


def test_progress_is_not_printed_into_pipes():
    result = run("-c", "SELECT count(*) FROM range(400000000)")
    assert result.stderr == b""


def test_a_statement_of_any_length_runs(tmp_path):
    # 100,000 characters in one literal once crashed the dialect rewrite (recursion).
    script = tmp_path / "long.sql"
    script.write_text("SELECT '" + "a" * 100_000 + "' AS x, length('" + "b" * 100_000 + "') AS n")
    result = run("-f", str(script), "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[1] == '"' + "a" * 100_000 + '",100000'


def test_literals_that_look_like_dialect_clauses_are_stored_verbatim(tmp_path):
    warehouse = str(tmp_path / "wh")
    text = "stored using delta format PARTITIONED BY (s) TBLPROPERTIES ('a' = 'b')"
    quoted = text.replace("'", "''")
    result = run("--warehouse", warehouse, "-c", f"CREATE TABLE t AS SELECT '{quoted}' AS s")
    assert result.returncode == 0, result.stderr
    result = run("--warehouse", warehouse, "-c", "SELECT s FROM t", "--format", "csv")
    assert result.stdout.decode().splitlines()[1] == f'"{text}"'
    assert sorted(os.listdir(tmp_path / "wh" / "t"))[0] == "_delta_log"
    assert not any(name.startswith("s=") for name in os.listdir(tmp_path / "wh" / "t"))


def test_table_names_cannot_leave_the_warehouse(tmp_path):
    warehouse = tmp_path / "wh"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    for statement in ['CREATE TABLE "../escaped" (id BIGINT)',
                      'CREATE TABLE "../victim" AS SELECT 1 AS x',
                      'DROP TABLE "../victim"',
                      'DROP TABLE IF EXISTS "../victim"']:
        result = run("--warehouse", str(warehouse), "-c", statement)
        assert result.returncode == 1, statement
        assert b"invalid table name" in result.stderr, result.stderr
    assert not (tmp_path / "escaped").exists()
    assert (victim / "keep.txt").read_text() == "precious"
    # A table directory that is a symlink out of the warehouse is refused too.
    assert run("--warehouse", str(warehouse), "-c", "CREATE TABLE t (x INT)").returncode == 0
    os.symlink(victim, warehouse / "linked")
    result = run("--warehouse", str(warehouse), "-c", "DROP TABLE linked")
    assert result.returncode == 1 and b"outside the warehouse" in result.stderr, result.stderr
    assert (victim / "keep.txt").exists()


def test_a_streaming_write_from_sql_resumes_in_the_next_run(tmp_path):
    import pyarrow.parquet as pq
    warehouse, landing = str(tmp_path / "wh"), tmp_path / "landing"
    landing.mkdir()
    for n in range(3):
        pq.write_table(pa.table({"id": pa.array(range(n * 10, n * 10 + 10), pa.int64())}),
                       landing / f"f{n}.parquet")
    start = (f"CREATE STREAMING WRITE ingest INTO t WITH (trigger = 'available now', "
             f"max_files_per_epoch = 1) AS SELECT id FROM read_stream('{landing}');"
             f"AWAIT STREAMING WRITE ingest;")
    result = run("--warehouse", warehouse, "-c", "CREATE TABLE t (id BIGINT); " + start)
    assert result.returncode == 0, result.stderr
    assert b"AWAIT STREAMING WRITE: ingest finished, last epoch 2" in result.stdout
    pq.write_table(pa.table({"id": pa.array([30, 31], pa.int64())}), landing / "f3.parquet")
    result = run("--warehouse", warehouse, "-c", start + "SELECT count(*) AS n, "
                 "count(DISTINCT id) AS d FROM t", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[-1] == "32,32"
    # A continuous write the script never stops ends with the process.
    result = run("--warehouse", warehouse, "-c",
                 f"CREATE STREAMING WRITE live INTO t AS SELECT id FROM read_stream('{landing}')")
    assert result.returncode == 0, result.stderr
