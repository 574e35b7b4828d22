"""TPC-H data for the tests and the benchmark, generated once per scale factor."""

import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLES = ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region",
          "supplier")


def generate(scale_factor, out):
    """Writes <table>.parquet and q01.sql ... q22.sql into `out` with DuckDB's dbgen."""
    out = pathlib.Path(out)
    subprocess.run([str(ROOT / ".venv-tpch" / "bin" / "python"),
                    str(ROOT / "tests" / "tpch" / "generate.py"), str(scale_factor),
                    str(out)], check=True, timeout=1800)
    return out
