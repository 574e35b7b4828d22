"""Sluice: stream Arrow query results batch by batch, with bounded memory.

Connect to the embedded engine (``"local:"``, or ``"local:/path/to/warehouse"`` for Delta
tables) or to Spark (``"sc://host:port"``), run SQL or build a DataFrame, and consume the
result lazily: iterate record batches, or hand the DataFrame to anything that speaks the
Arrow PyCapsule protocol (pyarrow, Polars, DuckDB, DataFusion, pandas)::

    import sluice, polars as pl

    with sluice.connect("local:") as session:
        frame = session.sql("SELECT id, id % 7 AS k FROM range(1000000) WHERE id > ?", [10])
        df = pl.from_arrow(frame)          # streamed, batch by batch
"""

# Loads the Arrow C++ libraries that libsluice links: they come with pyarrow.
import pyarrow as _pyarrow  # noqa: F401

from sluice._frame import DataFrame
from sluice._session import ExecResult, Session, connect
from sluice._sink import TableSink
from sluice._stream import RecordBatchStream
from sluice._streaming_query import StreamingQuery
from sluice.errors import (
    CancelledError,
    ConflictError,
    Error,
    NotSupportedError,
    SchemaError,
    SqlError,
    StorageError,
)

__version__ = "0.1.0"

__all__ = [
    "CancelledError",
    "ConflictError",
    "DataFrame",
    "Error",
    "ExecResult",
    "NotSupportedError",
    "RecordBatchStream",
    "SchemaError",
    "Session",
    "SqlError",
    "StorageError",
    "StreamingQuery",
    "TableSink",
    "connect",
]
