"""Streaming writes through the C entry points: a directory of Parquet files written by
pyarrow goes into a Delta table exactly once; delta-rs reads it and its txn version."""
import ctypes

import deltalake
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import ArrowSchema

ERROR = ctypes.POINTER(ctypes.c_char_p)


def declare(lib):
    lib.sluice_register_directory_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.POINTER(ArrowSchema), ERROR]
    lib.sluice_write_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int64,
        ctypes.c_int64, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ERROR]
    lib.sluice_streaming_query_await.argtypes = [
        ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_int), ERROR]
    lib.sluice_streaming_query_last_epoch.argtypes = [ctypes.c_void_p]
    lib.sluice_streaming_query_last_epoch.restype = ctypes.c_int64
    lib.sluice_streaming_query_free.argtypes = [ctypes.c_void_p]
    lib.sluice_free_error.argtypes = [ctypes.c_void_p]


def test_a_directory_streams_into_delta_through_the_c_api(sluice, tmp_path):
    lib = sluice.lib
    declare(lib)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for n in range(3):
        pq.write_table(pa.table({"id": pa.array(range(n * 10, n * 10 + 10), pa.int64())}),
                       incoming / f"f{n}.parquet")
    session, error = ctypes.c_void_p(), ctypes.c_char_p()
    uri = f"local:{tmp_path / 'warehouse'}".encode()
    assert lib.sluice_connect(uri, ctypes.byref(session), ctypes.byref(error)) == 0
    # delta-rs creates the table; Sluice's streaming write and delta-rs's app
    # transactions then share it.
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False)])
    path = str(tmp_path / "warehouse" / "events")
    deltalake.write_deltalake(path, pa.table({"id": pa.array([], pa.int64())}, schema=schema))
    assert lib.sluice_register_directory_stream(session, b"incoming", str(incoming).encode(),
                                                b"parquet", None, ctypes.byref(error)) == 0
    query = ctypes.c_void_p()
    assert lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events", b"c-ingest",
                                   -1, 1, 0, ctypes.byref(query), ctypes.byref(error)) == 0, \
        error.value
    ended = ctypes.c_int()
    assert lib.sluice_streaming_query_await(query, 30000, ctypes.byref(ended),
                                            ctypes.byref(error)) == 0, error.value
    assert ended.value == 1
    assert lib.sluice_streaming_query_last_epoch(query) == 2
    lib.sluice_streaming_query_free(query)
    table = deltalake.DeltaTable(path)
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == list(range(30))
    assert table.transaction_version("c-ingest") == 2
    # delta-rs appends under its own app id; Sluice then resumes its own.
    deltalake.write_deltalake(
        table, pa.table({"id": pa.array([100, 101], pa.int64())}, schema=schema),
        mode="append", commit_properties=deltalake.CommitProperties(
            app_transactions=[deltalake.Transaction(app_id="rs-writer", version=7)]))
    pq.write_table(pa.table({"id": pa.array([30, 31], pa.int64())}), incoming / "f3.parquet")
    assert lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events", b"c-ingest",
                                   -1, 0, 0, ctypes.byref(query), ctypes.byref(error)) == 0, \
        error.value
    assert lib.sluice_streaming_query_await(query, 30000, ctypes.byref(ended),
                                            ctypes.byref(error)) == 0, error.value
    assert lib.sluice_streaming_query_last_epoch(query) == 3
    lib.sluice_streaming_query_free(query)
    table = deltalake.DeltaTable(path)
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == list(range(32)) + [100, 101]
    assert table.transaction_version("c-ingest") == 3
    assert table.transaction_version("rs-writer") == 7
    # A bad query id is refused with a message.
    rc = lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events", b"a/b", -1,
                                 0, 0, ctypes.byref(query), ctypes.byref(error))
    assert rc != 0 and b"query id" in error.value
    lib.sluice_session_free(session)
