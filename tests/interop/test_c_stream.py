"""pyarrow consumes Sluice's result streams through the Arrow C stream interface."""
import time

import pyarrow as pa
import pytest


def test_values_and_types(sluice):
    reader = sluice.query("SELECT id, CAST(id AS INTEGER) * 2 AS twice, 'n' || id AS name, "
                          "id / 2.0 AS half FROM range(100000) WHERE id % 1000 = 7")
    assert reader.schema == pa.schema([("id", pa.int64()), ("twice", pa.int32()),
                                       ("name", pa.string()), ("half", pa.float64())])
    table = reader.read_all()
    assert table.num_rows == 100
    assert table.column("id").to_pylist()[:2] == [7, 1007]
    assert table.column("name").to_pylist()[-1] == "n99007"
    assert table.column("half").to_pylist()[0] == 3.5


def test_batches_arrive_one_at_a_time(sluice):
    reader = sluice.query("SELECT id FROM range(9000000000000000000)", max_buffered=2)
    first = reader.read_next_batch()
    second = reader.read_next_batch()
    assert first.column(0)[0].as_py() == 0
    assert second.column(0)[0].as_py() == first.num_rows
    start = time.monotonic()
    reader.close()
    assert time.monotonic() - start < 0.1


def test_query_errors_surface_as_python_exceptions(sluice):
    reader = sluice.query("SELECT 1 / (id - 200000) FROM range(300000)")
    with pytest.raises(pa.ArrowInvalid, match="divide by zero"):
        reader.read_all()
    with pytest.raises(RuntimeError, match='table "nowhere" does not exist'):
        sluice.query("SELECT * FROM nowhere")
