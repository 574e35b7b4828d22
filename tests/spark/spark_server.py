"""Starts and stops a real Spark Connect server for the tests (a ctest fixture).

    spark_server.py start --kind spark|sail --dir DIR
    spark_server.py stop --dir DIR

`start` launches the server in its own process group with its working files in DIR,
waits until it listens, and writes DIR/port and DIR/pid. Apache Spark comes from the
project's pyspark (with the Delta Lake jars that `make setup` resolved into .spark-ivy);
Sail from the separate .venv-sail. `stop` fails if the server died while the tests ran
(its log says why), then stops it with SIGTERM.
"""

import argparse
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTED = {
    "spark": re.compile(rb"Spark Connect server started at: [0-9.]+:(\d+)"),
    "sail": re.compile(rb"Starting the Spark Connect server on [0-9.]+:(\d+)"),
}


def pinned(path, prefix):
    for line in (ROOT / path).read_text().splitlines():
        if line.startswith(prefix):
            return line.strip()
    raise SystemExit(f"{prefix} is not pinned in {path}")


def spark_command(workdir):
    import pyspark  # from the project virtualenv

    home = pathlib.Path(pyspark.__file__).parent
    delta = pinned("deps/maven.txt", "io.delta:delta-spark")
    return [
        str(home / "bin" / "spark-submit"),
        "--master", "local[2]",
        "--driver-memory", "2g",
        "--packages", delta,
        "--conf", f"spark.jars.ivy={ROOT / '.spark-ivy'}",
        "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", "spark.connect.grpc.binding.port=0",
        "--conf", "spark.ui.enabled=false",
        "--conf", f"spark.sql.warehouse.dir={workdir / 'spark-warehouse'}",
        "--conf", f"spark.driver.extraJavaOptions=-Dderby.system.home={workdir}",
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "spark-internal",
    ], {"SPARK_HOME": str(home)}


def sail_command(workdir):
    sail = ROOT / ".venv-sail" / "bin" / "sail"
    if not sail.exists():
        raise SystemExit(f"{sail} is missing: run 'make setup'")
    return [str(sail), "spark", "server", "--port", "0", "-C", str(workdir)], {}


def start(kind, workdir):
    stop(workdir, quiet=True)
    workdir.mkdir(parents=True, exist_ok=True)
    command, env = (spark_command if kind == "spark" else sail_command)(workdir)
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        match = STARTED[kind].search(log_path.read_bytes())
        if match:
            (workdir / "port").write_text(match.group(1).decode())
            (workdir / "pid").write_text(str(process.pid))
            print(f"{kind} Connect server pid {process.pid} on port {match.group(1).decode()}")
            return
        if process.poll() is not None:
            sys.stdout.write(log_path.read_text(errors="replace")[-4000:])
            raise SystemExit(f"the {kind} server exited with {process.returncode}")
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"the {kind} server did not start within 240 s")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = pathlib.Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(")")[-1].split()[0] != "Z"


def stop(workdir, quiet=False):
    pid_file = workdir / "pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    pid_file.unlink()
    (workdir / "port").unlink(missing_ok=True)
    if not alive(pid):
        if quiet:
            return
        log = (workdir / "server.log").read_text(errors="replace")[-4000:]
        raise SystemExit(f"the server (pid {pid}) died while the tests ran:\n{log}")
    os.killpg(pid, signal.SIGTERM)
    deadline = time.time() + 30
    while time.time() < deadline and alive(pid):
        time.sleep(0.1)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--kind", choices=["spark", "sail"], default="spark")
    parser.add_argument("--dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    if args.action == "start":
        start(args.kind, args.dir.resolve())
    else:
        stop(args.dir.resolve())


if __name__ == "__main__":
    main()
