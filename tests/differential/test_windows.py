"""Differential test: random window functions on Sluice and DuckDB, same answers.

One table with NULLs, duplicate keys, strings, doubles and DECIMALs is written as Parquet
and read by both engines through a view. Queries come from a small grammar (every window
function Sluice has, PARTITION BY none/one/two keys, ORDER BY with directions and NULL
placement, ROWS, RANGE and GROUPS frames with and without offsets, windows over GROUP BY
results, several windows in one query) with a fixed seed, so a failure names a reproducible query. Functions whose answer
depends on the order of peers get a total order (the unique id last).
"""

import os
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from test_subqueries_joins import assert_same_answers, run_sluice

SEED = int(os.environ.get("SLUICE_DIFF_SEED", "20261202"))
QUERIES = int(os.environ.get("SLUICE_DIFF_QUERIES", "150"))


def random_table(rng, rows):
    def maybe(value):
        return None if rng.random() < 0.1 else value
    return pa.table({
        "id": pa.array(range(rows), pa.int64()),
        "a": pa.array([maybe(rng.randint(0, 4)) for _ in range(rows)], pa.int64()),
        "b": pa.array([maybe(rng.randint(0, 9)) for _ in range(rows)], pa.int32()),
        "s": pa.array([maybe(rng.choice(["x", "y", "zz", "abc"])) for _ in range(rows)]),
        "d": pa.array([maybe(rng.uniform(-100, 100)) for _ in range(rows)], pa.float64()),
        "m": pa.array([maybe(rng.randint(-99999, 99999)) for _ in range(rows)],
                      pa.decimal128(9, 2)).cast(pa.decimal128(9, 2)),
    })


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = random.Random(SEED)
    root = tmp_path_factory.mktemp("windows")
    pq.write_table(random_table(rng, 120), root / "t.parquet")
    warehouse = root / "warehouse"
    run_sluice(warehouse, "CREATE VIEW t AS SELECT * FROM read_parquet('%s')"
               % (root / "t.parquet"), "csv")
    con = duckdb.connect()
    con.sql("CREATE VIEW t AS SELECT * FROM read_parquet('%s')" % (root / "t.parquet"))
    return warehouse, con


FRAMES = [
    "",
    "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING",
    "ROWS UNBOUNDED PRECEDING",
    "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
    "ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING",
    "ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING",
    "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
    "RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
    "ROWS BETWEEN 0 PRECEDING AND 0 FOLLOWING",
]


# Frames with offsets over one ORDER BY key; their peers are all in or all out, so any
# aggregate that does not depend on the order of its input gives one answer.
OFFSET_FRAMES = [
    "RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING",
    "RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING",
    "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING",
    "RANGE BETWEEN 0 PRECEDING AND UNBOUNDED FOLLOWING",
    "GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING",
    "GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING",
    "GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING",
]


def offset_frame_call(rng):
    fn = rng.choice(["sum(b)", "sum(m)", "count(*)", "count(s)", "min(b)", "max(s)",
                     "avg(b)"])
    partition = rng.choice(["", "PARTITION BY a", "PARTITION BY s"])
    order = rng.choice(["ORDER BY b", "ORDER BY b DESC NULLS FIRST",
                        "ORDER BY b NULLS FIRST", "ORDER BY a DESC NULLS LAST"])
    return "%s OVER (%s %s %s)" % (fn, partition, order, rng.choice(OFFSET_FRAMES))


def over(rng, total):
    partition = rng.choice(["", "PARTITION BY a", "PARTITION BY a, b % 2",
                            "PARTITION BY s"])
    # DESC always names its NULL placement: the default differs (PostgreSQL: NULLS FIRST,
    # DuckDB: NULLS LAST).
    order = rng.choice(["", "ORDER BY b", "ORDER BY b DESC NULLS FIRST", "ORDER BY b NULLS FIRST",
                        "ORDER BY s DESC NULLS LAST, b", "ORDER BY d"])
    if total:
        order = (order + ", id") if order else "ORDER BY id"
    return partition, order


def window_call(rng):
    kind = rng.random()
    if kind < 0.25:
        fn = rng.choice(["row_number()", "rank()", "dense_rank()", "percent_rank()",
                         "cume_dist()", "ntile(3)"])
        partition, order = over(rng, fn in ("row_number()", "ntile(3)"))
        return "%s OVER (%s %s)" % (fn, partition, order)
    if kind < 0.35:
        return offset_frame_call(rng)
    if kind < 0.45:
        fn = rng.choice(["lag(b)", "lead(b)", "lag(s, 2)", "lead(d, 1, 0)",
                         "lag(m, 1, 7)", "lead(b, 3, -1)"])
        partition, order = over(rng, True)
        return "%s OVER (%s %s)" % (fn, partition, order)
    fn = rng.choice(["sum(b)", "sum(d)", "sum(m)", "avg(b)", "avg(m)", "count(*)",
                     "count(s)", "min(b)", "max(s)", "min(d)", "max(m)",
                     "first_value(b)", "last_value(s)", "nth_value(d, 2)"])
    frame = rng.choice(FRAMES)
    total = frame.startswith("ROWS") or fn.split("(")[0] in (
        "first_value", "last_value", "nth_value")
    partition, order = over(rng, total)
    if frame.startswith("RANGE BETWEEN CURRENT") and not order:
        order = "ORDER BY b"
    return "%s OVER (%s %s %s)" % (fn, partition, order, frame)


def query(rng):
    shape = rng.random()
    if shape < 0.75:
        calls = [window_call(rng) for _ in range(rng.randint(1, 3))]
        return "SELECT id, a, b, %s FROM t" % ", ".join(
            "%s AS w%d" % (call, i) for i, call in enumerate(calls))
    if shape < 0.9:
        fn = rng.choice(["rank() OVER (ORDER BY sum(b) DESC)",
                         "sum(count(*)) OVER (ORDER BY a)",
                         "row_number() OVER (ORDER BY max(d), a)",
                         "avg(sum(m)) OVER ()"])
        return "SELECT a, sum(b) AS sb, %s AS w FROM t GROUP BY a" % fn
    return ("SELECT id, b - lag(b) OVER (PARTITION BY a ORDER BY id) AS delta FROM t "
            "WHERE b IS NOT NULL")


def test_random_window_queries_answer_as_duckdb_does(data):
    warehouse, con = data
    assert_same_answers(warehouse, con, query, SEED, QUERIES)
