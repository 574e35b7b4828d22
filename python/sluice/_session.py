from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import pyarrow as pa

from sluice import _sluice
from sluice._frame import DataFrame
from sluice._sink import TableSink
from sluice.errors import Error


@dataclass(frozen=True)
class ExecResult:
    """What a statement did: a message, the rows it affected and, for a write to a Delta
    table, the table version it committed (-1 otherwise)."""

    message: str
    rows_affected: int
    version: int


def _param(value: Any) -> Any:
    # Python scalars pass as they are; anything else (dates, decimals, ...) as pyarrow
    # makes it: a one-value array.
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "__arrow_c_array__"):
        return value
    return pa.array([value])


def _params(params: Sequence[Any] | None) -> list[Any]:
    if params is None:
        return []
    if isinstance(params, (str, bytes, dict)):
        raise TypeError("params must be a sequence of values for $1, $2, ... or ? in order")
    return [_param(v) for v in params]


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas.") and type(obj).__name__ == "DataFrame"


class Session:
    """A connection to an engine, with its own tables and settings. Make one with
    :func:`sluice.connect`. Thread-safe: queries may run from several threads at once."""

    def __init__(self, session: _sluice.Session) -> None:
        self._native: _sluice.Session | None = session

    @property
    def _session(self) -> _sluice.Session:
        if self._native is None:
            raise Error("the session is closed")
        return self._native

    @property
    def engine(self) -> str:
        """``"local"`` (the embedded engine) or ``"spark"``."""
        return self._session.engine

    def sql(self, query: str, params: Sequence[Any] | None = None) -> DataFrame:
        """A lazy DataFrame for one query. ``params`` fill ``$1, $2, ...`` or ``?``
        placeholders in order; values are bound, never spliced into the text."""
        return DataFrame(self._session.sql(query, _params(params)), self)

    def execute(self, statement: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Runs a statement (DDL, INSERT, DELETE, SET, ...) to completion."""
        return ExecResult(**self._session.execute(statement, _params(params)))

    def table(self, name: str) -> DataFrame:
        """A DataFrame reading the whole of table ``name``."""
        return DataFrame(self._session.table(name), self)

    def register(self, name: str, data: Any) -> None:
        """Makes Arrow data from Python queryable as table ``name``, without copying.

        - pyarrow Tables and RecordBatches (and pandas DataFrames, converted by pyarrow)
          are registered as they are, and may be queried any number of times;
        - a ``pyarrow.RecordBatchReader`` is streamed by the one query that reads it
          (nothing is read before that query pulls);
        - any other object exporting ``__arrow_c_stream__`` (Polars, DuckDB relations,
          DataFusion DataFrames, Sluice DataFrames) is streamed afresh for each query.
        """
        session = self._session
        if isinstance(data, pa.RecordBatchReader):
            session.register_reader(name, data)
        elif isinstance(data, pa.Table):
            session.register_table(name, data)
        elif _is_pandas(data):
            session.register_table(name, pa.Table.from_pandas(data, preserve_index=False))
        elif hasattr(data, "__arrow_c_stream__"):
            session.register_opener(name, data)
        elif hasattr(data, "__arrow_c_array__"):
            session.register_batch(name, data)
        else:
            raise TypeError(
                f"register() takes Arrow data (exporting __arrow_c_stream__ or "
                f"__arrow_c_array__) or a pandas DataFrame, not {type(data).__name__}")

    @overload
    def register_streaming_table(
        self, name: str, schema: Any, capacity: int = 8, partitions: None = None
    ) -> TableSink: ...
    def register_directory_stream(
        self, name: str, directory: str, format: str = "parquet", schema: Any = None
    ) -> None:
        """Registers a directory that files arrive in, the source of
        :meth:`DataFrame.write_stream`. Files are taken in name order; names starting
        with ``.`` or ``_`` are skipped (write such a file, then rename it in).
        ``format`` is ``"parquet"``, ``"csv"``, ``"arrow"`` or ``"ndjson"``; without ``schema`` it is
        read from the directory's first file."""
        self._session.register_directory_stream(name, directory, format, schema)

    @overload
    def register_streaming_table(
        self, name: str, schema: Any, capacity: int = 8, *, partitions: int
    ) -> list[TableSink]: ...

    def register_streaming_table(
        self, name: str, schema: Any, capacity: int = 8, partitions: int | None = None
    ) -> TableSink | list[TableSink]:
        """Registers a push-mode table that producers write while one query reads it.

        ``schema`` is a pyarrow Schema (or anything exporting ``__arrow_c_schema__``).
        Each partition buffers at most ``capacity`` batches: a full buffer blocks
        ``write``. Returns one sink, or with ``partitions=n`` a list of n sinks whose
        partitions the query reads in parallel. The first query to read the table
        consumes it.
        """
        sinks = self._session.register_streaming_table(name, schema, capacity, partitions or 1)
        wrapped = [TableSink(s) for s in sinks]
        return wrapped if partitions is not None else wrapped[0]

    def last_committed_epoch(self, table: str, query_id: str) -> int:
        """The last epoch streaming write ``query_id`` committed to warehouse table
        ``table`` (-1: none), read from the table's state: where a restarted producer of
        epochs resumes."""
        return self._session.last_committed_epoch(table, query_id)

    def append(self, table: str, data: Any) -> ExecResult:
        """Appends Arrow data (a stream, table or DataFrame) to warehouse Delta table
        ``table`` in one commit; a rejected append leaves the table as it was."""
        return ExecResult(**self._session.append(table, data))

    def set(self, name: str, value: str) -> None:
        """Sets a session setting (as SQL ``SET name = value``)."""
        self._session.set(name, str(value))

    def get(self, name: str) -> str:
        """A session setting's value."""
        return self._session.get(name)

    def drop_table(self, name: str) -> None:
        """Forgets a registered table (warehouse tables: use DROP TABLE)."""
        self._session.drop_table(name)

    def table_names(self) -> list[str]:
        """The registered tables' names."""
        return self._session.table_names()

    def close(self) -> None:
        """Lets go of the session; DataFrames and streams already made keep working."""
        self._native = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def connect(uri: str = "local:") -> Session:
    """Opens a session: ``"local:"`` (embedded engine, no warehouse),
    ``"local:/path/to/warehouse"`` (Delta tables under that directory) or
    ``"sc://host:port"`` (Spark Connect)."""
    return Session(_sluice.connect(uri))
