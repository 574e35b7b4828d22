"""Starts sluiced for the server tests and speaks Flight SQL's protobuf messages for the
raw pyarrow.flight client (written from the Flight SQL documentation)."""
import os
import re
import subprocess
import time
import urllib.request

import pytest

SLUICED = os.environ.get("SLUICED_BIN", "build/bin/sluiced")


class Server:
    def __init__(self, warehouse, token=None, extra=()):
        cmd = [SLUICED, "--flight", "127.0.0.1:0", "--http", "127.0.0.1:0",
               "--warehouse", str(warehouse), *extra]
        if token:
            cmd += ["--token", token]
        self.warehouse = warehouse
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"(grpc(?:\+tls)?)://([\d.]+:\d+), HTTP on (https?)://([\d.]+:\d+)",
                          line)
        assert match, line + self.proc.stderr.read()
        self.flight = match.group(1) + "://" + match.group(2)
        self.http = match.group(3) + "://" + match.group(4)
        self.token = token

    @staticmethod
    def binary():
        return SLUICED

    def rss_bytes(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def running_queries(self):
        import json
        request = urllib.request.Request(self.http + "/v1/queries")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def wait_for_no_queries(self, within):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self.running_queries():
                return time.monotonic() - (deadline - within)
            time.sleep(0.02)
        raise AssertionError(f"queries still running after {within} s: {self.running_queries()}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        assert self.proc.returncode == 0, self.proc.stderr.read()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "warehouse")
    yield s
    s.stop()


@pytest.fixture
def secured(tmp_path):
    s = Server(tmp_path / "warehouse", token="s3cret")
    yield s
    s.stop()


# -- Flight SQL messages for the raw pyarrow.flight client --------------------------------

def _varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field_bytes(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def pack(message, fields=b""):
    """A Flight SQL message packed in google.protobuf.Any."""
    url = b"type.googleapis.com/arrow.flight.protocol.sql." + message.encode()
    return _field_bytes(1, url) + _field_bytes(2, fields)


def statement_query(sql):
    return pack("CommandStatementQuery", _field_bytes(1, sql.encode()))


def cancel_flight_info_request(info):
    return _field_bytes(1, info.serialize())
