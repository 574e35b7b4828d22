"""Writes TPC-H data and query texts with DuckDB's tpch extension (dbgen).

Run with the .venv-tpch interpreter: python generate.py SCALE_FACTOR OUT_DIR
OUT_DIR gets one Parquet file per table (<table>.parquet) and q01.sql ... q22.sql.
Nothing is written if the directory already holds a complete set for this scale factor.
"""

import os
import sys

import duckdb

TABLES = ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region",
          "supplier")


def extension_directory():
    for entry in sys.path:
        candidate = os.path.join(entry, "duckdb_ext", "extensions")
        if os.path.isdir(candidate):
            return candidate
    sys.exit("generate.py: the duckdb-ext-tpch package is not installed")


def main():
    scale_factor, out = float(sys.argv[1]), sys.argv[2]
    marker = os.path.join(out, "complete-sf%s" % scale_factor)
    if os.path.exists(marker):
        return
    os.makedirs(out, exist_ok=True)
    con = duckdb.connect(config={"extension_directory": extension_directory()})
    con.sql("LOAD tpch")
    con.sql("CALL dbgen(sf=%s)" % scale_factor)
    for table in TABLES:
        path = os.path.join(out, table + ".parquet")
        con.sql("COPY %s TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 122880)" % (table, path))
    for number, text in con.sql("SELECT query_nr, query FROM tpch_queries()").fetchall():
        with open(os.path.join(out, "q%02d.sql" % number), "w") as f:
            f.write(text)
    open(marker, "w").close()


if __name__ == "__main__":
    main()
