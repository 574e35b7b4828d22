"""A Python producer pushes pyarrow batches into a streaming table through the C data
interface while a query reads it; no Arrow C++ on the producer's side."""
import threading

import pyarrow as pa
import pytest

SCHEMA = pa.schema([("sym", pa.string()), ("price", pa.float64())])


def test_python_producer_feeds_a_running_query(sluice):
    [sink] = sluice.register_streaming_table("py_ticks", SCHEMA, capacity=2)
    reader = sluice.query("SELECT sym, count(*) AS n, sum(price) AS total FROM py_ticks "
                          "GROUP BY sym ORDER BY sym")

    def produce():
        for i in range(50):
            batch = pa.record_batch([pa.array(["a", "b"] * 100), pa.array([1.5] * 200)],
                                    schema=SCHEMA)
            sluice.write(sink, batch)
        sluice.close(sink)

    producer = threading.Thread(target=produce)
    producer.start()
    table = reader.read_all()
    producer.join()
    assert table.to_pydict() == {"sym": ["a", "b"], "n": [5000, 5000], "total": [7500.0, 7500.0]}
    sluice.lib.sluice_sink_free(sink)


def test_mismatched_batch_is_rejected(sluice):
    [sink] = sluice.register_streaming_table("py_strict", SCHEMA, capacity=2)
    wrong = pa.record_batch([pa.array([1, 2])], names=["sym"])
    with pytest.raises(RuntimeError, match="does not match"):
        sluice.write(sink, wrong)
    sluice.lib.sluice_sink_fail(sink, b"gave up")
    with pytest.raises(OSError, match="gave up"):
        sluice.query("SELECT * FROM py_strict").read_all()
    sluice.lib.sluice_sink_free(sink)
