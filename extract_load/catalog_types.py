"""A source column as the catalog declares it, and the shapes the two warehouses need."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .identifiers import quote_ident

if TYPE_CHECKING:  # pyarrow is imported where DuckDB columns are made: PostgreSQL needs none
    import pyarrow as pa

__all__ = ["DuckDBColumn", "PostgresColumn", "SourceColumn", "fallback_warnings"]

log = logging.getLogger("extract_load.columns")

# Base types (pg_type.typname) that read as text with no change of meaning.
TEXT_LIKE = {"text", "varchar", "name", "char", "citext", "enum", "bpchar"}
INTEGERS = {"int2": "SMALLINT", "int4": "INTEGER", "int8": "BIGINT", "oid": "BIGINT"}
# money is an int64 count of the currency's minor units: 19 digits hold every value.
MONEY_PRECISION = 19


@dataclass(frozen=True)
class SourceColumn:
    """A column as the source catalog declares it, domains and enums resolved to base types.

    `base` is the base type's `typname` (`enum` for any enum); for arrays, `base` describes the
    element and `is_array` is set. `base_sql` is the base type as SQL (`numeric(5,2)`).
    `kind` is the base type's `typtype` (b base, c composite, r range, m multirange, e enum);
    `builtin` is false for types of an extension or of a user. `dims` is an array's declared
    number of dimensions; `money_scale` the currency's decimals (lc_monetary) for money.
    """

    name: str
    declared: str
    base: str
    base_sql: str
    typmod: int = -1
    is_array: bool = False
    not_null: bool = False
    kind: str = "b"
    builtin: bool = True
    dims: int = 1
    money_scale: int = 2

    @property
    def numeric_precision_scale(self) -> tuple[int, int] | None:
        if self.base != "numeric" or self.typmod < 4:
            return None
        precision = ((self.typmod - 4) >> 16) & 0xFFFF
        scale = (self.typmod - 4) & 0xFFFF
        if scale > precision:  # negative scales (PostgreSQL 15+) come out as large numbers
            return None
        return precision, scale

    @property
    def is_hstore(self) -> bool:
        return self.base == "hstore" and not self.builtin

    @property
    def money_sql(self) -> str:
        """money's exact value as a SQL type: numeric in the currency's unit."""
        return f"numeric({MONEY_PRECISION},{self.money_scale})"


@dataclass(frozen=True)
class DuckDBColumn:
    name: str
    source_expr: str  # SQL on the source side of COPY ... TO STDOUT (FORMAT csv)
    arrow_type: pa.DataType | None  # how Arrow parses the CSV field; None: no Arrow on its path
    duckdb_type: str  # the column's type in the warehouse
    load_expr: str  # DuckDB SQL turning the Arrow column into `duckdb_type`
    fallback: bool = False  # no mapping: the type's text form (a warning says so)
    # A condition every source row must meet, for the WHERE clause (it raises on a row that
    # does not): a filter leaves the rows as the server stores them, where an expression in
    # the select list makes it build each row anew.
    source_check: str | None = None


@dataclass(frozen=True)
class PostgresColumn:
    name: str
    source_expr: str  # SQL on the source side of COPY ... TO STDOUT (FORMAT binary)
    pg_type: str  # the column's type in the warehouse (binary COPY needs it to match exactly)
    compare_expr: str  # SQL comparing two versions of a row (`{}` is the table alias)
    fallback: bool = False  # no mapping: the type's text form (a warning says so)


def sql_text(value: str) -> str:
    """`value` as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def guarded_array(
    column: SourceColumn, value: str, dims: int | None, to_json: str = "to_json"
) -> str:
    """Source SQL: `value` (built from the array column) when the array has `dims` dimensions
    (any, if None) each starting at 1, as a JSON array or list can hold it; otherwise an error
    naming the column, so that no value silently loses its bounds or dimensions."""
    name = quote_ident(column.name)
    count = "+" if dims is None else f"{{{dims}}}"
    # Bracket expressions instead of backslashes: no escaping rules to get wrong.
    pattern = f"^([[]1:[0-9]+[]]){count}$"
    shape = "arrays starting at 1" if dims is None else f"{dims}-dimensional arrays from 1"
    message = sql_text(f"elt: column {column.name} holds the array dimensions ")
    rest = sql_text(f", but the warehouse keeps {shape}")
    # An impossible cast is SQL's one way to raise an error from inside a query.
    refuse = f"CAST({message} || array_dims({name}) || {rest} AS integer)"
    return (
        f"CASE WHEN array_dims({name}) IS NULL OR array_dims({name}) ~ '{pattern}' "
        f"THEN {value} ELSE {to_json}({refuse}) END"
    )


class _Mapped(Protocol):
    # Read-only: the column mappings are frozen dataclasses.
    @property
    def name(self) -> str: ...
    @property
    def fallback(self) -> bool: ...


def fallback_warnings(
    table: str, columns: Iterable[SourceColumn], mapped: Iterable[_Mapped]
) -> None:
    """One warning per column that lands as its text form for want of a mapping."""
    for source, column in zip(columns, mapped, strict=True):
        if column.fallback:
            log.warning(
                "%s: column %r is of type %s, which the loader has no mapping for; it lands as "
                "its text form",
                table,
                source.name,
                source.declared,
            )
