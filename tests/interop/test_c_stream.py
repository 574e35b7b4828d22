"""pyarrow consumes Sluice's result streams through the Arrow C stream interface."""
import ctypes
import os
import time

import pyarrow as pa
import pytest

LIBRARY = os.environ.get("SLUICE_LIB", "build/lib/libsluice.so")


class ArrowArrayStream(ctypes.Structure):
    _fields_ = [("get_schema", ctypes.c_void_p), ("get_next", ctypes.c_void_p),
                ("get_last_error", ctypes.c_void_p), ("release", ctypes.c_void_p),
                ("private_data", ctypes.c_void_p)]


@pytest.fixture(scope="module")
def sluice():
    lib = ctypes.CDLL(LIBRARY)
    lib.sluice_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                 ctypes.POINTER(ArrowArrayStream),
                                 ctypes.POINTER(ctypes.c_char_p)]
    lib.sluice_free_error.argtypes = [ctypes.c_char_p]
    session = ctypes.c_void_p()
    error = ctypes.c_char_p()
    assert lib.sluice_connect(b"local:", ctypes.byref(session), ctypes.byref(error)) == 0
    yield lib, session
    lib.sluice_session_free(session)


def query(sluice, sql, max_buffered=0):
    lib, session = sluice
    stream = ArrowArrayStream()
    error = ctypes.c_char_p()
    rc = lib.sluice_query(session, sql.encode(), max_buffered, ctypes.byref(stream),
                          ctypes.byref(error))
    if rc != 0:
        raise RuntimeError(error.value.decode())
    return pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))


def test_values_and_types(sluice):
    reader = query(sluice, "SELECT id, CAST(id AS INTEGER) * 2 AS twice, 'n' || id AS name, "
                           "id / 2.0 AS half FROM range(100000) WHERE id % 1000 = 7")
    assert reader.schema == pa.schema([("id", pa.int64()), ("twice", pa.int32()),
                                       ("name", pa.string()), ("half", pa.float64())])
    table = reader.read_all()
    assert table.num_rows == 100
    assert table.column("id").to_pylist()[:2] == [7, 1007]
    assert table.column("name").to_pylist()[-1] == "n99007"
    assert table.column("half").to_pylist()[0] == 3.5


def test_batches_arrive_one_at_a_time(sluice):
    reader = query(sluice, "SELECT id FROM range(9000000000000000000)", max_buffered=2)
    first = reader.read_next_batch()
    second = reader.read_next_batch()
    assert first.column(0)[0].as_py() == 0
    assert second.column(0)[0].as_py() == first.num_rows
    start = time.monotonic()
    reader.close()
    assert time.monotonic() - start < 0.1


def test_query_errors_surface_as_python_exceptions(sluice):
    reader = query(sluice, "SELECT 1 / (id - 200000) FROM range(300000)")
    with pytest.raises(pa.ArrowInvalid, match="divide by zero"):
        reader.read_all()
    with pytest.raises(RuntimeError, match='table "nowhere" does not exist'):
        query(sluice, "SELECT * FROM nowhere")
