"""The seam between sources and warehouses: what a source hands a warehouse for one table.

A source yields, a warehouse consumes; neither knows how the other works. A source's read of
one table is one of two things, and both warehouses consume both:

- `ArrowRead`: Arrow record batches with exact types, and each column's type on each warehouse
  (`LandingColumn`). Any source kind produces these (MySQL; the file and HTTP sources next).
- `CopyRead` (made by extract_load/postgres_source.py): a PostgreSQL table that can also stream
  itself as COPY through psql, or hand over the queries that read it (`SourceScan`). Where
  both ends speak PostgreSQL's own formats that is the fast path: binary COPY piped into a
  PostgreSQL warehouse unparsed; into DuckDB, the queries run by DuckDB's PostgreSQL extension
  over ranges of the table in one snapshot (CSV parsed by Arrow where the extension is
  missing).

The landing type of an Arrow type is derived here (`duckdb_type`, `postgres_type`); a source
states one only where the Arrow type does not say it all (JSON is a string in Arrow, jsonb in
PostgreSQL).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pyarrow is imported where Arrow is used: a PostgreSQL-only load needs none
    import pyarrow as pa

    from .catalog_types import SourceColumn
    from .psql_copy import PsqlCopy

__all__ = [
    "ArrowRead",
    "CopyRead",
    "FileScan",
    "LandingColumn",
    "SourceQueries",
    "SourceRead",
    "SourceScan",
    "duckdb_type",
    "landing_column",
    "postgres_type",
]

# DuckDB's DECIMAL holds at most 38 digits.
_DUCKDB_MAX_PRECISION = 38


@dataclass(frozen=True)
class LandingColumn:
    """One column as it lands in raw: its name, its Arrow type in the batches, and the type of
    the raw column on each warehouse."""

    name: str
    arrow_type: pa.DataType
    duckdb_type: str
    postgres_type: str


def _landing_types(arrow_type: pa.DataType) -> tuple[str | None, str]:
    """(DuckDB type, PostgreSQL type) that hold every value of `arrow_type` exactly; the
    DuckDB one is None where DuckDB has none (a decimal of more than 38 digits)."""
    import pyarrow as pa

    t = pa.types
    # Unsigned integers: DuckDB has them; PostgreSQL takes the next wider signed type.
    fixed = {
        pa.bool_(): ("BOOLEAN", "boolean"),
        pa.int8(): ("TINYINT", "smallint"),
        pa.int16(): ("SMALLINT", "smallint"),
        pa.int32(): ("INTEGER", "integer"),
        pa.int64(): ("BIGINT", "bigint"),
        pa.uint8(): ("UTINYINT", "smallint"),
        pa.uint16(): ("USMALLINT", "integer"),
        pa.uint32(): ("UINTEGER", "bigint"),
        pa.uint64(): ("UBIGINT", "numeric(20,0)"),  # up to 18446744073709551615
        pa.float32(): ("FLOAT", "real"),
        pa.float64(): ("DOUBLE", "double precision"),
        pa.string(): ("VARCHAR", "text"),
        pa.large_string(): ("VARCHAR", "text"),
        pa.binary(): ("BLOB", "bytea"),
        pa.large_binary(): ("BLOB", "bytea"),
        pa.date32(): ("DATE", "date"),
        pa.date64(): ("DATE", "date"),
    }
    if arrow_type in fixed:
        return fixed[arrow_type]
    if t.is_decimal(arrow_type):
        precision, scale = arrow_type.precision, arrow_type.scale
        duckdb = f"DECIMAL({precision},{scale})" if precision <= _DUCKDB_MAX_PRECISION else None
        return duckdb, f"numeric({precision},{scale})"
    if t.is_time(arrow_type):
        return "TIME", "time"
    if t.is_timestamp(arrow_type):
        return ("TIMESTAMPTZ", "timestamptz") if arrow_type.tz else ("TIMESTAMP", "timestamp")
    if t.is_duration(arrow_type):
        return "INTERVAL", "interval"
    if t.is_list(arrow_type) or t.is_large_list(arrow_type):
        element_duckdb, element_postgres = _landing_types(arrow_type.value_type)
        return (
            None if element_duckdb is None else f"{element_duckdb}[]",
            f"{element_postgres}[]",
        )
    raise TypeError(f"no warehouse type for Arrow type {arrow_type}: land it as text")


def duckdb_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type that holds every value of `arrow_type` exactly."""
    duckdb, _ = _landing_types(arrow_type)
    if duckdb is None:
        raise TypeError(f"{arrow_type} is wider than DuckDB's 38 digits: land it as text")
    return duckdb


def postgres_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type that holds every value of `arrow_type` exactly."""
    return _landing_types(arrow_type)[1]


def landing_column(
    name: str,
    arrow_type: pa.DataType,
    duckdb: str | None = None,
    postgres: str | None = None,
) -> LandingColumn:
    """A column landing as its Arrow type says, unless the source states a type."""
    return LandingColumn(
        name, arrow_type, duckdb or duckdb_type(arrow_type), postgres or postgres_type(arrow_type)
    )


class ArrowRead(ABC):
    """One table's rows as Arrow record batches. Used as a context manager: leaving it early
    (an error in the warehouse) stops the source's read and frees its connection."""

    label: str  # the source table, for messages: `schema.table`
    columns: tuple[LandingColumn, ...]

    @property
    def schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])

    @abstractmethod
    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows, in batches of bounded size whose schema is `schema`. Called once."""

    @abstractmethod
    def finish(self) -> int:
        """After the last batch: how many rows the source sent. Raises if its read failed."""

    @property
    def bytes_read(self) -> int:
        """Bytes received from the source so far, for progress; 0 if the source cannot say."""
        return 0

    @property
    def values_nulled(self) -> int:
        """Values the source could not express that arrived as NULL (MySQL's zero dates); each
        column concerned is named in a warning by the source."""
        return 0

    @abstractmethod
    def close(self) -> None:
        """Stop reading and free the source's connection; safe to call twice."""

    def file_scan(self) -> FileScan | None:
        """The file these rows are read from, for a warehouse that can read it itself (then it
        calls `scanned` instead of `batches`); None if they do not come from one file."""
        return None

    def scanned(self, rows: int, bad_lines: Sequence[tuple[int, str, str]]) -> None:
        """What a warehouse that read `file_scan()` itself found: `rows` that land, and the
        bad lines (line, reason, raw text) that do not."""
        raise NotImplementedError(f"{self.label} is not read from a file")

    def __enter__(self) -> ArrowRead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class CopyRead(ABC):
    """A PostgreSQL table that streams itself as `COPY ... TO STDOUT` through psql: the fast
    path when both ends speak PostgreSQL's formats. The warehouse says which expression of
    each column to select and in which format; the source knows where and how to read."""

    label: str
    columns: tuple[SourceColumn, ...]  # as PostgreSQL's catalog declares them

    @abstractmethod
    def copy(self, select_exprs: Sequence[str], options: str) -> PsqlCopy:
        """A psql process (not yet started: use it as a context manager) sending
        `COPY (SELECT <select_exprs> FROM <table> [WHERE <filter>]) TO STDOUT (<options>)`."""

    @abstractmethod
    def scan(self, select_exprs: Sequence[str], checks: Sequence[str] = ()) -> SourceScan:
        """The same rows as a query for a warehouse that reads PostgreSQL itself, with the
        ranges it may split into where the table can be read in parts. `checks` are
        conditions in the WHERE clause that raise on a row the warehouse cannot take."""


# A query run on a PostgreSQL source (libpq's conninfo without the password, the password,
# the query with its values written in) by a warehouse's own connections to it: its rows.
SourceQueries = Callable[[str, str | None, str], list[tuple[Any, ...]]]


class Ranges(Protocol):
    """How a large table splits into parts read at once in one snapshot."""

    @property
    def pages_query(self) -> str:
        """Its size in pages and the server's version: (pages, version_num)."""
        ...

    def split(self, pages: int, version: int, streams: int) -> tuple[str, ...]:
        """The queries reading it in up to `streams` parts; one where splitting does not pay."""
        ...


@dataclass(frozen=True)
class SourceScan:
    """A PostgreSQL table as the query that reads it, run in a transaction of its own after
    `session` (the session settings); or, where `ranges` is given and the warehouse reads with
    several connections, as several queries over ranges of it in one snapshot that together
    return every row once."""

    conninfo: str  # libpq's, without the password
    password: str | None  # kept out of `conninfo`: that string appears in error messages
    session: tuple[str, ...]
    query: str
    label: str
    ranges: Ranges | None = None


@dataclass(frozen=True)
class FileScan:
    """A landed file as a warehouse may read it by itself: its format, where it is (a local
    path, or a URL of `filesystem`, the fsspec filesystem to read it through), and its path
    under the landing (its `_file`)."""

    format: str  # parquet
    location: str
    path: str
    filesystem: Any = None  # an fsspec filesystem; None for a local path


SourceRead = ArrowRead | CopyRead
