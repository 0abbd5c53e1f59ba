"""Source columns read from the PostgreSQL catalog, and how each travels to each warehouse.

A naive copy silently changes data (money becomes float, char(n) stays padded, arrays become
text, '' becomes NULL; see shared/STACK.md). Every column's type is therefore taken from
`pg_attribute`/`pg_type` (domains resolved to their base type, arrays to their element), and
mapped explicitly: `to_duckdb` (extract_load/types_duckdb.py) and `to_postgres`
(extract_load/types_postgres.py) say, type by type, what "exact" means on each warehouse.

A type neither knows (an extension's own type, a user-defined base type, a geometric type on
DuckDB) lands as its text form, PostgreSQL's own spelling of the value, and the load logs one
warning naming the column (`fallback_warnings`). Nothing fails for want of a mapping, and no
value changes meaning: where a warehouse cannot hold a value as it is (an array whose lower
bound is not 1 in a DuckDB list, say) the load stops, naming the column, rather than change it.

The module names below are this package's public face; the mapping lives in the two modules
above and the dataclasses in extract_load/catalog_types.py.
"""

from __future__ import annotations

from .catalog_types import DuckDBColumn, PostgresColumn, SourceColumn, fallback_warnings
from .types_duckdb import duckdb_compares_as_text, to_duckdb
from .types_postgres import postgres_compares_as_text, to_postgres

__all__ = [
    "DuckDBColumn",
    "PostgresColumn",
    "SourceColumn",
    "duckdb_compares_as_text",
    "fallback_warnings",
    "postgres_compares_as_text",
    "to_duckdb",
    "to_postgres",
]
