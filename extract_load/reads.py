"""The seam between sources and warehouses: what a source hands a warehouse for one table.

A source yields, a warehouse consumes; neither knows how the other works. A source's read of
one table is one of two things, and both warehouses consume both:

- `ArrowRead`: Arrow record batches with exact types, and each column's type on each warehouse
  (`LandingColumn`). Any source kind produces these (MySQL; the file and HTTP sources next).
- `CopyRead` (made by extract_load/postgres_source.py): a PostgreSQL table that can also stream
  itself as COPY through psql. Where both ends speak PostgreSQL's own formats that is the fast
  path: binary COPY piped into a PostgreSQL warehouse unparsed, CSV parsed by Arrow into DuckDB.

The landing type of an Arrow type is derived here (`duckdb_type`, `postgres_type`); a source
states one only where the Arrow type does not say it all (JSON is a string in Arrow, jsonb in
PostgreSQL).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyarrow is imported where Arrow is used: a PostgreSQL-only load needs none
    import pyarrow as pa

    from .catalog_types import SourceColumn
    from .psql_copy import PsqlCopy

__all__ = [
    "ArrowRead",
    "CopyRead",
    "LandingColumn",
    "SourceRead",
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


def duckdb_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type that holds every value of `arrow_type` exactly."""
    import pyarrow as pa

    t = pa.types
    if t.is_boolean(arrow_type):
        return "BOOLEAN"
    integers = {
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.uint8(): "UTINYINT",
        pa.uint16(): "USMALLINT",
        pa.uint32(): "UINTEGER",
        pa.uint64(): "UBIGINT",
    }
    if arrow_type in integers:
        return integers[arrow_type]
    if t.is_float32(arrow_type):
        return "FLOAT"
    if t.is_float64(arrow_type):
        return "DOUBLE"
    if t.is_decimal(arrow_type):
        if arrow_type.precision > _DUCKDB_MAX_PRECISION:
            raise TypeError(
                f"DECIMAL({arrow_type.precision},{arrow_type.scale}) is wider than DuckDB's 38 "
                "digits: land it as text"
            )
        return f"DECIMAL({arrow_type.precision},{arrow_type.scale})"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return "VARCHAR"
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return "BLOB"
    if t.is_date(arrow_type):
        return "DATE"
    if t.is_time(arrow_type):
        return "TIME"
    if t.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if t.is_duration(arrow_type):
        return "INTERVAL"
    if t.is_list(arrow_type) or t.is_large_list(arrow_type):
        return f"{duckdb_type(arrow_type.value_type)}[]"
    raise TypeError(f"no DuckDB type for Arrow type {arrow_type}: land it as text")


def postgres_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type that holds every value of `arrow_type` exactly."""
    import pyarrow as pa

    t = pa.types
    if t.is_boolean(arrow_type):
        return "boolean"
    integers = {
        pa.int8(): "smallint",
        pa.int16(): "smallint",
        pa.int32(): "integer",
        pa.int64(): "bigint",
        pa.uint8(): "smallint",
        pa.uint16(): "integer",
        pa.uint32(): "bigint",
        pa.uint64(): "numeric(20,0)",  # up to 18446744073709551615
    }
    if arrow_type in integers:
        return integers[arrow_type]
    if t.is_float32(arrow_type):
        return "real"
    if t.is_float64(arrow_type):
        return "double precision"
    if t.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision},{arrow_type.scale})"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return "text"
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return "bytea"
    if t.is_date(arrow_type):
        return "date"
    if t.is_time(arrow_type):
        return "time"
    if t.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if t.is_duration(arrow_type):
        return "interval"
    if t.is_list(arrow_type) or t.is_large_list(arrow_type):
        return f"{postgres_type(arrow_type.value_type)}[]"
    raise TypeError(f"no PostgreSQL type for Arrow type {arrow_type}: land it as text")


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


SourceRead = ArrowRead | CopyRead
