"""MySQL/MariaDB column types: how each is selected, its Arrow type, and its type on each
warehouse.

Values are read in MySQL's text protocol with PyMySQL's decoders switched off, so every value
arrives as the server's text (bytes for binary columns) and is parsed by Arrow into the column's
explicit Arrow type: nothing is inferred, and a value that does not parse exactly fails the cast
instead of changing. Two types are selected through an expression because their text form is
not exact: FLOAT (six significant digits in the text protocol: `CAST(... AS DOUBLE)` is exact)
and geometries (WKB through `ST_AsBinary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .reads import LandingColumn, landing_column

__all__ = ["ColumnRead", "MySQLColumn", "column_read", "quote_mysql"]

_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 32, "int": 32, "bigint": 64}
# An incremental cursor must be ordered and read back from the warehouse's text exactly.
_TEMPORAL = frozenset({"date", "datetime", "timestamp"})
_ORDERABLE = _TEMPORAL | frozenset(_INTEGER_BITS)
_TEXT = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"})
_BINARY = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})
_GEOMETRY = frozenset(
    {
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "geomcollection",
    }
)
# DuckDB's DECIMAL holds at most 38 digits; MySQL's up to 65.
_ARROW_MAX_PRECISION = 38
# A date with a zero year-month-day part: 0000-00-00, 2024-00-15, 2024-03-00.
_ZERO_DATE = r"^\d{4}-(00|\d\d-00)"


def quote_mysql(name: str) -> str:
    """A name from the catalog as a MySQL identifier: backticks, a backtick inside doubled."""
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class MySQLColumn:
    """A column as information_schema.COLUMNS declares it."""

    name: str
    declared: str  # COLUMN_TYPE: `int(10) unsigned`, `decimal(65,30)`, `set('a','b')`
    data_type: str  # DATA_TYPE, lower case; `json` also for MariaDB's JSON (a checked longtext)
    precision: int | None = None  # NUMERIC_PRECISION: digits of a decimal, bits of a BIT
    scale: int | None = None
    unsigned: bool = False

    @property
    def orderable(self) -> bool:
        return self.data_type in _ORDERABLE

    @property
    def temporal(self) -> bool:
        return self.data_type in _TEMPORAL


# Raw values of one column in one batch -> the Arrow array, and how many values became NULL.
Converter = Callable[[Sequence[object]], tuple[pa.Array, int]]


@dataclass(frozen=True)
class ColumnRead:
    """How one column is read: the SELECT expression, its landing types, the conversion of its
    raw values, and a warning when it does not land as its own type."""

    column: MySQLColumn
    select: str
    landing: LandingColumn
    convert: Converter
    warning: str | None = None


def _from_text(arrow_type: pa.DataType, via: pa.DataType | None = None) -> Converter:
    def convert(values: Sequence[object]) -> tuple[pa.Array, int]:
        text = pa.array(values, pa.string())
        if via is not None:
            return text.cast(via).cast(arrow_type), 0
        return text.cast(arrow_type), 0

    return convert


def _plain(arrow_type: pa.DataType) -> Converter:
    def convert(values: Sequence[object]) -> tuple[pa.Array, int]:
        return pa.array(values, arrow_type), 0

    return convert


def _json_text(values: Sequence[object]) -> tuple[pa.Array, int]:
    # MySQL sends JSON with the binary character set; PyMySQL decodes it, but be sure.
    decoded = [v.decode() if isinstance(v, bytes) else v for v in values]
    return pa.array(decoded, pa.string()), 0


def _temporal(arrow_type: pa.DataType) -> Converter:
    """Dates and times; zero dates (and dates Arrow cannot parse, which MySQL's
    ALLOW_INVALID_DATES lets in) become NULL and are counted."""

    def convert(values: Sequence[object]) -> tuple[pa.Array, int]:
        text = pa.array(values, pa.string())
        zero = pc.match_substring_regex(text, _ZERO_DATE)
        nulled = pc.sum(zero).as_py() or 0
        if nulled:
            text = pc.if_else(zero, pa.scalar(None, pa.string()), text)
        # A TIMESTAMP arrives in the session's zone, UTC: parse it naive, then label it UTC.
        naive = pa.timestamp("us") if pa.types.is_timestamp(arrow_type) else arrow_type
        try:
            return text.cast(naive).cast(arrow_type), nulled
        except pa.ArrowInvalid:
            pass
        cleaned = []
        for value in text.to_pylist():
            if value is not None:
                try:
                    pa.scalar(value).cast(naive)
                except pa.ArrowInvalid:
                    value, nulled = None, nulled + 1
            cleaned.append(value)
        return pa.array(cleaned, pa.string()).cast(naive).cast(arrow_type), nulled

    return convert


def _time_micros(text: str) -> int:
    """MySQL's TIME text, `-838:59:59.000000` to `838:59:59.000000`, in microseconds."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes, seconds = text.lstrip("-").split(":")
    whole, _, fraction = seconds.partition(".")
    micros = ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1_000_000
    return sign * (micros + int((fraction + "000000")[:6]))


def _time(values: Sequence[object]) -> tuple[pa.Array, int]:
    micros = [None if v is None else _time_micros(str(v)) for v in values]
    return pa.array(micros, pa.int64()).cast(pa.duration("us")), 0


def _integer_type(bits: int, unsigned: bool) -> pa.DataType:
    return getattr(pa, f"{'u' if unsigned else ''}int{bits}")()


def column_read(column: MySQLColumn) -> ColumnRead:
    """The exact reading of `column`; a type with no exact mapping lands as text, with a warning."""
    name, kind, quoted = column.name, column.data_type, quote_mysql(column.name)

    def read(
        arrow_type: pa.DataType,
        convert: Converter,
        select: str = quoted,
        warning: str | None = None,
        duckdb: str | None = None,
        postgres: str | None = None,
    ) -> ColumnRead:
        landing = landing_column(name, arrow_type, duckdb=duckdb, postgres=postgres)
        return ColumnRead(column, select, landing, convert, warning)

    if kind in _INTEGER_BITS:
        # TINYINT(1), MySQL's "boolean", stays an integer: it can hold 2 or -1, which a
        # boolean would change.
        arrow_type = _integer_type(_INTEGER_BITS[kind], column.unsigned)
        return read(arrow_type, _from_text(arrow_type))
    if kind in ("decimal", "numeric"):
        precision, scale = column.precision or 10, column.scale or 0
        if precision <= _ARROW_MAX_PRECISION:
            arrow_type = pa.decimal128(precision, scale)
            return read(arrow_type, _from_text(arrow_type))
        return read(
            pa.string(),
            _plain(pa.string()),
            warning=f"is {column.declared}, wider than DuckDB's 38 digits: on DuckDB it lands as "
            f"its exact text (VARCHAR), on PostgreSQL as numeric({precision},{scale})",
            duckdb="VARCHAR",
            postgres=f"numeric({precision},{scale})",
        )
    if kind == "float":
        # The text protocol prints FLOAT with six digits; as DOUBLE its value is exact.
        select = f"CAST({quoted} AS DOUBLE)"
        return read(pa.float32(), _from_text(pa.float32(), via=pa.float64()), select)
    if kind in ("double", "real"):
        return read(pa.float64(), _from_text(pa.float64()))
    if kind == "date":
        return read(pa.date32(), _temporal(pa.date32()))
    if kind == "datetime":
        return read(pa.timestamp("us"), _temporal(pa.timestamp("us")))
    if kind == "timestamp":
        utc = pa.timestamp("us", tz="UTC")
        return read(utc, _temporal(utc))
    if kind == "time":
        # TIME spans -838:59:59 to 838:59:59, which no time of day holds: a duration.
        return read(pa.duration("us"), _time)
    if kind == "year":
        return read(pa.int16(), _from_text(pa.int16()))
    if kind == "json":
        return read(pa.string(), _json_text, duckdb="JSON", postgres="jsonb")
    if kind in _TEXT:
        return read(pa.string(), _plain(pa.string()))
    if kind in _BINARY:
        return read(pa.binary(), _plain(pa.binary()))
    if kind == "bit":
        # BIT(n) lands as its integer value, in the narrowest unsigned type that holds n bits.
        bits = next(b for b in (8, 16, 32, 64) if (column.precision or 1) <= b)
        arrow_type = _integer_type(bits, unsigned=True)
        return read(arrow_type, _from_text(arrow_type), f"CAST({quoted} AS UNSIGNED)")
    if kind in _GEOMETRY:
        return read(
            pa.binary(),
            _plain(pa.binary()),
            f"ST_AsBinary({quoted})",
            warning=f"is {column.declared}: it lands as its WKB (ST_AsBinary), without its SRID",
        )
    return read(
        pa.string(),
        _plain(pa.string()),
        f"CAST({quoted} AS CHAR)",
        warning=f"is of type {column.declared}, which the loader has no mapping for; it lands "
        "as its text form",
    )
