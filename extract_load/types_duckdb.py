"""How each PostgreSQL type travels into DuckDB, and what "exact" means for it there.

Rows travel as PostgreSQL CSV (NULL unquoted-empty, '' quoted) parsed by Arrow with an
explicit type per column, then cast in DuckDB SQL to the final type. Integers, booleans,
decimals, timestamps and dates are parsed by Arrow itself (the fast way); Arrow refuses what it
cannot represent (infinity, BC, years after 9999) rather than changing it, and such a table is
read again with them as text, cast by DuckDB, which keeps those values. Everything else
arrives as PostgreSQL's text form (the source session makes it zone- and locale-independent)
and is cast by DuckDB:

* native: uuid UUID, json/jsonb JSON (the source's text verbatim: DuckDB keeps a JSON value's
  text, so no number is rounded), time TIME (24:00:00 included), timetz TIMETZ (the offset
  kept, seconds too), interval INTERVAL (months, days and microseconds kept apart, as
  PostgreSQL keeps them), bit(n) BIT (leading zeros kept), bytea BLOB;
* money: numeric in the currency's unit, DECIMAL(19, s) with s the currency's decimals
  (lc_monetary's, read from the source): money's text ('$1,234.50', '-¥1,235') depends on
  the locale, its value as numeric does not;
* numeric without precision, or wider than DECIMAL(38): VARCHAR of its exact digits (NaN and
  Infinity included), never a float, with a warning naming the column; NaN in a numeric(p,s)
  that fits DECIMAL stops the load, naming the column (DECIMAL has no NaN);
* composite types: JSON, the object `to_json` makes (fields by name, NULL fields null, nested
  composites as objects); hstore: MAP(VARCHAR, VARCHAR) (NULL values kept);
* arrays: lists of the element's mapping, one level per declared dimension (PostgreSQL
  arrays are rectangular, so a 2-D array is a list of equal-length lists); elements travel as
  their text form in JSON, so each is cast exactly like a scalar. An array whose lower bound
  is not 1, or with another number of dimensions than declared, cannot be a list of that
  type: the load stops, naming the column. Arrays of composites are one JSON array;
* VARCHAR of the text form, by choice (DuckDB has no such type, and the text is PostgreSQL's
  canonical, lossless spelling): inet, cidr, macaddr, macaddr8, xml, tsvector, tsquery,
  varbit (DuckDB's BIT cannot be empty, and would silently turn '' into '0'), range and
  multirange types ('[1,5)', 'empty', '(,)'; tstzrange bounds in UTC);
* anything else (geometric types, an extension's types such as ltree or cube): VARCHAR of
  the text form, with a warning naming the column.

PostgreSQL's ±infinity intervals have no DuckDB counterpart; they land as the largest and
smallest interval, whose fields are exactly the ones PostgreSQL stores for them.
float4/float8 land as FLOAT/DOUBLE; a -0.0 among them as 0.0, with a warning counting them
(DuckDB's storage cannot keep the two zeros apart: duckdb_limits.py).
DuckDB's INTERVAL equality normalises (1 month = 30 days) and a float's says -0.0 = 0.0, so
intervals and floats are compared as text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .catalog_types import (
    INTEGERS,
    MONEY_PRECISION,
    TEXT_LIKE,
    DuckDBColumn,
    SourceColumn,
    sql_text,
)
from .catalog_types import guarded_array as _guarded
from .identifiers import quote_ident

if TYPE_CHECKING:  # pyarrow is imported where DuckDB columns are made: PostgreSQL needs none
    import pyarrow as pa

__all__ = ["duckdb_compares_as_text", "to_duckdb", "to_duckdb_scanned"]

_CAST_FROM_TEXT = {
    "float4": "FLOAT",
    "float8": "DOUBLE",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSON",
    "time": "TIME",
    "timetz": "TIMETZ",
    "bit": "BIT",
}
_TEMPORAL = {"timestamptz": "TIMESTAMPTZ", "timestamp": "TIMESTAMP", "date": "DATE"}
# Types kept as their text form by choice: exact, and no DuckDB type fits.
_TEXT_FORM = {"inet", "cidr", "macaddr", "macaddr8", "xml", "tsvector", "tsquery", "varbit"}
_INTERVAL_INFINITY = "178956970 years 7 mons 2147483647 days 2562047788 hours 54.775807 seconds"
_INTERVAL_MINUS_INFINITY = (
    "-178956970 years -8 mons -2147483648 days -2562047788 hours -54.775808 seconds"
)
_HSTORE = "MAP(VARCHAR, VARCHAR)"


def _arrow_type(base: str, precision: int = 0, scale: int = 0) -> pa.DataType:
    """The Arrow type that parses a CSV field of this base type ("text" for text forms)."""
    import pyarrow as pa

    if base in ("numeric", "money"):
        return pa.decimal128(precision, scale)
    return {
        "int2": pa.int16(),
        "int4": pa.int32(),
        "int8": pa.int64(),
        "oid": pa.int64(),
        "bool": pa.bool_(),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "timestamp": pa.timestamp("us"),
        "date": pa.date32(),
        "text": pa.string(),
    }[base]


def _from_text(column: SourceColumn, value: str) -> tuple[str, str, bool]:
    """(DuckDB type, DuckDB SQL casting the text `value`, whether it is a fallback)."""
    base = column.base
    if base in INTEGERS:
        return INTEGERS[base], f"CAST({value} AS {INTEGERS[base]})", False
    if base == "bool":
        return "BOOLEAN", f"CAST({value} AS BOOLEAN)", False
    if base == "bpchar":  # char(n): trailing blanks are padding, not data
        return "VARCHAR", f"rtrim({value}, ' ')", False
    if base in TEXT_LIKE:
        return "VARCHAR", value, False
    if base == "numeric":
        precision_scale = column.numeric_precision_scale
        if precision_scale and precision_scale[0] <= 38:
            duck_type = "DECIMAL({},{})".format(*precision_scale)
            return duck_type, f"CAST({value} AS {duck_type})", False
        return "VARCHAR", value, False  # exact digits as text, never a float
    if base == "money":  # the source sends it as numeric
        duck_type = f"DECIMAL({MONEY_PRECISION},{column.money_scale})"
        return duck_type, f"CAST({value} AS {duck_type})", False
    if base in _CAST_FROM_TEXT:
        duck_type = _CAST_FROM_TEXT[base]
        return duck_type, f"CAST({value} AS {duck_type})", False
    if base in _TEMPORAL:
        # PostgreSQL ends a BC value with " BC"; DuckDB reads "0044-03-15 (BC) 12:00:00",
        # and silently reads "0044-03-15 12:00:00 BC" as a date AD.
        bc = rf"regexp_replace({value}, '^(\d+-\d\d-\d\d)(.*) BC$', '\1 (BC)\2')"
        return _TEMPORAL[base], f"CAST({bc} AS {_TEMPORAL[base]})", False
    if base == "interval":
        # IntervalStyle 'postgres' ("-1 days +02:00:00"); DuckDB reads it without the plus
        # signs, and reads hours:minutes:seconds only while the hours are few (not
        # "1281023894:00:27"): the time is spelled in units, which it reads whatever they are.
        units = (
            rf"regexp_replace(replace({value}, '+', ''), '(-?)(\d+):(\d\d):(\d\d(\.\d+)?)$', "
            r"'\1\2 hours \1\3 minutes \1\4 seconds')"
        )
        return (
            "INTERVAL",
            f"CASE {value} WHEN 'infinity' THEN CAST('{_INTERVAL_INFINITY}' AS INTERVAL) "
            f"WHEN '-infinity' THEN CAST('{_INTERVAL_MINUS_INFINITY}' AS INTERVAL) "
            f"ELSE CAST({units} AS INTERVAL) END",
            False,
        )
    if base == "bytea":  # bytea_output 'hex': \x0a0b
        return "BLOB", f"unhex({value}[3:])", False
    if column.is_hstore:  # the source sends hstore as a JSON object
        return _HSTORE, f"CAST(CAST({value} AS JSON) AS {_HSTORE})", False
    if column.kind == "c":  # the source sends a composite as a JSON object
        return "JSON", f"CAST({value} AS JSON)", False
    if base in _TEXT_FORM or column.kind in ("r", "m"):
        return "VARCHAR", value, False
    return "VARCHAR", value, True


def to_duckdb(
    column: SourceColumn, text_temporals: bool = False, arrow: bool = True
) -> DuckDBColumn:
    """How `column` travels into DuckDB; `text_temporals` sends timestamps and dates as text,
    for values Arrow cannot parse (infinity, BC, years after 9999). Without `arrow` the
    column's `arrow_type` is None: DuckDB's PostgreSQL extension needs no Arrow, and importing
    pyarrow is a tenth of a second of a load's start."""

    def arrow_type(base: str, precision: int = 0, scale: int = 0) -> pa.DataType | None:
        return _arrow_type(base, precision, scale) if arrow else None

    name = quote_ident(column.name)
    if column.is_array:
        return _array(column, name, arrow_type("text"))
    if column.base in INTEGERS:
        duck_type = INTEGERS[column.base]
        return DuckDBColumn(column.name, name, arrow_type(column.base), duck_type, name)
    if column.base == "bool":
        return DuckDBColumn(column.name, name, arrow_type("bool"), "BOOLEAN", name)
    precision_scale = column.numeric_precision_scale
    if precision_scale and precision_scale[0] <= 38:
        precision, scale = precision_scale
        duck_type = f"DECIMAL({precision},{scale})"
        decimal = arrow_type("numeric", precision, scale)
        refuse = _numeric_nan(column, name, duck_type)
        source = f"CASE WHEN {name} = 'NaN' THEN {refuse} ELSE {name} END"
        return DuckDBColumn(column.name, source, decimal, duck_type, name)
    if column.base == "money":
        # money's text depends on lc_monetary; its value as numeric does not.
        duck_type = f"DECIMAL({MONEY_PRECISION},{column.money_scale})"
        decimal = arrow_type("money", MONEY_PRECISION, column.money_scale)
        source = f"CAST({name} AS {column.money_sql})"
        return DuckDBColumn(column.name, source, decimal, duck_type, name)
    if column.base in _TEMPORAL and not text_temporals:
        duck_type = _TEMPORAL[column.base]
        return DuckDBColumn(column.name, name, arrow_type(column.base), duck_type, name)
    source = f"to_json({name})" if column.is_hstore or column.kind == "c" else name
    duck_type, load, fallback = _from_text(column, name)
    return DuckDBColumn(column.name, source, arrow_type("text"), duck_type, load, fallback)


# Base types that DuckDB's PostgreSQL extension decodes from binary COPY exactly (checked value by
# value by tests/test_types.py): read as they are; a domain's cast to its base type, so that its
# typmod travels with it (a domain column reports its base type, without precision).
_SCANNED_BINARY = frozenset({*INTEGERS, "bool", "float4", "float8", "uuid", "bytea", "interval"})
# DuckDB's last timestamp (its microseconds since 1970 fill an int64 less infinity);
# PostgreSQL's go on to 294276, and the extension would wrap those silently.
_DUCKDB_LAST_TIMESTAMP = "294247-01-10 04:00:54.775806"
# Text in binary COPY is the text itself (char(n) with its padding, trimmed by the load).
_SCANNED_AS_IS = frozenset({"text", "varchar", "bpchar"})
# Types whose cast to text is not their output (inet's cast adds the netmask: '::1/128').
_CAST_TEXT_DIFFERS = frozenset({"inet", "cidr"})


def _output_text(column: SourceColumn, expr: str) -> str:
    """Source SQL: `expr`'s text form as the type's output function spells it (what psql's
    CSV sends)."""
    if column.base in _CAST_TEXT_DIFFERS and not column.is_array:
        return f"CASE WHEN {expr} IS NOT NULL THEN format('%s', {expr}) END"
    return f"CAST({expr} AS text)"


def to_duckdb_scanned(column: SourceColumn) -> DuckDBColumn:
    """How `column` travels through DuckDB's PostgreSQL extension (`postgres_query`): in
    binary where the extension decodes the type exactly, as the same text as by CSV otherwise,
    so that every value lands as `to_duckdb` lands it."""
    mapped = to_duckdb(column, text_temporals=True, arrow=False)
    name = quote_ident(column.name)
    exact_decimal = mapped.duckdb_type.startswith("DECIMAL")
    if column.base in _SCANNED_AS_IS and not column.is_array:
        return mapped
    if column.is_array or not (
        column.base in _SCANNED_BINARY or column.base in _TEMPORAL or exact_decimal
    ):
        return replace(mapped, source_expr=_output_text(column, mapped.source_expr))
    declared = column.money_sql if column.base == "money" else column.base_sql
    # A column read as it is keeps its typmod in the result; a domain's or money's needs the
    # cast (and a cast per row is server time: only where it is needed).
    source = name if column.declared == declared else f"CAST({name} AS {declared})"
    check = None
    if column.base in ("timestamp", "timestamptz"):
        check = _timestamp_check(column, name, declared)
    elif column.base == "numeric":  # a filter: the server sends the rows as it stores them
        refuse = _numeric_nan(column, name, mapped.duckdb_type)
        check = f"CASE WHEN {name} = 'NaN' THEN {refuse} IS NULL ELSE TRUE END"
    return replace(
        mapped,
        source_expr=source,
        load_expr=f"CAST({name} AS {mapped.duckdb_type})",
        source_check=check,
    )


def _numeric_nan(column: SourceColumn, name: str, duckdb_type: str) -> str:
    """Source SQL, numeric, raising (a failed cast naming the column) for NaN, which a
    numeric(p,s) may hold and DuckDB's DECIMAL cannot: the extension would read it as 0.
    For a `CASE WHEN {name} = 'NaN' THEN` arm; the value is in the message, so that the
    planner cannot fold the cast into an error for every query."""
    message = sql_text(f"elt: column {column.name} holds ") + f" || CAST({name} AS text) || "
    message += sql_text(
        f", which DuckDB's {duckdb_type} cannot hold; load it into a PostgreSQL warehouse, "
        "exclude the column in sources.yml, or declare it numeric without a precision in the "
        "source (it then lands as its exact text)"
    )
    return f"CAST({message} AS numeric)"


def _timestamp_check(column: SourceColumn, name: str, declared: str) -> str:
    """Source SQL, true for a timestamp DuckDB can hold, raising (a failed cast naming the
    column and the value) for one after DuckDB's last: the extension would wrap it silently.
    A filter, not an expression in the select list: the server then sends the rows as it
    stores them (measured here: under half the server time of the same test in the select
    list)."""
    text = f" || CAST({name} AS text) || "
    message = sql_text(f"elt: column {column.name} holds ") + text
    message += sql_text(f", after DuckDB's last {column.base}")
    # One comparison for nearly every row: the rest only for the few after the last.
    return (
        f"CASE WHEN {name} > '{_DUCKDB_LAST_TIMESTAMP}' AND {name} <> 'infinity' "
        f"THEN CAST({message} AS {declared}) IS NULL ELSE TRUE END"
    )


def _array(column: SourceColumn, name: str, text: pa.DataType | None) -> DuckDBColumn:
    """Arrays travel as JSON: PostgreSQL's own array literal is not something DuckDB reads."""
    if column.kind == "c":  # arrays of composites: one JSON array of objects
        source = _guarded(column, f"to_json({name})", None)
        return DuckDBColumn(column.name, source, text, "JSON", f"CAST({name} AS JSON)")
    levels = "[]" * column.dims
    if column.is_hstore:
        duck_type = f"{_HSTORE}{levels}"
        source = _guarded(column, f"to_json({name})", column.dims)
        load = f"CAST(CAST({name} AS JSON) AS {duck_type})"
        return DuckDBColumn(column.name, source, text, duck_type, load)
    # Every element as its text form (money as numeric), cast in DuckDB like a scalar.
    as_text = f"CAST({name} AS {column.money_sql}[])::text[]" if column.base == "money" else name
    source = _guarded(column, f"to_json({as_text}::text[])", column.dims)
    variables = [f"__elt_e{level}" for level in range(column.dims)]
    element_type, element_load, fallback = _from_text(column, variables[-1])
    if column.base == "numeric" and element_type.startswith("DECIMAL"):
        refuse = _numeric_nan(column, name, element_type)
        source = f"CASE WHEN 'NaN' = ANY({name}) THEN to_json({refuse}) ELSE {source} END"
    load = f"CAST(CAST({name} AS JSON) AS VARCHAR{levels})"
    if element_load != variables[-1]:
        inner = element_load  # the innermost level is cast, the outer ones mapped
        for level in range(column.dims - 1, 0, -1):
            inner = f"list_transform({variables[level - 1]}, lambda {variables[level]}: {inner})"
        load = f"list_transform({load}, lambda {variables[0]}: {inner})"
    return DuckDBColumn(column.name, source, text, f"{element_type}{levels}", load, fallback)


def duckdb_compares_as_text(duckdb_type: str) -> bool:
    """Whether DuckDB's equality on this type is coarser than the value (INTERVAL: 1 month
    equals 30 days; FLOAT and DOUBLE: -0.0 equals 0.0), so that changed rows are found by
    comparing text (the shortest exact spelling of a float, '-0.0' kept)."""
    upper = duckdb_type.upper()
    return any(kind in upper for kind in ("INTERVAL", "FLOAT", "DOUBLE", "REAL"))
