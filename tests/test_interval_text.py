"""PostgreSQL's text of an interval, as psql's CSV sends it, read by DuckDB field for field:
months, days and microseconds kept apart, however many hours, and ±infinity as the extremes
PostgreSQL stores for them. No server: the load expression runs in DuckDB in memory."""

from __future__ import annotations

import duckdb
import pytest

from extract_load.catalog_types import SourceColumn
from extract_load.types_duckdb import to_duckdb

_FIELDS = (
    "datepart('year', v) * 12 + datepart('month', v), datepart('day', v), "
    "datepart('hour', v) * 3600000000 + datepart('minute', v) * 60000000 + "
    "datepart('microseconds', v)"
)


@pytest.mark.parametrize(
    ("text", "months_days_micros"),
    [
        ("1 year 2 mons -3 days 04:05:06.5", (14, -3, 14_706_500_000)),
        ("-1 days +02:00:00", (0, -1, 7_200_000_000)),
        ("-02:30:00.000001", (0, 0, -9_000_000_001)),
        ("3 days", (0, 3, 0)),
        # hours past what DuckDB's hh:mm:ss reads (it refused these before)
        ("-16 years -11 mons 2416 days 1281023894:00:27.387904", (-203, 2416, 2**62)),
        ("-1281023894:00:27.387904", (0, 0, -(2**62))),
        ("infinity", (2**31 - 1, 2**31 - 1, 2**63 - 1)),
        ("-infinity", (-(2**31), -(2**31), -(2**63))),
    ],
)
def test_interval_text_lands_field_for_field(text: str, months_days_micros: tuple) -> None:
    column = to_duckdb(SourceColumn("span", "interval", "interval", "interval"), arrow=False)
    assert column.duckdb_type == "INTERVAL"
    connection = duckdb.connect()
    (row,) = connection.execute(
        f"SELECT {_FIELDS} FROM (SELECT {column.load_expr} AS v FROM (SELECT ? AS span))",
        [text],
    ).fetchall()
    assert row == months_days_micros
