"""Which raw columns Spark cannot read from the Parquet that DuckDB writes, and what they land as.

Spark's Parquet reader has no UUID, INTERVAL, TIME, nanosecond timestamp, 128-bit integer,
bit string, JSON or union: DuckDB writes them, Spark refuses the whole file. Such a value lands
in the lake as DuckDB's text of it (exact: each of them has one, and casts back from it). Inside
a list, struct or map only that part becomes text (`UUID[]` lands as `VARCHAR[]`), so the
nesting stays and a text form never has to be parsed as a list; a union lands as text whole.
Every other type keeps its Parquet type (decimals exact, lists, structs and maps nested,
timestamps with time zone as UTC instants).
"""

from __future__ import annotations

import re

__all__ = ["spark_cast"]

# Type names as DESCRIBE spells them (aliases resolved), upper case. A struct's field names
# are quoted when they need it and plain otherwise (`STRUCT(uuid INTEGER)`): a name is always
# followed by its type, while a type ends at `,`, `)`, `[` or the end.
_UNREADABLE = re.compile(
    r"\bTIME WITH TIME ZONE\b"
    r"|\b(?:UUID|INTERVAL|TIME|TIMESTAMP_NS|HUGEINT|UHUGEINT|BIT|VARINT|BIGNUM|JSON)(?=[,)\[]|$)"
)
_QUOTED = re.compile(r""""(?:[^"]|"")*"|'(?:[^']|'')*'""")


def spark_cast(duckdb_type: str) -> str | None:
    """The type a column of `duckdb_type` is cast to when it lands in the lake; None to keep
    it as it is. DuckDB casts it back exactly (the lake's rows are read back for each load)."""
    pieces, start = [], 0
    for quoted in _QUOTED.finditer(duckdb_type):  # names and enum labels are not types
        pieces += [_readable(duckdb_type[start : quoted.start()]), quoted.group()]
        start = quoted.end()
    pieces.append(_readable(duckdb_type[start:]))
    if any(re.search(r"\bUNION\(", piece) for piece in pieces[::2]):
        return "VARCHAR"
    cast = "".join(pieces)
    return None if cast == duckdb_type else cast


def _readable(unquoted: str) -> str:
    return _UNREADABLE.sub("VARCHAR", unquoted)
