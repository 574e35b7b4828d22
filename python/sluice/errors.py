"""The exceptions Sluice raises. Every one is a :class:`sluice.Error`."""


class Error(Exception):
    """Base class of every error Sluice raises."""


class SqlError(Error):
    """The SQL text is wrong: a syntax error, an unknown table or column, a type error.

    ``line`` and ``column`` (1-based) point at the offending token; the message repeats
    that line of SQL with a caret under it.
    """

    line: int | None = None
    column: int | None = None


class NotSupportedError(SqlError):
    """Something Sluice does not implement; it refuses rather than guesses."""


class CancelledError(Error):
    """The query was stopped before it finished."""


class ConflictError(Error):
    """A concurrent commit changed what this write depended on; nothing was written."""


class SchemaError(Error, ValueError):
    """A requested schema or a written batch does not fit the stream's schema."""


class StorageError(Error, OSError):
    """Reading or writing files failed."""
