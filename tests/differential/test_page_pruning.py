"""Differential test: filters that row group and page skipping act on, same answers.

A table ordered by its first columns (so their pages hold narrow ranges) with NULLs,
strings, dates, doubles and DECIMALs is written as Parquet with a page index and small
pages whose row counts differ from column to column, and loaded into a Delta table
(pages of equal row counts in every column). Random filters from a small grammar run on
both through Sluice and on the Parquet file through DuckDB; the answers must agree.
Skipping a page that holds a matching row changes a count or a sum.
"""

import datetime
import decimal
import os
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from test_subqueries_joins import assert_same_answers, run_sluice

SEED = int(os.environ.get("SLUICE_DIFF_SEED", "20261202"))
QUERIES = int(os.environ.get("SLUICE_DIFF_QUERIES", "150"))
ROWS = 100_000


def ordered_table(rng):
    def maybe(value, p=0.1):
        return None if rng.random() < p else value
    day0 = datetime.date(2024, 1, 1)
    return pa.table({
        "id": pa.array(range(ROWS), pa.int64()),
        "day": pa.array([day0 + datetime.timedelta(days=i // 1000) for i in range(ROWS)],
                        pa.date32()),
        "grp": pa.array(["g%03d" % (i // 2500) for i in range(ROWS)]),
        "x": pa.array([maybe(i / 4.0) for i in range(ROWS)], pa.float64()),
        "m": pa.array([maybe(decimal.Decimal(i) / 100) for i in range(ROWS)],
                      pa.decimal128(12, 2)),
        "r": pa.array([rng.randint(0, 999) for _ in range(ROWS)], pa.int32()),
        "z": pa.array([maybe(i // 30000, 0.5) for i in range(ROWS)], pa.int64()),
    })


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = random.Random(SEED)
    root = tmp_path_factory.mktemp("pages")
    path = root / "t.parquet"
    pq.write_table(ordered_table(rng), path, row_group_size=40_000, data_page_size=8192,
                   write_batch_size=256, write_page_index=True, use_dictionary=False)
    warehouse = root / "warehouse"
    run_sluice(warehouse, "CREATE VIEW f AS SELECT * FROM read_parquet('%s'); "
               "CREATE TABLE d AS SELECT * FROM f ORDER BY id" % path, "csv")
    con = duckdb.connect()
    for name in ("f", "d"):
        con.sql("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')" % (name, path))
    return warehouse, con


def comparison(rng):
    column = rng.choice(["id", "day", "grp", "x", "m", "r", "z"])
    op = rng.choice(["<", "<=", "=", ">=", ">", "<>"])
    if column == "id":
        value = str(rng.randint(-10, ROWS + 10))
    elif column == "day":
        value = "DATE '%s'" % (datetime.date(2024, 1, 1) +
                               datetime.timedelta(days=rng.randint(-2, 102)))
    elif column == "grp":
        value = "'g%03d'" % rng.randint(0, 41)
    elif column == "x":
        value = "%.2f" % rng.uniform(-5, ROWS / 4 + 5)
    elif column == "m":
        value = "CAST(%.2f AS DECIMAL(12, 2))" % rng.uniform(-5, ROWS / 100 + 5)
    elif column == "r":
        value = str(rng.randint(-1, 1000))
    else:
        value = str(rng.randint(-1, 4))
    kind = rng.random()
    if kind < 0.1:
        return "%s IS %sNULL" % (column, rng.choice(["", "NOT "]))
    if kind < 0.2 and column == "id":
        low = rng.randint(0, ROWS)
        return "id BETWEEN %d AND %d" % (low, low + rng.randint(0, 30_000))
    if kind < 0.3 and column == "grp":
        return "grp IN (%s)" % ", ".join("'g%03d'" % rng.randint(0, 40) for _ in range(3))
    return "%s %s %s" % (column, op, value)


def condition(rng, depth=0):
    if depth < 2 and rng.random() < 0.5:
        joiner = rng.choice([" AND ", " OR "])
        return "(%s%s%s)" % (condition(rng, depth + 1), joiner, condition(rng, depth + 1))
    if rng.random() < 0.1:
        return "NOT (%s)" % comparison(rng)
    return comparison(rng)


def query(rng):
    table = rng.choice(["f", "d"])
    return ("SELECT count(*) AS n, sum(id) AS ids, count(x) AS xs, sum(m) AS ms, "
            "min(grp) AS g, max(day) AS last, sum(r) AS rs FROM %s WHERE %s"
            % (table, condition(rng)))


def test_skipping_never_changes_an_answer(data):
    warehouse, con = data
    assert_same_answers(warehouse, con, query, SEED, QUERIES)
