"""Through DuckDB's PostgreSQL extension the source sends the columns it reads in binary as they
are stored: no expression in the select list (that makes the server build every row anew).
Timestamps after DuckDB's last one, which the extension would wrap silently (the first
microsecond after it into infinity), are refused by a check in the WHERE clause instead."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

from extract_load import Settings, SourceSpec, TableSpec, load_table
from extract_load.catalog_types import SourceColumn
from extract_load.types_duckdb import to_duckdb_scanned
from extract_load.warehouse import open_warehouse


def _column(name: str, base: str) -> SourceColumn:
    return SourceColumn(name=name, declared=base, base=base, base_sql=base)


@pytest.mark.parametrize("base", ["int2", "int4", "int8", "bool", "float8", "text", "date"])
def test_a_column_that_cannot_overflow_is_selected_bare(base):
    scanned = to_duckdb_scanned(_column("value", base))
    assert scanned.source_expr == '"value"'
    assert scanned.source_check is None


@pytest.mark.parametrize("base", ["timestamp", "timestamptz"])
def test_a_timestamp_is_selected_bare_and_checked_in_the_where_clause(base):
    scanned = to_duckdb_scanned(_column("at", base))
    assert scanned.source_expr == '"at"'
    assert scanned.source_check is not None
    assert "elt: column at holds" in scanned.source_check


LAST = "294247-01-10 04:00:54.775806"  # DuckDB's last timestamp
EDGE = f"""
create table edge (id integer primary key, local_time timestamp, happened timestamptz);
insert into edge values (1, '{LAST}', '{LAST}+00'), (2, 'infinity', 'infinity'),
                        (3, '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00');
"""


def _load(tmp_path: Path, url: str) -> tuple[str, str | None]:
    env = {
        "ELT_WAREHOUSE": "duckdb",
        "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "ELT_DUCKDB_POSTGRES_READER": "extension",
    }
    source = SourceSpec("fixture", "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        result = load_table(warehouse, source, TableSpec("edge"), url)
    finally:
        warehouse.close()
    return result.status, result.error


def _loaded(tmp_path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        # Microseconds since 1970 where there are some: DuckDB's text of a timestamptz that far
        # out is off by a millisecond (ICU's calendar), the value itself is not.
        return connection.execute(
            "SELECT id, coalesce(CAST(epoch_us(local_time) AS VARCHAR), CAST(local_time AS "
            "VARCHAR)), coalesce(CAST(epoch_us(happened) AS VARCHAR), CAST(happened AS VARCHAR)) "
            "FROM raw_fixture.edge ORDER BY id"
        ).fetchall()


def test_the_last_timestamp_duckdb_holds_lands_exactly(new_database, tmp_path):
    url = new_database("guard")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(EDGE)
    assert _load(tmp_path, url) == ("succeeded", None)
    last = str(2**63 - 2)  # DuckDB's last timestamp in microseconds (the next is infinity)
    leap = "1709251199999999"  # 2024-02-29 23:59:59.999999 UTC
    assert _loaded(tmp_path) == [(1, last, last), (2, "infinity", "infinity"), (3, leap, leap)]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        # One microsecond after the last: the extension would land it as infinity.
        ("local_time", "294247-01-10 04:00:54.775807"),
        ("happened", "294247-01-10 04:00:54.775807+00"),
        # Far after it: the extension would land it in 290,000 BC.
        ("local_time", "294276-12-31 23:59:59.999999"),
        ("happened", "294276-12-31 23:59:59.999999+00"),
    ],
)
def test_a_timestamp_after_duckdbs_last_stops_the_load(new_database, tmp_path, column, value):
    url = new_database("guard")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(EDGE)
        connection.execute(f"update edge set {column} = '{value}' where id = 3")
    status, error = _load(tmp_path, url)
    assert status == "failed"
    assert f"elt: column {column} holds 294" in (error or "")
