"""Loads libsluice through its C API for tests that drive it from Python with pyarrow."""
import ctypes
import os

import pyarrow as pa
import pytest

LIBRARY = os.environ.get("SLUICE_LIB", "build/lib/libsluice.so")


class ArrowArrayStream(ctypes.Structure):
    _fields_ = [("get_schema", ctypes.c_void_p), ("get_next", ctypes.c_void_p),
                ("get_last_error", ctypes.c_void_p), ("release", ctypes.c_void_p),
                ("private_data", ctypes.c_void_p)]


class ArrowSchema(ctypes.Structure):
    _fields_ = [("format", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("metadata", ctypes.c_char_p), ("flags", ctypes.c_int64),
                ("n_children", ctypes.c_int64), ("children", ctypes.c_void_p),
                ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                ("private_data", ctypes.c_void_p)]


class ArrowArray(ctypes.Structure):
    _fields_ = [("length", ctypes.c_int64), ("null_count", ctypes.c_int64),
                ("offset", ctypes.c_int64), ("n_buffers", ctypes.c_int64),
                ("n_children", ctypes.c_int64), ("buffers", ctypes.c_void_p),
                ("children", ctypes.c_void_p), ("dictionary", ctypes.c_void_p),
                ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p)]


class Sluice:
    """A session of libsluice, used through the C entry points only."""

    def __init__(self, lib):
        self.lib = lib
        self.session = ctypes.c_void_p()
        error = ctypes.c_char_p()
        assert lib.sluice_connect(b"local:", ctypes.byref(self.session), ctypes.byref(error)) == 0

    def query(self, sql, max_buffered=0):
        stream = ArrowArrayStream()
        error = ctypes.c_char_p()
        rc = self.lib.sluice_query(self.session, sql.encode(), max_buffered,
                                   ctypes.byref(stream), ctypes.byref(error))
        if rc != 0:
            raise RuntimeError(error.value.decode())
        return pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))

    def register_streaming_table(self, name, schema, capacity, partitions=1):
        c_schema = ArrowSchema()
        schema._export_to_c(ctypes.addressof(c_schema))
        sinks = (ctypes.c_void_p * partitions)()
        error = ctypes.c_char_p()
        rc = self.lib.sluice_register_streaming_table(
            self.session, name.encode(), ctypes.byref(c_schema), capacity, partitions, sinks,
            ctypes.byref(error))
        ctypes.CFUNCTYPE(None, ctypes.c_void_p)(c_schema.release)(ctypes.addressof(c_schema))
        if rc != 0:
            raise RuntimeError(error.value.decode())
        return list(sinks)

    def write(self, sink, batch):
        array, schema = ArrowArray(), ArrowSchema()
        batch._export_to_c(ctypes.addressof(array), ctypes.addressof(schema))
        error = ctypes.c_char_p()
        if self.lib.sluice_sink_write(sink, ctypes.byref(array), ctypes.byref(schema),
                                      ctypes.byref(error)) != 0:
            raise RuntimeError(error.value.decode())

    def close(self, sink):
        error = ctypes.c_char_p()
        assert self.lib.sluice_sink_close(sink, ctypes.byref(error)) == 0


@pytest.fixture(scope="module")
def sluice():
    lib = ctypes.CDLL(LIBRARY)
    lib.sluice_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                 ctypes.POINTER(ArrowArrayStream),
                                 ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_register_streaming_table.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ArrowSchema), ctypes.c_int,
        ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_sink_write.argtypes = [ctypes.c_void_p, ctypes.POINTER(ArrowArray),
                                      ctypes.POINTER(ArrowSchema), ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_sink_close.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_sink_fail.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.sluice_sink_free.argtypes = [ctypes.c_void_p]
    lib.sluice_session_free.argtypes = [ctypes.c_void_p]
    session = Sluice(lib)
    yield session
    lib.sluice_session_free(session.session)
