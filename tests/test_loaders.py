"""The loaders against a real PostgreSQL source, into DuckDB and into PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

import demo_sources
from conftest import declared_tables, source_urls
from extract_load import Settings, load_sources
from table_contents import (
    METADATA,
    source_columns,
    source_rows,
    table_checksum,
    warehouse_columns,
    warehouse_query,
    warehouse_rows,
)


def _settings(env: dict[str, str], pagila_url: str, courses_url: str) -> Settings:
    return Settings.from_env({**env, **source_urls(pagila_url, courses_url)})


def _source_count(url: str, table: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute(f'select count(*) from "{table}"').fetchone()[0]


def _assert_raw_equals_source(env, pagila_url: str, courses_url: str) -> None:
    urls = {"pagila": pagila_url, "courses": courses_url}
    for source, table in declared_tables(source_urls(pagila_url, courses_url)):
        if source.kind in ("files", "http"):
            continue  # no database to compare with: tests/test_files_demo.py counts the lake's
            # lines, tests/test_http_source.py the API's items
        columns = [
            c for c in warehouse_columns(env, source.raw_schema, table.name) if c not in METADATA
        ]
        expected = source_rows(urls[source.name], table.name, columns)
        actual = warehouse_rows(env, source.raw_schema, table.name, columns)
        assert len(actual) == len(expected), f"{source.name}.{table.name} row count"
        assert actual == expected, f"{source.name}.{table.name} differs from the source"


@pytest.fixture(scope="module")
def unchanging_sources(demo_sources_factory) -> tuple[str, str]:
    """Demo sources that no test of this module changes."""
    return demo_sources_factory()


def test_full_load_lands_every_table_exactly(fresh_warehouse_env, unchanging_sources):
    pagila_url, courses_url = unchanging_sources
    results = load_sources(_settings(fresh_warehouse_env, pagila_url, courses_url))

    tables = declared_tables(source_urls(pagila_url, courses_url))
    assert {r.key for r in results} == {f"{s.name}.{t.name}" for s, t in tables}
    assert len(results) == 15 + 3 + 3 + 1  # pagila, courses, the lake's datasets, the API
    assert all(r.status == "succeeded" for r in results)
    lake = {
        r.table: (r.rows_read, r.rows_loaded, r.rows_quarantined)
        for r in results
        if r.source == "lake"
    }
    assert lake == {
        "trips": (6000, 6000, 0),
        "trips_csv": (6000, 5994, 6),
        "zones": (40, 40, 0),
    }
    (api,) = [r for r in results if r.source == "api"]
    assert (api.table, api.rows_read, api.rows_loaded) == ("items", 400, 400)
    for result in results:
        if result.source in ("lake", "api"):
            continue
        url = pagila_url if result.source == "pagila" else courses_url
        assert result.rows_read == _source_count(url, result.table) > 0, result.key
        assert result.rows_loaded == result.rows_read
    _assert_raw_equals_source(fresh_warehouse_env, pagila_url, courses_url)

    # Every source column under its source name, plus the metadata columns (an incremental
    # table's include _deleted_at).
    columns = warehouse_columns(fresh_warehouse_env, "raw_pagila", "rental")
    assert columns[-3:] == ["_loaded_at", "_batch_id", "_deleted_at"]
    assert columns[:-3] == list(source_columns(pagila_url, "rental"))
    columns = warehouse_columns(fresh_warehouse_env, "raw_pagila", "film")
    assert columns[-2:] == ["_loaded_at", "_batch_id"]

    # The ledger has one finished row per table, and its counts are the results'; the API's
    # items are a batch per 100 (commit_every), each published with its cursor.
    ledger = warehouse_query(
        fresh_warehouse_env,
        "select source || '.' || table_name, status, rows_read, rows_loaded from elt.load_batches "
        "where source <> 'api'",
    )
    assert sorted(ledger) == sorted(
        (r.key, "succeeded", r.rows_read, r.rows_loaded) for r in results if r.source != "api"
    )
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*), sum(rows_read), min(status), max(status) from elt.load_batches "
        "where source = 'api'",
    ) == [(4, 400, "succeeded", "succeeded")]


def test_secrets_are_never_extracted(fresh_warehouse_env, unchanging_sources):
    pagila_url, courses_url = unchanging_sources
    with psycopg.connect(pagila_url) as connection:
        passwords = [p for (p,) in connection.execute("select password from staff")]
    assert passwords and all(passwords)
    load_sources(_settings(fresh_warehouse_env, pagila_url, courses_url))

    password_columns = warehouse_query(
        fresh_warehouse_env,
        "select table_schema, table_name from information_schema.columns "
        "where lower(column_name) like '%password%' "
        "and table_schema not in ('pg_catalog', 'information_schema')",
    )
    assert password_columns == []
    staff = warehouse_rows(fresh_warehouse_env, "raw_pagila", "staff")
    assert len(staff) == len(passwords)
    assert not any(p in repr(staff) for p in passwords)


def test_partitioned_payment_is_read_once_through_its_parent(
    fresh_warehouse_env, unchanging_sources
):
    pagila_url, courses_url = unchanging_sources
    with psycopg.connect(pagila_url) as connection:
        partitions = connection.execute(
            "select count(*) from pg_inherits where inhparent = 'payment'::regclass"
        ).fetchone()[0]
        payments, total = connection.execute("select count(*), sum(amount) from payment").fetchone()
    assert partitions >= 2
    load_sources(_settings(fresh_warehouse_env, pagila_url, courses_url))

    assert warehouse_query(
        fresh_warehouse_env, "select count(*), sum(amount) from raw_pagila.payment"
    ) == [(payments, total)]
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw_pagila' and table_name like 'payment%'",
    ) == [(1,)]


def test_rerun_without_source_change_loads_nothing(fresh_warehouse_env, unchanging_sources):
    pagila_url, courses_url = unchanging_sources
    settings = _settings(fresh_warehouse_env, pagila_url, courses_url)
    load_sources(settings)
    before = {
        (s.raw_schema, t.name): table_checksum(fresh_warehouse_env, s.raw_schema, t.name)
        for s, t in declared_tables(source_urls(pagila_url, courses_url))
    }

    results = load_sources(settings)

    assert [(r.key, r.rows_changed) for r in results if r.rows_changed] == []
    assert all(r.rows_loaded == r.rows_read for r in results)
    for (schema, table), rows in before.items():
        assert table_checksum(fresh_warehouse_env, schema, table) == rows, f"{schema}.{table}"


def test_incremental_load_picks_up_only_new_and_changed_rows(
    fresh_warehouse_env, demo_sources_factory
):
    pagila_url, courses_url = demo_sources_factory()
    settings = _settings(fresh_warehouse_env, pagila_url, courses_url)
    first = {r.key: r for r in load_sources(settings)}

    changes = demo_sources.add_day(pagila_url, courses_url, seed=1)
    assert changes, "the demo added a day"
    second = {r.key: r for r in load_sources(settings)}

    _assert_raw_equals_source(fresh_warehouse_env, pagila_url, courses_url)
    checks = {
        "pagila.rental": ("rental", "last_update"),
        "pagila.payment": ("payment", "payment_date"),
        "courses.ratings": ("ratings", "updated_at"),
    }
    for key, (table, cursor) in checks.items():
        url = pagila_url if key.startswith("pagila") else courses_url
        with psycopg.connect(url) as connection:
            changed = connection.execute(
                f"select count(*) from {table} where {cursor} > %s::timestamptz",
                (first[key].cursor_after,),
            ).fetchone()[0]
            total = connection.execute(f"select count(*) from {table}").fetchone()[0]
            newest = connection.execute(f"select max({cursor}) from {table}").fetchone()[0]
        result = second[key]
        assert changed > 0, f"add_day changed {key}"
        assert result.mode == "incremental"
        assert result.rows_changed == changed, key
        assert result.rows_loaded == result.rows_read, key
        # Only the lookback window is read again, not the table.
        assert changed <= result.rows_read < total, key
        assert result.cursor_before == first[key].cursor_after
        with psycopg.connect(url) as connection:
            assert connection.execute(
                "select %s::timestamptz = %s::timestamptz", (result.cursor_after, newest)
            ).fetchone()[0], key
    # No duplicates: one row per primary key.
    for schema, table, key_columns in (
        ("raw_pagila", "rental", "rental_id"),
        ("raw_pagila", "payment", "payment_date, payment_id"),
        ("raw_courses", "ratings", "user_id, course_id"),
    ):
        assert warehouse_query(
            fresh_warehouse_env,
            f"select count(*) - count(distinct ({key_columns})) from {schema}.{table}",
        ) == [(0,)]
