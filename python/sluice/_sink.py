from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from sluice import _sluice


class TableSink:
    """The producer side of one partition of a streaming table.

    ``write`` blocks while the partition's buffer is full (backpressure); ``close`` ends
    the partition cleanly; ``fail`` ends it with an error the reading query raises. Used
    as a context manager, it closes on success and fails with the exception otherwise.
    Methods may be called from any thread; waiting releases the GIL.
    """

    def __init__(self, sink: _sluice.TableSink) -> None:
        self._sink = sink

    @property
    def table_name(self) -> str:
        return self._sink.table_name

    @property
    def partition(self) -> int:
        return self._sink.partition

    def write(self, data: Any) -> None:
        """Writes a record batch, or every batch of a table or stream, in order.

        ``data`` is anything exporting ``__arrow_c_array__`` (a batch) or
        ``__arrow_c_stream__`` (pyarrow tables and readers, Polars, DuckDB, ...).
        """
        if hasattr(data, "__arrow_c_array__"):
            self._sink.write(data)
            return
        if not hasattr(data, "__arrow_c_stream__"):
            raise TypeError(
                f"write() takes Arrow data (a record batch, table or stream), "
                f"not {type(data).__name__}")
        for batch in pa.RecordBatchReader.from_stream(data):
            self._sink.write(batch)

    def try_write(self, batch: Any) -> bool:
        """Queues one batch if there is room; False (batch not taken) if the buffer is full."""
        return self._sink.try_write(batch)

    def begin_epoch(self, epoch: int) -> None:
        """Starts epoch ``epoch`` (ids increase): the batches written until
        :meth:`end_epoch` are one micro-batch of a streaming write, committed at once."""
        self._sink.begin_epoch(epoch)

    def end_epoch(self) -> None:
        """Ends the current epoch."""
        self._sink.end_epoch()

    @contextlib.contextmanager
    def epoch(self, epoch: int) -> Iterator[TableSink]:
        """``with sink.epoch(n): sink.write(...)``: begins and ends epoch ``n``. An
        exception inside fails the sink, so nothing of the epoch is committed; a restarted
        producer resumes after :meth:`Session.last_committed_epoch`."""
        self.begin_epoch(epoch)
        try:
            yield self
        except BaseException as exc:
            self.fail(f"{type(exc).__name__}: {exc}")
            raise
        self.end_epoch()

    def close(self) -> None:
        """Ends this partition cleanly: the query sees the end of its rows."""
        self._sink.close()

    def fail(self, message: str) -> None:
        """Ends this partition with an error; the reading query fails with ``message``."""
        self._sink.fail(message)

    def __enter__(self) -> TableSink:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc is None:
            self.close()
        else:
            self.fail(f"{type(exc).__name__}: {exc}")
