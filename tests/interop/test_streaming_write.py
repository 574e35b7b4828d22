"""Streaming writes through the C entry points: a directory of Parquet files written by
pyarrow, and a producer's epochs, go into Delta tables exactly once; delta-rs reads them
and their txn versions."""
import ctypes

import deltalake
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import ArrowArray, ArrowSchema

ERROR = ctypes.POINTER(ctypes.c_char_p)


class WriteOptions(ctypes.Structure):
    _fields_ = [("query_id", ctypes.c_char_p), ("interval_ms", ctypes.c_int64),
                ("max_files_per_epoch", ctypes.c_int64), ("output_mode", ctypes.c_char_p),
                ("key_columns", ctypes.POINTER(ctypes.c_char_p)),
                ("merge_schema", ctypes.c_int), ("compact_every_epochs", ctypes.c_int64)]


def options(query_id, interval_ms=-1, max_files=0, mode=None, keys=()):
    keys_array = (ctypes.c_char_p * (len(keys) + 1))(*[k.encode() for k in keys], None)
    result = WriteOptions(query_id.encode(), interval_ms, max_files,
                          mode.encode() if mode else None,
                          ctypes.cast(keys_array, ctypes.POINTER(ctypes.c_char_p)), 0, 0)
    result.keep_alive = keys_array
    return result


def declare(lib):
    lib.sluice_register_directory_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.POINTER(ArrowSchema), ERROR]
    lib.sluice_write_stream.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(WriteOptions),
        ctypes.POINTER(ctypes.c_void_p), ERROR]
    lib.sluice_last_committed_epoch.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64),
        ERROR]
    lib.sluice_sink_begin_epoch.argtypes = [ctypes.c_void_p, ctypes.c_int64, ERROR]
    lib.sluice_sink_end_epoch.argtypes = [ctypes.c_void_p, ERROR]
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
    assert lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events",
                                   options("c-ingest", max_files=1), ctypes.byref(query),
                                   ctypes.byref(error)) == 0, error.value
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
    assert lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events",
                                   options("c-ingest"), ctypes.byref(query),
                                   ctypes.byref(error)) == 0, error.value
    assert lib.sluice_streaming_query_await(query, 30000, ctypes.byref(ended),
                                            ctypes.byref(error)) == 0, error.value
    assert lib.sluice_streaming_query_last_epoch(query) == 3
    lib.sluice_streaming_query_free(query)
    table = deltalake.DeltaTable(path)
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == list(range(32)) + [100, 101]
    assert table.transaction_version("c-ingest") == 3
    assert table.transaction_version("rs-writer") == 7
    # A bad query id is refused with a message.
    rc = lib.sluice_write_stream(session, b"SELECT id FROM incoming", b"events",
                                 options("a/b"), ctypes.byref(query), ctypes.byref(error))
    assert rc != 0 and b"query id" in error.value
    lib.sluice_session_free(session)


def test_producer_epochs_upsert_into_delta_through_the_c_api(sluice, tmp_path):
    """A producer marks epochs; an update-mode write keeps the latest value per key; a
    restarted producer resends epochs and delta-rs sees each applied once."""
    lib = sluice.lib
    declare(lib)
    session, error = ctypes.c_void_p(), ctypes.c_char_p()
    uri = f"local:{tmp_path / 'warehouse'}".encode()
    assert lib.sluice_connect(uri, ctypes.byref(session), ctypes.byref(error)) == 0
    schema = pa.schema([pa.field("k", pa.int64(), nullable=False), pa.field("v", pa.int64())])
    path = str(tmp_path / "warehouse" / "latest")
    deltalake.write_deltalake(path, schema.empty_table())

    def run(first_epoch, last_epoch):
        sink = sluice_sink(lib, session, schema)
        query = ctypes.c_void_p()
        assert lib.sluice_write_stream(session, b"SELECT k, v FROM readings", b"latest",
                                       options("readings", interval_ms=0, mode="update",
                                               keys=["k"]),
                                       ctypes.byref(query), ctypes.byref(error)) == 0, \
            error.value
        for epoch in range(first_epoch, last_epoch + 1):
            assert lib.sluice_sink_begin_epoch(sink, epoch, ctypes.byref(error)) == 0
            batch = pa.record_batch([pa.array([epoch % 3, 10 + epoch % 3], pa.int64()),
                                     pa.array([epoch, epoch], pa.int64())], schema=schema)
            array, c_schema = ArrowArray(), ArrowSchema()
            batch._export_to_c(ctypes.addressof(array), ctypes.addressof(c_schema))
            assert lib.sluice_sink_write(sink, ctypes.byref(array), ctypes.byref(c_schema),
                                         ctypes.byref(error)) == 0, error.value
            assert lib.sluice_sink_end_epoch(sink, ctypes.byref(error)) == 0
        assert lib.sluice_sink_close(sink, ctypes.byref(error)) == 0
        ended = ctypes.c_int()
        assert lib.sluice_streaming_query_await(query, 30000, ctypes.byref(ended),
                                                ctypes.byref(error)) == 0, error.value
        assert ended.value == 1
        lib.sluice_streaming_query_free(query)
        lib.sluice_sink_free(sink)

    run(0, 4)
    last = ctypes.c_int64()
    assert lib.sluice_last_committed_epoch(session, b"latest", b"readings", ctypes.byref(last),
                                           ctypes.byref(error)) == 0
    assert last.value == 4
    run(3, 7)  # epochs 3 and 4 again: dropped
    table = deltalake.DeltaTable(path)
    assert table.transaction_version("readings") == 7
    rows = sorted(zip(*table.to_pyarrow_table().select(["k", "v"]).to_pydict().values()))
    assert rows == [(0, 6), (1, 7), (2, 5), (10, 6), (11, 7), (12, 5)]
    lib.sluice_session_free(session)


def sluice_sink(lib, session, schema):
    c_schema = ArrowSchema()
    schema._export_to_c(ctypes.addressof(c_schema))
    sinks = (ctypes.c_void_p * 1)()
    error = ctypes.c_char_p()
    rc = lib.sluice_register_streaming_table(session, b"readings", ctypes.byref(c_schema), 4,
                                             1, sinks, ctypes.byref(error))
    ctypes.CFUNCTYPE(None, ctypes.c_void_p)(c_schema.release)(ctypes.addressof(c_schema))
    assert rc == 0, error.value
    return sinks[0]
