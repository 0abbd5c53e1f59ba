"""Rows that cannot be loaded (NULL or duplicate keys, in a source without constraints) are
quarantined with their reason, or the batch is refused; nothing is dropped silently."""

from __future__ import annotations

import logging
from decimal import Decimal

import psycopg
import pytest

from extract_load import Settings, SourceSpec, TableSpec, load_table
from extract_load.warehouse import open_warehouse
from table_contents import warehouse_query

ORDERS = """
create table orders (order_id integer, customer text, amount numeric(8,2),
                     updated_at timestamptz);
insert into orders
select i, 'customer ' || i, i * 1.5, '2024-01-01'::timestamptz + i * interval '1 minute'
from generate_series(1, 500) as i;
-- no constraints: two rows share key 7, two rows have no key
insert into orders values (7, 'duplicate of 7', 99.99, '2024-02-01'),
                          (null, 'no key', 1.00, '2024-02-01'),
                          (null, 'no key either', 2.00, '2024-02-01');
"""


@pytest.fixture
def orders_url(new_database) -> str:
    url = new_database("shop")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(ORDERS)
    return url


def _load(env, url, spec: TableSpec, max_bad_fraction: float = 0.01):
    source = SourceSpec("shop", "SHOP_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        return load_table(warehouse, source, spec, url, max_bad_fraction)
    finally:
        warehouse.close()


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_rows_with_bad_keys_are_quarantined_with_their_reason(
    fresh_warehouse_env, orders_url, mode, caplog
):
    spec = TableSpec(
        "orders",
        mode=mode,
        primary_key=("order_id",),
        cursor_column="updated_at" if mode == "incremental" else None,
    )
    with caplog.at_level(logging.WARNING):
        result = _load(fresh_warehouse_env, orders_url, spec)

    assert result.status == "succeeded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (503, 499, 4)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    warning = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert warning == [
        "raw_shop.orders: 4 of 503 row(s) have a NULL or duplicate primary key (order_id): "
        "quarantined in elt.quarantine"
    ]
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*), count(distinct order_id) from raw_shop.orders",
    ) == [(499, 499)]
    quarantined = warehouse_query(
        fresh_warehouse_env,
        "select reason, key_value, batch_id from elt.quarantine order by reason, key_value",
    )
    assert sorted((reason, key) for reason, key, _ in quarantined) == [
        ("NULL primary key", ""),
        ("NULL primary key", ""),
        ("duplicate primary key", "7"),
        ("duplicate primary key", "7"),
    ]
    assert {batch for _, _, batch in quarantined} == {result.batch_id}
    # The whole row is kept, so nothing is lost.
    rows = " ".join(
        row
        for (row,) in warehouse_query(fresh_warehouse_env, "select row_data from elt.quarantine")
    )
    assert "duplicate of 7" in rows and "no key either" in rows
    ledger = warehouse_query(
        fresh_warehouse_env,
        "select rows_read, rows_loaded, rows_quarantined from elt.load_batches "
        f"where batch_id = '{result.batch_id}'",
    )
    assert ledger == [(503, 499, 4)]


def test_a_batch_with_too_many_bad_rows_is_refused_and_nothing_published(
    fresh_warehouse_env, orders_url
):
    spec = TableSpec("orders", primary_key=("order_id",))
    assert _load(fresh_warehouse_env, orders_url, spec).status == "succeeded"
    before = warehouse_query(fresh_warehouse_env, "select count(*) from raw_shop.orders")

    result = _load(fresh_warehouse_env, orders_url, spec, max_bad_fraction=0.001)

    assert result.status == "failed"
    assert result.error == (
        "raw_shop.orders: 4 of 503 row(s) have a NULL or duplicate primary key (order_id): "
        "more than 0.1% of the batch, so nothing was published. Fix the source, or raise "
        "ELT_MAX_BAD_ROWS_FRACTION"
    )
    assert warehouse_query(fresh_warehouse_env, "select count(*) from raw_shop.orders") == before
    assert warehouse_query(
        fresh_warehouse_env,
        f"select status from elt.load_batches where batch_id = '{result.batch_id}'",
    ) == [("failed",)]


def test_a_database_without_standard_conforming_strings_loads_names_with_backslashes(
    fresh_warehouse_env, new_database
):
    """With standard_conforming_strings off (a database's or a role's setting), a backslash in
    a plain literal escapes the next character: the guards' messages, which name the column,
    broke the read ('syntax error'). The loaders' sessions set it on."""
    url = new_database("legacy")
    with psycopg.connect(url, autocommit=True) as connection:
        dbname = connection.info.dbname
        connection.execute(f"alter database {dbname} set standard_conforming_strings = off")
    with psycopg.connect(url, autocommit=True) as connection:
        assert connection.execute("show standard_conforming_strings").fetchone() == ("off",)
        connection.execute(
            'create table readings (id int primary key, "a\\\'b" numeric(8,2), "c\\" timestamptz)'
        )
        connection.execute("insert into readings values (1, 1.5, '2026-01-01 00:00:00+00')")

    result = _load(fresh_warehouse_env, url, TableSpec("readings"))
    assert (result.status, result.rows_loaded) == ("succeeded", 1), result.error
    assert warehouse_query(fresh_warehouse_env, 'select "a\\\'b" from raw_shop.readings') == [
        (Decimal("1.50"),)
    ]
