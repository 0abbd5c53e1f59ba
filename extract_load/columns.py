"""Source columns read from the PostgreSQL catalog, and how each travels to each warehouse.

A naive copy silently changes data (money becomes float, char(n) stays padded, arrays become
text, '' becomes NULL; see shared/STACK.md). Every column's type is therefore taken from
`pg_attribute`/`pg_type`, and mapped explicitly:

* into DuckDB, rows travel as PostgreSQL CSV (NULL unquoted-empty, '' quoted) parsed by Arrow
  with an explicit type per column, then cast in DuckDB SQL to the final type. Timestamps and
  dates are parsed by Arrow itself (the fast way); Arrow refuses what it cannot represent
  (infinity, BC, years after 9999) rather than changing it, and such a table is read again
  with them as text, cast by DuckDB, which keeps those values;
* into PostgreSQL, rows travel as binary COPY with the source casting each column to the
  warehouse type (enums and domains to their base type, tsvector to text, char(n) to text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .identifiers import quote_ident

if TYPE_CHECKING:  # pyarrow is imported where DuckDB columns are made: PostgreSQL needs none
    import pyarrow as pa

__all__ = ["DuckDBColumn", "PostgresColumn", "SourceColumn", "to_duckdb", "to_postgres"]

# Base types (pg_type.typname) that read as text with no change of meaning.
_TEXT_LIKE = {"text", "varchar", "name", "char", "citext", "enum", "bpchar"}
_INTEGERS = {"int2": "SMALLINT", "int4": "INTEGER", "int8": "BIGINT", "oid": "BIGINT"}
_CAST_FROM_TEXT = {
    "float4": "FLOAT",
    "float8": "DOUBLE",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSON",
    "date": "DATE",
    "time": "TIME",
    "timetz": "TIMETZ",
    "timestamp": "TIMESTAMP",
    "timestamptz": "TIMESTAMPTZ",
}
# Temporal types Arrow parses from PostgreSQL's ISO output (TimeZone UTC: offsets are "+00").
_ARROW_TEMPORAL = {"timestamptz", "timestamp", "date"}


def _arrow_type(base: str) -> pa.DataType:
    """The Arrow type that parses a CSV field of this base type (integers, temporal types)."""
    import pyarrow as pa

    return {
        "int2": pa.int16(),
        "int4": pa.int32(),
        "int8": pa.int64(),
        "oid": pa.int64(),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "timestamp": pa.timestamp("us"),
        "date": pa.date32(),
    }[base]


# Built-in types a PostgreSQL warehouse keeps as they are.
_PG_KEEP = {
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "money",
    "text",
    "varchar",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "bytea",
    "uuid",
    "json",
    "jsonb",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "xml",
    "bit",
    "varbit",
}
# Kept types with no equality operator: compared as text when looking for changed rows.
_PG_COMPARE_AS_TEXT = {"json", "xml"}


@dataclass(frozen=True)
class SourceColumn:
    """A column as the source catalog declares it, domains and enums resolved to base types.

    `base` is the base type's `typname` (`enum` for any enum); for arrays, `base` describes the
    element and `is_array` is set. `base_sql` is the base type as SQL (`numeric(5,2)`).
    """

    name: str
    declared: str
    base: str
    base_sql: str
    typmod: int = -1
    is_array: bool = False
    not_null: bool = False

    @property
    def numeric_precision_scale(self) -> tuple[int, int] | None:
        if self.base != "numeric" or self.typmod < 4:
            return None
        precision = ((self.typmod - 4) >> 16) & 0xFFFF
        scale = (self.typmod - 4) & 0xFFFF
        if scale > precision:  # negative scales (PostgreSQL 15+) come out as large numbers
            return None
        return precision, scale


@dataclass(frozen=True)
class DuckDBColumn:
    name: str
    source_expr: str  # SQL on the source side of COPY ... TO STDOUT (FORMAT csv)
    arrow_type: pa.DataType  # how Arrow parses the CSV field
    duckdb_type: str  # the column's type in the warehouse
    load_expr: str  # DuckDB SQL turning the Arrow column into `duckdb_type`


@dataclass(frozen=True)
class PostgresColumn:
    name: str
    source_expr: str  # SQL on the source side of COPY ... TO STDOUT (FORMAT binary)
    pg_type: str  # the column's type in the warehouse (binary COPY needs it to match exactly)
    compare_expr: str  # SQL comparing two versions of a row (`{}` is the table alias)


def _duckdb_scalar(column: SourceColumn) -> str | None:
    """DuckDB type for a scalar of this base type, if it maps to a native one."""
    if column.base in _INTEGERS:
        return _INTEGERS[column.base]
    if column.base == "bool":
        return "BOOLEAN"
    if column.base in _TEXT_LIKE:
        return "VARCHAR"
    if column.base in _CAST_FROM_TEXT:
        return _CAST_FROM_TEXT[column.base]
    if (precision_scale := column.numeric_precision_scale) and precision_scale[0] <= 38:
        return f"DECIMAL({precision_scale[0]},{precision_scale[1]})"
    return None


def to_duckdb(column: SourceColumn, text_temporals: bool = False) -> DuckDBColumn:
    """How `column` travels into DuckDB; `text_temporals` sends timestamps and dates as text,
    for values Arrow cannot parse (infinity, BC, years after 9999)."""
    import pyarrow as pa

    name = quote_ident(column.name)
    text = pa.string()
    if column.is_array:
        element = _duckdb_scalar(column)
        # Arrays travel as JSON: PostgreSQL's own array literal is not something DuckDB reads.
        source = f"to_json({name}::text[])" if column.base == "bpchar" else f"to_json({name})"
        if element is None:
            return DuckDBColumn(column.name, source, text, "JSON", f"CAST({name} AS JSON)")
        duck_type = f"{element}[]"
        return DuckDBColumn(
            column.name, source, text, duck_type, f"CAST(CAST({name} AS JSON) AS {duck_type})"
        )
    if column.base in _INTEGERS:
        arrow_type, duck_type = _arrow_type(column.base), _INTEGERS[column.base]
        return DuckDBColumn(column.name, name, arrow_type, duck_type, name)
    if column.base == "bool":
        return DuckDBColumn(column.name, name, pa.bool_(), "BOOLEAN", name)
    if column.base == "bpchar":  # char(n): trailing blanks are padding, not data
        return DuckDBColumn(column.name, name, text, "VARCHAR", f"rtrim({name}, ' ')")
    if column.base in _TEXT_LIKE:
        return DuckDBColumn(column.name, name, text, "VARCHAR", name)
    if column.base == "numeric":
        precision_scale = column.numeric_precision_scale
        if precision_scale and precision_scale[0] <= 38:
            precision, scale = precision_scale
            return DuckDBColumn(
                column.name,
                name,
                pa.decimal128(precision, scale),
                f"DECIMAL({precision},{scale})",
                name,
            )
        # Unconstrained or wider than DuckDB's DECIMAL(38): exact digits as text, never a float.
        return DuckDBColumn(column.name, name, text, "VARCHAR", name)
    if column.base in _CAST_FROM_TEXT:
        duck_type = _CAST_FROM_TEXT[column.base]
        arrow_type, value = text, name
        if column.base in _ARROW_TEMPORAL and not text_temporals:
            arrow_type = _arrow_type(column.base)
        elif column.base in _ARROW_TEMPORAL:
            # PostgreSQL ends a BC value with " BC"; DuckDB reads "0044-03-15 (BC) 12:00:00",
            # and silently reads "0044-03-15 12:00:00 BC" as a date AD.
            value = rf"regexp_replace({name}, '^(\d+-\d\d-\d\d)(.*) BC$', '\1 (BC)\2')"
        return DuckDBColumn(
            column.name, name, arrow_type, duck_type, f"CAST({value} AS {duck_type})"
        )
    if column.base == "interval":
        # IntervalStyle 'postgres' ("-1 days +02:00:00"); DuckDB reads it without the plus signs.
        return DuckDBColumn(
            column.name, name, text, "INTERVAL", f"CAST(replace({name}, '+', '') AS INTERVAL)"
        )
    if column.base == "bytea":  # bytea_output 'hex': \x0a0b
        return DuckDBColumn(column.name, name, text, "BLOB", f"unhex({name}[3:])")
    # tsvector, inet, money, xml, geometric, ranges, extension types: their text form.
    return DuckDBColumn(column.name, f"{name}::text", text, "VARCHAR", name)


def to_postgres(column: SourceColumn) -> PostgresColumn:
    name = quote_ident(column.name)
    if column.base in _PG_KEEP:
        target = column.base_sql
    elif column.base in ("bpchar", "enum", "name", "char"):
        target = "text"
    else:
        target = "text"  # tsvector, extension types: their text form
    if column.is_array:
        target = f"{target}[]"
    source = name if target == column.declared else f"{name}::{target}"
    compare = "{}." + name
    if column.base in _PG_COMPARE_AS_TEXT:
        compare = f"{compare}::text"
    return PostgresColumn(column.name, source, target, compare)
