from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sluice import _sluice
from sluice._stream import RecordBatchStream
from sluice._streaming_query import StreamingQuery

if TYPE_CHECKING:
    import pandas
    import polars

    from sluice._session import ExecResult, Session


class DataFrame:
    """A lazy query. Building one checks it (errors are raised at once) but runs nothing;
    the query runs when the result is read: ``stream()``, iteration, ``to_arrow()``,
    or an Arrow consumer pulling through ``__arrow_c_stream__``.

    Expressions are SQL text, as in a SELECT list: ``frame.select("a", "b * 2 AS c")``.
    """

    def __init__(self, frame: _sluice.DataFrame, session: Session) -> None:
        frame.check()
        self._frame = frame
        self._session = session

    def _derive(self, frame: _sluice.DataFrame) -> DataFrame:
        return DataFrame(frame, self._session)

    def select(self, *exprs: str) -> DataFrame:
        """Columns or expressions, each optionally ``AS name``; ``*`` keeps every column."""
        return self._derive(self._frame.select(list(exprs)))

    def filter(self, predicate: str) -> DataFrame:
        """The rows for which the SQL boolean expression is true."""
        return self._derive(self._frame.filter(predicate))

    def aggregate(self, keys: Sequence[str] = (), aggregates: Sequence[str] = ()) -> DataFrame:
        """One row per distinct value of ``keys`` with ``aggregates``, e.g.
        ``aggregate(["k"], ["count(*) AS n", "sum(v) AS total"])``."""
        return self._derive(self._frame.aggregate(list(keys), list(aggregates)))

    def sort(self, *keys: str) -> DataFrame:
        """Ordered by the keys, each optionally ``DESC`` and ``NULLS FIRST|LAST``."""
        return self._derive(self._frame.sort(list(keys)))

    def limit(self, count: int, offset: int = 0) -> DataFrame:
        """At most ``count`` rows after skipping ``offset``."""
        return self._derive(self._frame.limit(count, offset))

    def join(self, other: DataFrame, on: str, how: str = "inner") -> DataFrame:
        """Joins with ``other``; ``on`` refers to the sides as ``l`` and ``r``
        (``"l.id = r.id"``); ``how`` is ``"inner"`` or ``"left"``."""
        if how not in ("inner", "left"):
            raise ValueError(f"join: how must be 'inner' or 'left', not {how!r}")
        return self._derive(self._frame.join(other._frame, on, how == "left"))

    @property
    def schema(self) -> pa.Schema:
        """The result's schema, known without running the query."""
        return pa.schema(self._frame.schema())

    def explain(self) -> str:
        """The optimized plan, one operator per line."""
        return self._frame.explain()

    def stream(
        self,
        *,
        max_buffered_batches: int | None = None,
        threads: int | None = None,
        memory_limit: int | None = None,
    ) -> RecordBatchStream:
        """The result as a stream of record batches; the query starts at the first read.

        ``max_buffered_batches`` bounds the batches waiting unread (default 8),
        ``threads`` the query's CPU threads, ``memory_limit`` (bytes) its memory.
        """
        return RecordBatchStream(
            self._frame.stream(None, max_buffered_batches, threads, memory_limit))

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return iter(self.stream())

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Exports the result through the Arrow C stream interface, lazily: the query
        starts when the consumer asks for the first batch. ``requested_schema`` may
        select, reorder and losslessly widen columns by name; any other request raises
        :class:`sluice.SchemaError` (a ValueError) before anything runs."""
        return self._frame.__arrow_c_stream__(requested_schema)

    def stream_partitions(
        self,
        *,
        max_buffered_batches: int | None = None,
        threads: int | None = None,
        memory_limit: int | None = None,
    ) -> list[RecordBatchStream]:
        """One stream per partition, for concurrent consumers (e.g. one thread each).
        Read one after another they give the rows of ``stream()`` in the same order.
        The partitions' queries start now."""
        streams = self._frame.stream_partitions(max_buffered_batches, threads, memory_limit)
        return [RecordBatchStream(s) for s in streams]

    def to_arrow(self, **options: Any) -> pa.Table:
        """The whole result as a pyarrow Table (``stream()``'s options apply)."""
        with self.stream(**options) as stream:
            return stream.read_all()

    def to_pandas(self, **options: Any) -> pandas.DataFrame:
        """The whole result as a pandas DataFrame."""
        return self.to_arrow(**options).to_pandas()

    def to_polars(self, **options: Any) -> polars.DataFrame:
        """The whole result as a Polars DataFrame."""
        import polars

        return polars.from_arrow(self.to_arrow(**options))

    def write_delta(self, table: str) -> ExecResult:
        """Appends the result to the warehouse Delta table ``table`` in one commit,
        streaming (memory stays bounded). Create the table first with CREATE TABLE."""
        return self._session.append(table, self)

    def write_stream(
        self,
        table: str,
        query_id: str,
        *,
        trigger: str = "processing_time",
        interval: float = 0.0,
        max_files_per_epoch: int = 0,
        min_bytes_per_epoch: int = 0,
        max_delay: float = 0.0,
        output_mode: str = "append",
        key_columns: Sequence[str] = (),
        merge_schema: bool = False,
        compact_every: int = 0,
        checkpoint_location: str = "",
        progress_history: int = 100,
    ) -> StreamingQuery:
        """Starts a streaming write of this query into warehouse Delta table ``table``.

        The query reads a directory stream (:meth:`Session.register_directory_stream`),
        a streaming table whose producer marks epochs (:meth:`TableSink.epoch`), or
        neither (a bounded query, written once as epoch 0). Each micro-batch (epoch) is
        one Delta commit carrying the epoch, exactly once: restarted with the same
        ``query_id`` it resumes after the last committed epoch.

        ``trigger`` is ``"processing_time"`` (an epoch at most every ``interval``
        seconds, until stopped) or ``"available_now"`` (what is there now, then finish).
        ``output_mode`` is ``"append"``, ``"complete"`` (the whole result replaces the
        table each epoch) or ``"update"`` (rows upserted by ``key_columns``).
        ``merge_schema`` adds new result columns to the table; ``compact_every`` packs
        small files after every that many epochs. ``recent_progress`` keeps the last
        ``progress_history`` epochs.
        """
        if trigger not in ("processing_time", "available_now"):
            raise ValueError(f"trigger must be 'processing_time' or 'available_now', not {trigger!r}")
        if output_mode not in ("append", "complete", "update"):
            raise ValueError(
                f"output_mode must be 'append', 'complete' or 'update', not {output_mode!r}")
        args = _sluice.StreamingArgs()
        args.query_id = query_id
        args.available_now = trigger == "available_now"
        args.interval_ms = int(interval * 1000)
        args.max_files = max_files_per_epoch
        args.min_bytes = min_bytes_per_epoch
        args.max_delay_ms = int(max_delay * 1000)
        args.output_mode = output_mode
        args.key_columns = list(key_columns)
        args.merge_schema = merge_schema
        args.compact_every = compact_every
        args.checkpoint = checkpoint_location
        args.progress_history = progress_history
        return StreamingQuery(self._frame.write_stream(table, args))

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}: {f.type}" for f in self.schema)
        return f"sluice.DataFrame({fields})"
