"""Schema drift follows a declared policy: a new column is added, a dropped one stays (NULL from
then on, with a warning), a changed type or a lost key stops that table before anything is
published."""

from __future__ import annotations

import logging

import psycopg
import pytest

from commands import dbt_build
from conftest import source_urls
from extract_load import Settings, SourceSpec, TableSpec, load_sources, load_table
from extract_load.warehouse import open_warehouse
from table_contents import warehouse_columns, warehouse_query

ORDERS = """
create table orders (order_id integer primary key, customer text, amount numeric(8,2),
                     updated_at timestamptz);
insert into orders
select i, 'customer ' || i, i * 1.5, '2024-01-01'::timestamptz + i * interval '1 minute'
from generate_series(1, 100) as i;
"""
MODES = {
    "full": TableSpec("orders", primary_key=("order_id",)),
    "incremental": TableSpec(
        "orders", mode="incremental", primary_key=("order_id",), cursor_column="updated_at"
    ),
}


@pytest.fixture
def orders_url(new_database) -> str:
    url = new_database("drift")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(ORDERS)
    return url


def _source(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def _load(env, url, spec: TableSpec):
    source = SourceSpec("shop", "SHOP_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        return load_table(warehouse, source, spec, url)
    finally:
        warehouse.close()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_new_source_column_is_added_in_the_same_run(fresh_warehouse_env, orders_url, mode):
    spec = MODES[mode]
    _load(fresh_warehouse_env, orders_url, spec)
    _source(orders_url, "alter table orders add column channel text")
    _source(
        orders_url,
        "update orders set channel = 'web', updated_at = '2024-06-01' where order_id = 1",
    )

    result = _load(fresh_warehouse_env, orders_url, spec)

    assert result.status == "succeeded", result.error
    assert "channel" in warehouse_columns(fresh_warehouse_env, "raw_shop", "orders")
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*), count(channel), max(channel) from raw_shop.orders",
    ) == [(100, 1, "web")]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_dropped_source_column_stays_null_from_then_on(
    fresh_warehouse_env, orders_url, mode, caplog
):
    spec = MODES[mode]
    _load(fresh_warehouse_env, orders_url, spec)
    _source(orders_url, "alter table orders drop column customer")
    _source(
        orders_url, "update orders set amount = 0, updated_at = '2024-06-01' where order_id = 2"
    )

    with caplog.at_level(logging.WARNING):
        result = _load(fresh_warehouse_env, orders_url, spec)

    assert result.status == "succeeded", result.error
    assert "customer" in warehouse_columns(fresh_warehouse_env, "raw_shop", "orders")
    assert warehouse_query(
        fresh_warehouse_env, "select customer from raw_shop.orders where order_id = 2"
    ) == [(None,)]
    assert any(
        "raw_shop.orders: column(s) ['customer'] are gone from the source" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("mode", sorted(MODES))
def test_changed_type_stops_the_table_before_anything_is_published(
    fresh_warehouse_env, orders_url, mode
):
    spec = MODES[mode]
    _load(fresh_warehouse_env, orders_url, spec)
    before = warehouse_query(fresh_warehouse_env, "select sum(amount) from raw_shop.orders")
    _source(orders_url, "alter table orders alter column amount type numeric(10,3)")
    _source(orders_url, "update orders set amount = 1.234, updated_at = '2024-06-01'")

    result = _load(fresh_warehouse_env, orders_url, spec)

    assert result.status == "failed"
    old, new = (
        ("DECIMAL(8,2)", "DECIMAL(10,3)")
        if fresh_warehouse_env["ELT_WAREHOUSE"] == "duckdb"
        else ("numeric(8,2)", "numeric(10,3)")
    )
    assert result.error.startswith(
        f"raw_shop.orders: column 'amount' changed type from {old} to {new}; nothing was written"
    )
    assert warehouse_query(fresh_warehouse_env, "select sum(amount) from raw_shop.orders") == before
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*) from information_schema.tables where table_name like '__stage%'",
    ) == [(0,)]


def test_lost_primary_key_stops_the_table(fresh_warehouse_env, orders_url):
    spec = MODES["incremental"]
    _load(fresh_warehouse_env, orders_url, spec)
    _source(orders_url, "alter table orders rename column order_id to id")

    result = _load(fresh_warehouse_env, orders_url, spec)

    assert result.status == "failed"
    assert "primary key column(s) ['order_id'] are not in the source table" in result.error


def test_new_source_column_leaves_the_marts_unchanged(tmp_path, demo_sources_factory):
    """Staging selects its columns by name: a new raw column reaches no mart."""
    pagila_url, courses_url = demo_sources_factory()
    env = {
        "ELT_WAREHOUSE": "duckdb",
        "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        **source_urls(pagila_url, courses_url),
    }

    def marts() -> dict[str, list]:
        tables = [
            t
            for (t,) in warehouse_query(
                env,
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1",
            )
        ]
        return {
            table: (
                warehouse_columns(env, "marts", table),
                warehouse_query(env, f'select count(*) from marts."{table}"'),
            )
            for table in tables
        }

    def build() -> None:
        load_sources(Settings.from_env(env))
        completed = dbt_build(env, tmp_path)
        assert completed.returncode == 0, completed.stdout[-3000:]

    build()
    before = marts()
    _source(pagila_url, "alter table rental add column channel text default 'store'")
    build()

    assert "channel" in warehouse_columns(env, "raw_pagila", "rental")
    assert marts() == before
