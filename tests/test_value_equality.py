"""Which warehouse types find changed rows by their text: those whose `=` is coarser than the
value (a reload that changes 0.0 into -0.0 must not be taken for no change)."""

from __future__ import annotations

import pytest

from extract_load.columns import duckdb_compares_as_text, postgres_compares_as_text


@pytest.mark.parametrize(
    ("duckdb_type", "as_text"),
    [
        ("FLOAT", True),
        ("DOUBLE", True),
        ("DOUBLE[]", True),
        ("INTERVAL", True),
        ("INTERVAL[]", True),
        ("DECIMAL(12,4)", False),
        ("BIGINT", False),
        ("VARCHAR", False),
        ("TIMESTAMP WITH TIME ZONE", False),
    ],
)
def test_duckdb_types_compared_as_text(duckdb_type: str, as_text: bool) -> None:
    assert duckdb_compares_as_text(duckdb_type) is as_text


@pytest.mark.parametrize(
    ("pg_type", "as_text"),
    [
        ("real", True),
        ("double precision", True),
        ("double precision[]", True),
        ("numeric", True),
        ("numeric(12,4)", False),
        ("interval", True),
        ("jsonb", True),
        ("bigint", False),
        ("text", False),
        ("timestamp with time zone", False),
    ],
)
def test_postgres_types_compared_as_text(pg_type: str, as_text: bool) -> None:
    assert postgres_compares_as_text(pg_type) is as_text
