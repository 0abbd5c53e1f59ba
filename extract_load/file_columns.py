"""The column types a file dataset may declare in `sources.yml`, and how each lands.

A small closed set, so that a CSV is never type-guessed: text, integer, bigint, numeric(p,s),
double, boolean, date, timestamp, timestamptz and json. Each maps to one Arrow type and to a
column type on each warehouse (`LandingColumn`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reads import LandingColumn

__all__ = ["DECLARABLE_TYPES", "check_declared_type", "landing_column_of"]

DECLARABLE_TYPES = (
    "text",
    "integer",
    "bigint",
    "numeric(p,s)",
    "double",
    "boolean",
    "date",
    "timestamp",
    "timestamptz",
    "json",
)
_NUMERIC = re.compile(r"^numeric\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
_MAX_PRECISION = 38  # DuckDB's DECIMAL, and Arrow's decimal128


def check_declared_type(declared: str) -> str:
    """The declared type, normalised (`NUMERIC(10, 2)` -> `numeric(10,2)`); ValueError naming
    the allowed types if it is not one of them."""
    text = declared.strip().lower() if isinstance(declared, str) else ""
    match = _NUMERIC.match(text)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if not 1 <= precision <= _MAX_PRECISION or scale > precision:
            raise ValueError(
                f"type {declared!r}: numeric(p,s) needs 1 <= p <= {_MAX_PRECISION} and s <= p"
            )
        return f"numeric({precision},{scale})"
    if text in DECLARABLE_TYPES and text != "numeric(p,s)":
        return text
    raise ValueError(f"type {declared!r} is not one of {', '.join(DECLARABLE_TYPES)}")


def landing_column_of(name: str, declared: str) -> LandingColumn:
    """The column `name` of the declared type as Arrow holds it and each warehouse lands it."""
    import pyarrow as pa

    from .reads import landing_column

    kind = check_declared_type(declared)
    match = _NUMERIC.match(kind)
    if match:
        return landing_column(name, pa.decimal128(int(match.group(1)), int(match.group(2))))
    if kind == "json":
        return landing_column(name, pa.string(), "JSON", "jsonb")
    arrow_types = {
        "text": pa.string(),
        "integer": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "timestamptz": pa.timestamp("us", tz="UTC"),
    }
    return landing_column(name, arrow_types[kind])
