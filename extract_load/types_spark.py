"""Which raw columns Spark cannot read from the Parquet that DuckDB writes, and what they land as.

Spark's Parquet reader has no UUID, INTERVAL, TIME, nanosecond timestamp, 128-bit integer,
bit string or union: DuckDB writes them, Spark refuses the whole file. Such a column lands in
the lake as DuckDB's text of each value (exact: every one of them has one), and a column of a
nested type holding one lands as text whole. Every other type keeps its Parquet type (decimals
exact, lists, structs and maps nested, timestamps with time zone as UTC instants).
"""

from __future__ import annotations

import re

__all__ = ["spark_cast"]

# Type names as DuckDB's DESCRIBE spells them (aliases resolved).
_UNREADABLE = re.compile(
    r"\b(UUID|INTERVAL|TIME|TIMESTAMP_NS|HUGEINT|UHUGEINT|BIT|VARINT|BIGNUM|UNION|JSON)\b"
)


def spark_cast(duckdb_type: str) -> str | None:
    """The type a column of `duckdb_type` is cast to when it lands in the lake; None to keep
    it as it is."""
    # Field names of a struct are quoted where they could be read as a type: drop them.
    spelled = re.sub(r'"(?:[^"]|"")*"', "", duckdb_type.upper())
    spelled = spelled.replace("WITH TIME ZONE", "")  # TIMESTAMP WITH TIME ZONE is readable
    return "VARCHAR" if _UNREADABLE.search(spelled) else None
