from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from sluice import _sluice


class RecordBatchStream:
    """A query's result, read batch by batch as the consumer asks.

    The query starts at the first read; at most ``max_buffered_batches`` batches wait
    unread, so a slow consumer slows the query and memory stays bounded. The GIL is
    released while waiting, and Ctrl-C during a wait stops the query and raises
    ``KeyboardInterrupt``. Closing the stream (or leaving its ``with`` block, or dropping
    it) stops the query and frees its threads.
    """

    def __init__(self, stream: _sluice.Stream) -> None:
        self._stream = stream
        self._schema: pa.Schema | None = None

    @property
    def schema(self) -> pa.Schema:
        """The schema of every batch."""
        if self._schema is None:
            self._schema = pa.schema(self._stream.schema())
        return self._schema

    @property
    def closed(self) -> bool:
        """Whether the stream has ended or been closed."""
        return self._stream.closed

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self

    def __next__(self) -> pa.RecordBatch:
        batch = self._stream.next()
        if batch is None:
            raise StopIteration
        return pa.record_batch(batch)

    def read_next_batch(self) -> pa.RecordBatch:
        """The next batch; raises StopIteration at the end, like pyarrow's readers."""
        return self.__next__()

    def read_all(self) -> pa.Table:
        """Every remaining batch, as one table (no copy of the batches)."""
        return pa.table(self._stream.read_all())

    def close(self) -> None:
        """Stops the query if it is still running; idempotent."""
        self._stream.close()

    def __enter__(self) -> RecordBatchStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Hands the rest of the stream to an Arrow consumer; this object is then closed."""
        if requested_schema is not None:
            raise ValueError(
                "RecordBatchStream cannot apply a requested schema once started; "
                "use DataFrame.__arrow_c_stream__")
        return self._stream.detach().__arrow_c_stream__()
