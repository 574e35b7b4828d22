"""The 22 TPC-H queries on Sluice's embedded engine, answers checked against DuckDB.

The data comes from DuckDB's dbgen (generate.py, run in .venv-tpch) at the scale factor
in SLUICE_TPCH_SF (default 0.01), loaded into Delta tables of a fresh warehouse with
CREATE TABLE ... AS SELECT * FROM read_parquet(...). DuckDB answers the same query texts
over the same Parquet files in the same run.
"""

import decimal
import math
import os
import subprocess

import duckdb
import pyarrow as pa
import pytest

from tpch_data import TABLES, generate

SCALE_FACTOR = os.environ.get("SLUICE_TPCH_SF", "0.01")


@pytest.fixture(scope="module")
def tpch(tmp_path_factory):
    data = generate(SCALE_FACTOR, tmp_path_factory.mktemp("tpch-data"))
    warehouse = tmp_path_factory.mktemp("warehouse")
    script = "".join(
        "CREATE TABLE %s AS SELECT * FROM read_parquet('%s');\n"
        % (table, data / (table + ".parquet")) for table in TABLES)
    run_sluice(warehouse, script, fmt="csv")
    return data, warehouse


def run_sluice(warehouse, sql, fmt="arrow"):
    out = subprocess.run(
        [os.environ["SLUICE_BIN"], "--warehouse", str(warehouse), "--format", fmt,
         "-c", sql], capture_output=True, timeout=600)
    if out.returncode != 0:
        raise AssertionError(out.stderr.decode())
    return out.stdout


def normalize(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def rows(table):
    return [tuple(normalize(v) for v in row.values()) for row in table.to_pylist()]


def same_value(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return (a is None) == (b is None) and (a is None or math.isclose(
            a, b, rel_tol=1e-9, abs_tol=1e-6))
    return a == b


def duckdb_answer(data, sql):
    con = duckdb.connect()
    for table in TABLES:
        con.sql("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')"
                % (table, data / (table + ".parquet")))
    return con.sql(sql).arrow().read_all()


@pytest.mark.parametrize("number", range(1, 23))
def test_query_answers_as_duckdb_does(tpch, number):
    data, warehouse = tpch
    sql = (data / ("q%02d.sql" % number)).read_text()
    expected = duckdb_answer(data, sql)
    result = pa.ipc.open_stream(run_sluice(warehouse, sql)).read_all()
    # Unaliased aggregates are named as PostgreSQL names them (sum), DuckDB adds the
    # argument (sum(l_quantity)).
    assert len(result.column_names) == len(expected.column_names)
    for got_name, want_name in zip(result.column_names, expected.column_names):
        assert got_name == want_name or want_name.startswith(got_name + "(")
    got, want = rows(result), rows(expected)
    assert len(got) == len(want), "%d rows, DuckDB has %d" % (len(got), len(want))
    assert len(want) > 0, "the query should select rows at this scale"
    for i, (g, w) in enumerate(zip(got, want)):
        assert all(same_value(a, b) for a, b in zip(g, w)), \
            "row %d: %r, DuckDB has %r" % (i, g, w)


def joins_of(tpch, number):
    data, warehouse = tpch
    sql = (data / ("q%02d.sql" % number)).read_text().strip().rstrip(";")
    plan = [row.strip('"').strip() for row in
            run_sluice(warehouse, "EXPLAIN " + sql, fmt="csv").decode().splitlines()[1:]]
    return plan, [line for line in plan if line.startswith("InnerJoin")]


def test_q9_filters_partsupp_by_part_before_the_lineitem_join(tpch):
    # l_partkey = p_partkey and ps_partkey = l_partkey imply ps_partkey = p_partkey: the
    # green parts filter partsupp into a small hash table that lineitem probes on both of
    # partsupp's keys, instead of lineitem's joined rows being hashed for partsupp to probe.
    plan, joins = joins_of(tpch, 9)
    assert any("ps_partkey" in j and "p_partkey" in j and "l_" not in j for j in joins), plan
    lineitem_partsupp = [j for j in joins if "l_partkey" in j and "ps_partkey" in j]
    assert len(lineitem_partsupp) == 1 and "ps_suppkey" in lineitem_partsupp[0], plan


def test_q5_takes_the_region_to_lineitem_through_customer_and_orders(tpch):
    # c_nationkey = s_nationkey and s_nationkey = n_nationkey imply c_nationkey =
    # n_nationkey: ASIA filters customer, customer the year's orders, and lineitem probes
    # that small table; supplier joins last on both of its keys (suppkey and nation).
    plan, joins = joins_of(tpch, 5)
    assert any("c_nationkey" in j and "n_nationkey" in j and "s_" not in j for j in joins), plan
    assert any("o_custkey" in j and "c_custkey" in j and "l_" not in j for j in joins), plan
    supplier = [j for j in joins if "s_suppkey" in j]
    assert len(supplier) == 1 and "l_suppkey" in supplier[0] and "_nationkey" in supplier[0], plan
