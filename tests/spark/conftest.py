"""The Spark Connect server the ctest fixture started (spark_server.py), and sluiced
serving it, for the Python tests of the Spark engine."""
import os
import pathlib
import re
import subprocess
import time

import pytest

SPARK_DIR = pathlib.Path(os.environ.get("SLUICE_SPARK_DIR", "build/spark-server"))
SLUICE = os.environ.get("SLUICE_BIN", "build/bin/sluice")
SLUICED = os.environ.get("SLUICED_BIN", "build/bin/sluiced")


class SparkServer:
    def __init__(self, directory):
        self.port = int((directory / "port").read_text())
        self.pid = int((directory / "pid").read_text())
        self.uri = f"sc://127.0.0.1:{self.port}"

    def cpu_seconds(self):
        fields = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu_over(self, seconds):
        before = self.cpu_seconds()
        time.sleep(seconds)
        return self.cpu_seconds() - before

    def assert_busy(self):
        assert self.cpu_over(1.0) > 0.5, "the Spark job did not start"

    def assert_idle_soon(self, seconds=10.0):
        """The endless job stops: within `seconds`, a second in which Spark's JVM is
        idle. (Within one second, as on a quiet machine, proved load-sensitive on two
        cores: the interrupt then takes longer to reach the running tasks.)"""
        deadline = time.monotonic() + seconds
        time.sleep(1.0)
        while True:
            used = self.cpu_over(1.0)
            if used < 0.4:
                return
            assert time.monotonic() < deadline, (
                f"Spark still computes ({used:.2f} CPU s in 1 s, {seconds:.0f} s on): "
                "not interrupted")


@pytest.fixture(scope="session")
def spark():
    return SparkServer(SPARK_DIR)


class Gateway:
    """sluiced serving Flight SQL and HTTP over the Spark server."""

    def __init__(self, engine):
        self.proc = subprocess.Popen(
            [SLUICED, "--flight", "127.0.0.1:0", "--http", "127.0.0.1:0", "--engine", engine],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"grpc://([\d.]+:\d+), HTTP on http://([\d.]+:\d+)", line)
        assert match, line + self.proc.stderr.read()
        self.flight = "grpc://" + match.group(1)
        self.http = "http://" + match.group(2)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        assert self.proc.returncode == 0, self.proc.stderr.read()


@pytest.fixture
def gateway(spark):
    g = Gateway(spark.uri)
    yield g
    g.stop()
