"""How each PostgreSQL type travels into a PostgreSQL warehouse, and what "exact" means there.

Rows travel as binary COPY, never parsed: the source casts each column to its warehouse type
and the warehouse reads the same binary form. A built-in type is kept as declared (the
warehouse has it, and its binary form is the value itself): numbers, text, temporal types,
interval, uuid, json, jsonb, xml, inet, cidr, macaddr, macaddr8, bit, varbit, bytea,
geometric types, and the built-in range and multirange types; arrays of them stay arrays,
with their dimensions and bounds. What the warehouse may not have, or would read differently:

* enums, char(n), name, citext: text (char(n) trimmed), their values unchanged;
* money: numeric(19, s) in the currency's unit (s the currency's decimals): a money value is a
  count of minor units that the warehouse would read in its own lc_monetary, so a source in
  yen would land in dollars;
* composite types: jsonb, the object `to_jsonb` makes (arrays of composites: one jsonb array;
  one whose lower bound is not 1 stops the load, naming the column); hstore: jsonb (NULL
  values kept as JSON null);
* tsvector, tsquery, user-defined range types: their text form;
* anything else (an extension's types such as ltree or cube): the text form, with a warning
  naming the column.

Change detection compares through the text form wherever `=` is coarser than the value
(`postgres_compares_as_text`): json and xml have no `=`, geometric types compare areas,
interval's `=` normalises (1 day = 24 hours), numeric's ignores the scale (1.0 = 1.00),
jsonb's follows numeric's, and real's and double precision's say -0 = 0.
"""

from __future__ import annotations

from .catalog_types import PostgresColumn, SourceColumn, guarded_array
from .identifiers import quote_ident

__all__ = ["postgres_compares_as_text", "to_postgres"]

# Geometric types: kept, but their `=` is missing (point) or compares areas (box).
_GEOMETRIC = {"point", "line", "lseg", "box", "path", "polygon", "circle"}
# Built-in types a PostgreSQL warehouse keeps as they are.
_KEEP = {
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
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
    *_GEOMETRIC,
}
_TEXT = {"bpchar", "enum", "name", "char", "citext", "tsvector", "tsquery"}
# Warehouse types (format_type, without typmod or []) whose `=` is coarser than the value.
_COMPARE_AS_TEXT = {
    "json",
    "jsonb",
    "xml",
    "numeric",
    "real",
    "double precision",
    *_GEOMETRIC,
}


def _target(column: SourceColumn) -> tuple[str, bool]:
    """(warehouse type of a scalar of this column's base type, whether it is a fallback)."""
    if column.builtin and (column.base in _KEEP or column.kind in ("r", "m")):
        return column.base_sql, False
    if column.base == "money":
        return column.money_sql, False
    if column.is_hstore or column.kind == "c":
        return "jsonb", False
    if column.base in _TEXT or column.kind in ("r", "m"):
        return "text", False
    return "text", True


def to_postgres(column: SourceColumn) -> PostgresColumn:
    name = quote_ident(column.name)
    target, fallback = _target(column)
    if column.is_array and column.kind == "c":
        source = guarded_array(column, f"to_jsonb({name})", None, "to_jsonb")
        target = "jsonb"
    elif column.kind == "c":
        source = f"to_jsonb({name})"
    else:
        if column.is_array:
            target = f"{target}[]"
        # hstore has casts to json and jsonb, arrays of it too.
        source = name if target == column.declared else f"CAST({name} AS {target})"
    compare = "{}." + name
    if postgres_compares_as_text(target):
        compare = f"{compare}::text"
    return PostgresColumn(column.name, source, target, compare, fallback)


def postgres_compares_as_text(pg_type: str) -> bool:
    """Whether two values of this warehouse type (`format_type` spelling) are compared as
    text to find changed rows, because `=` is missing or coarser than the value."""
    base = pg_type.removesuffix("[]").split("(")[0].strip()
    if base == "numeric" and "(" in pg_type:  # a fixed scale: `=` is identity
        return False
    return base in _COMPARE_AS_TEXT or base.startswith("interval")
