from __future__ import annotations

from typing import Any

from sluice import _sluice


class StreamingQuery:
    """A running streaming write (:meth:`DataFrame.write_stream`).

    ``state`` is ``"running"``, ``"finished"`` (available-now, done), ``"stopped"`` or
    ``"failed"``; ``exception()`` gives a failed query's error, which names the epoch and
    the cause. Progress is per committed epoch: a dict with ``epoch``, ``input_files``,
    ``rows``, ``data_files``, ``version`` (the table version committed), ``plan_ms``,
    ``write_ms``, ``commit_ms`` and ``source_offset``. A context manager: leaving the block
    stops the query.
    """

    def __init__(self, query: _sluice.StreamingQuery) -> None:
        self._query = query

    @property
    def id(self) -> str:
        return self._query.id

    @property
    def state(self) -> str:
        return self._query.state

    @property
    def last_committed_epoch(self) -> int:
        """The last committed epoch (-1: none), those before a restart included."""
        return self._query.last_committed_epoch

    def stop(self) -> None:
        """Stops the query; the epoch in progress is abandoned (a restart runs it again)."""
        self._query.stop()

    def await_termination(self, timeout: float | None = None) -> bool:
        """Waits for the query to end, at most ``timeout`` seconds; True if it ended.
        Raises the query's error if it failed."""
        ended = self._query.await_termination(timeout)
        if ended:
            self._query.check()
        return ended

    def exception(self) -> Exception | None:
        """The error a failed query stopped with, else None."""
        try:
            self._query.check()
        except Exception as error:  # noqa: BLE001 - handed to the caller
            return error
        return None

    @property
    def last_progress(self) -> dict[str, Any] | None:
        return self._query.last_progress()

    @property
    def recent_progress(self) -> list[dict[str, Any]]:
        return self._query.recent_progress()

    def __enter__(self) -> StreamingQuery:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
