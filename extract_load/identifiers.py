"""Identifiers that reach SQL: validated once, then always double-quoted."""

from __future__ import annotations

import re

from .errors import ConfigError

__all__ = ["qualified", "quote_ident", "validate_identifier"]

# Names a configuration may use for schemas, tables and columns. Real OLTP names are plain; a
# name outside this set is far more likely an injection or a typo than a real table.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


def validate_identifier(name: str, what: str = "identifier") -> str:
    """Return `name` if it is a plain SQL identifier; raise ConfigError naming it otherwise."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ConfigError(
            f"{what} {name!r} is not a plain SQL identifier (letters, digits, _ and $, "
            "at most 63 characters, not starting with a digit); fix the configuration"
        )
    return name


def quote_ident(name: str) -> str:
    """Double-quote an identifier for PostgreSQL and DuckDB (both follow the SQL standard)."""
    if "\x00" in name:
        raise ConfigError(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"
