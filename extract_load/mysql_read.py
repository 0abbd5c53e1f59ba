"""An Arrow read of one MySQL or MariaDB table, streamed by an unbuffered cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pymysql
import pymysql.connections
import pymysql.cursors

from .errors import SourceError
from .mysql_catalog import MySQLTable
from .mysql_types import ColumnRead
from .reads import ArrowRead

__all__ = ["CountingConnection", "MySQLRead", "error_reason"]

log = logging.getLogger("extract_load.mysql")

# Rows are fetched in chunks, and a batch ends early past this many bytes from the server, so
# that wide rows (documents, blobs) keep memory bounded too.
_FETCH_ROWS = 1_000
_BATCH_BYTES = 128 * 1024 * 1024


class CountingConnection(pymysql.connections.Connection):
    """A PyMySQL connection that counts the bytes it receives (for `bytes_read`)."""

    bytes_received = 0

    def _read_bytes(self, num_bytes: int) -> bytes:  # every read of the socket goes here
        data = super()._read_bytes(num_bytes)  # type: ignore[misc]  # private: not in the stubs
        self.bytes_received += len(data)
        return data


def error_reason(error: pymysql.err.MySQLError) -> str:
    """The server's or the driver's message, on one line."""
    if len(error.args) >= 2:
        return " ".join(str(error.args[1]).split())
    return " ".join(str(error).split()) or type(error).__name__


class MySQLRead(ArrowRead):
    """One table's rows streamed from its own connection by an unbuffered cursor."""

    def __init__(
        self,
        connection: CountingConnection,
        variable: str,
        table: MySQLTable,
        reads: Sequence[ColumnRead],
        query: tuple[str, tuple],
        batch_rows: int,
    ) -> None:
        """Run `query` (SQL with `%s` placeholders, and its parameters) on `connection`, which
        the read owns from then on."""
        self.label = f"{table.schema}.{table.name}"
        self.columns = tuple(read.landing for read in reads)
        self._connection: CountingConnection | None = connection
        self._variable = variable
        self._reads = tuple(reads)
        self._batch_rows = max(1, batch_rows)
        self._started = connection.bytes_received
        self._bytes_read = 0
        self._rows = 0
        self._nulled = dict.fromkeys((read.column.name for read in reads), 0)
        self._done = False
        self._error: BaseException | None = None
        self._cursor: pymysql.cursors.SSCursor | None = connection.cursor(pymysql.cursors.SSCursor)
        try:
            self._cursor.execute(*query)
        except pymysql.err.MySQLError as error:
            self.close()
            raise SourceError(
                f"{self._variable}: cannot read {self.label} ({error_reason(error)})"
            ) from error

    @property
    def bytes_read(self) -> int:
        if self._connection is not None:
            self._bytes_read = self._connection.bytes_received - self._started
        return self._bytes_read

    @property
    def values_nulled(self) -> int:
        return sum(self._nulled.values())

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self._cursor is None or self._connection is None:
            raise RuntimeError(f"{self.label}: the read is closed")
        try:
            yield from self._stream(self._cursor, self._connection)
        except pymysql.err.MySQLError as error:
            self._error = SourceError(
                f"{self._variable}: reading {self.label} failed ({error_reason(error)})"
            )
            raise self._error from error
        except SourceError as error:  # a value Arrow cannot read as its column's type
            self._error = error
            raise
        for name, count in self._nulled.items():
            if count:
                log.warning(
                    "%s: column %r had %d zero or invalid date(s) (such as 0000-00-00), which "
                    "no warehouse can hold; they landed as NULL",
                    self.label,
                    name,
                    count,
                )

    def _stream(
        self, cursor: pymysql.cursors.SSCursor, connection: CountingConnection
    ) -> Iterator[pa.RecordBatch]:
        schema = self.schema
        while not self._done:
            rows: list[tuple] = []
            start = connection.bytes_received
            while len(rows) < self._batch_rows and connection.bytes_received - start < _BATCH_BYTES:
                chunk = cursor.fetchmany(min(_FETCH_ROWS, self._batch_rows - len(rows)))
                if not chunk:
                    self._done = True
                    break
                rows.extend(chunk)
            if rows:
                self._rows += len(rows)
                yield pa.RecordBatch.from_arrays(self._arrays(rows), schema=schema)

    def _arrays(self, rows: list[tuple]) -> list[pa.Array]:
        arrays = []
        for read, values in zip(self._reads, zip(*rows, strict=True), strict=True):
            try:
                array, nulled = read.convert(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
                raise SourceError(
                    f"{self._variable}: {self.label}, column {read.column.name!r} "
                    f"({read.column.declared}): a value cannot be read as "
                    f"{read.landing.arrow_type} ({error})"
                ) from error
            self._nulled[read.column.name] += nulled
            arrays.append(array)
        return arrays

    def finish(self) -> int:
        if self._error is not None:
            raise self._error
        if not self._done:
            raise RuntimeError(f"{self.label}: finish() before the last batch")
        return self._rows

    def close(self) -> None:
        connection, cursor = self._connection, self._cursor
        if connection is None:
            return
        self._connection = self._cursor = None
        if cursor is not None and not self._done:
            # MySQL cannot stop a result midway: PyMySQL's cursor would read every remaining
            # row on close. Closing the socket instead ends the server's query at its next
            # write, and its thread with it.
            result = connection._result  # type: ignore[attr-defined]  # private, as above
            if result is not None:
                result.unbuffered_active = False
            cursor.connection = None  # type: ignore[assignment]
        try:
            if cursor is not None and cursor.connection is not None:
                cursor.close()
        finally:
            if connection.open:
                connection.close()
            self._bytes_read = connection.bytes_received - self._started
