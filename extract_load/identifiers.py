"""Identifiers that reach SQL: taken from the catalog as the source has them, always quoted.

Real names have capitals, spaces, dashes and reserved words (`"Customer"`, `"order"`): they are
not refused. What stops injection is that every name is double-quoted here and every name a
configuration gives must exist in the source's catalog before anything is read.
"""

from __future__ import annotations

from .errors import ConfigError

__all__ = ["qualified", "quote_ident"]


def quote_ident(name: str) -> str:
    """Double-quote an identifier for PostgreSQL and DuckDB (both follow the SQL standard)."""
    if "\x00" in name:
        raise ConfigError(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"
