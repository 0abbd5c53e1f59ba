"""Rows deleted in the source of an incremental table: found by comparing key sets, then
marked (`deletes: soft`, the default), removed (`hard`) or kept (`ignore`), with the count in
the ledger's rows_deleted; staging models and the marts leave soft-deleted rows out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import psycopg
import pytest

from commands import dbt_build
from conftest import source_urls
from extract_load import ConfigError, Settings, load_sources
from extract_load.catalog import CatalogColumn, CatalogTable, resolve_tables
from extract_load.compare import compare_sources
from extract_load.config import load_sources_file
from extract_load.deletes import key_check_due
from extract_load.pipeline import plan_tables
from mysql_server import admin_connection
from table_contents import warehouse_query

# -- the policy and its declaration: no server --------------------------------------------


def test_key_sets_are_compared_every_n_loads():
    # Never compared yet: now, whatever N.
    assert key_check_due("soft", 1, None)
    assert key_check_due("hard", 5, None)
    # Every load.
    assert key_check_due("soft", 1, 0)
    # Every third load: two loads without, then one with.
    assert [key_check_due("soft", 3, since) for since in (0, 1, 2, 3)] == [
        False,
        False,
        True,
        True,
    ]
    # ignore: never, not even the first time.
    assert not key_check_due("ignore", 1, None)
    assert not key_check_due("ignore", 1, 7)


SOURCES = """\
sources:
  crm:
    kind: postgres
    url_env: CRM_URL
    tables:
      orders:
        mode: incremental
        cursor_column: updated_at
{options}
"""


def _sources(tmp_path: Path, options: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(options=options))
    return path


def _orders_catalog() -> list[CatalogTable]:
    return [
        CatalogTable(
            name="orders",
            columns=(
                CatalogColumn("order_id", "integer", orderable=True),
                CatalogColumn("updated_at", "timestamptz", orderable=True, temporal=True),
            ),
            primary_key=("order_id",),
        )
    ]


def test_deletes_policy_is_declared_per_table(tmp_path):
    options = "        deletes: hard\n        deletes_every: 3"
    source = load_sources_file(_sources(tmp_path, options))["crm"]
    (spec,), problems = resolve_tables(source, _orders_catalog())
    assert problems == []
    assert (spec.deletes, spec.deletes_every) == ("hard", 3)
    # Not declared: soft, on every load.
    source = load_sources_file(_sources(tmp_path, ""))["crm"]
    (spec,), _ = resolve_tables(source, _orders_catalog())
    assert (spec.deletes, spec.deletes_every) == ("soft", 1)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("        deletes: sometimes", ["table 'orders'", "deletes", "'soft', 'hard' or 'ignore'"]),
        ("        deletes_every: 0", ["table 'orders'", "deletes_every", "greater than or equal"]),
        ("        deletes_every: often", ["table 'orders'", "deletes_every", "integer"]),
    ],
)
def test_a_bad_deletes_option_names_the_table_and_the_allowed_values(tmp_path, options, expected):
    with pytest.raises(ConfigError) as raised:
        load_sources_file(_sources(tmp_path, options))
    message = str(raised.value)
    assert "sources.yml:" in message
    for part in expected:
        assert part in message, message


def test_deletes_on_a_full_table_or_a_files_dataset_is_refused(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(
        "sources:\n  crm:\n    kind: postgres\n    url_env: CRM_URL\n    tables:\n"
        "      orders: {deletes: hard}\n"
    )
    source = load_sources_file(path)["crm"]
    specs, problems = resolve_tables(source, _orders_catalog())
    assert specs == []
    assert "table 'orders'" in problems[0] and "incremental tables" in problems[0]
    path.write_text(
        "sources:\n  lake:\n    kind: files\n    tables:\n"
        "      trips: {format: parquet, deletes: soft}\n"
    )
    with pytest.raises(ConfigError, match="dataset 'trips': deletes do not apply to files"):
        load_sources_file(path)


# -- loads: a real PostgreSQL source, both warehouses --------------------------------------


def _execute(env: Mapping[str, str], statement: str) -> None:
    if env["ELT_WAREHOUSE"] == "duckdb":
        connection = duckdb.connect(env["ELT_DUCKDB_PATH"])
        try:
            connection.execute(statement)
        finally:
            connection.close()
        return
    with psycopg.connect(env["ELT_POSTGRES_URL"], autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _rentals_only(tmp_path: Path, options: str) -> Path:
    """A sources file of pagila's rental table alone, with these deletes options."""
    path = tmp_path / "rentals.yml"
    path.write_text(
        "sources:\n  pagila:\n    kind: postgres\n    url_env: PAGILA_URL\n"
        "    include: [rental]\n    tables:\n      rental:\n        mode: incremental\n"
        f"        cursor_column: last_update\n{options}"
    )
    return path


def _delete_rentals(pagila_url: str, count: int) -> list[tuple]:
    """Delete `count` rentals (and their payments) in the source; their rows, as they were."""
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        rows = connection.execute(
            "select * from rental order by rental_id limit %s", (count,)
        ).fetchall()
        ids = [row[0] for row in rows]
        connection.execute("delete from payment where rental_id = any(%s)", (ids,))
        connection.execute("delete from rental where rental_id = any(%s)", (ids,))
    return rows


def _ledger_deleted(env: Mapping[str, str], table: str) -> list:
    return [
        deleted
        for (deleted,) in warehouse_query(
            env,
            "select rows_deleted from elt.load_batches "
            f"where table_name = '{table}' and status = 'succeeded' order by started_at",
        )
    ]


def _build(env: Mapping[str, str], work: Path, *select: str):
    """dbt build of the selected models (snapshots included), without their tests."""
    return dbt_build(env, work, "--select", *select, "--exclude-resource-type", "test", "unit_test")


@pytest.fixture
def loaded(fresh_warehouse_env, demo_sources_factory):
    pagila_url, courses_url = demo_sources_factory()
    env = {**fresh_warehouse_env, **source_urls(pagila_url, courses_url)}
    load_sources(Settings.from_env(env))
    return env, pagila_url, courses_url


def test_soft_deletes_reach_raw_the_ledger_staging_and_the_marts(loaded, tmp_path):
    env, pagila_url, courses_url = loaded
    work = tmp_path / "dbt"
    facts = ("fct_rentals", "fct_payments", "fct_ratings")
    built = _build(env, work, *(f"+{fact}" for fact in facts))
    assert built.returncode == 0, built.stdout[-3000:]

    deleted = _delete_rentals(pagila_url, 2)
    rental_ids = sorted(row[0] for row in deleted)
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        # A change in the same batch: the facts then hold rows of the batch that marked the
        # deleted ones, so only a newer _loaded_at brings a row that comes back into them.
        connection.execute(
            "update rental set last_update = now() where rental_id = (select max(rental_id) "
            "from rental)"
        )
    ids = ", ".join(str(i) for i in rental_ids)
    (payments,) = warehouse_query(
        env, f"select count(*) from raw_pagila.payment where rental_id in ({ids})"
    )[0]
    with psycopg.connect(courses_url, autocommit=True) as connection:
        ratings = connection.execute(
            "delete from ratings where (user_id, course_id) in "
            "(select user_id, course_id from ratings order by user_id, course_id limit 3) "
            "returning user_id, course_id"
        ).fetchall()

    results = {r.key: r for r in load_sources(Settings.from_env(env))}

    assert results["pagila.rental"].rows_deleted == 2
    assert results["pagila.payment"].rows_deleted == payments > 0
    assert results["courses.ratings"].rows_deleted == 3
    assert results["pagila.film"].rows_deleted is None  # a full table: nothing to compare
    assert _ledger_deleted(env, "rental") == [0, 2]
    assert _ledger_deleted(env, "ratings") == [0, 3]
    # Raw keeps the rows, marked.
    marked = warehouse_query(
        env, "select rental_id from raw_pagila.rental where _deleted_at is not null"
    )
    assert sorted(r for (r,) in marked) == rental_ids
    marked_ratings = warehouse_query(
        env,
        "select user_id, course_id from raw_courses.ratings where _deleted_at is not null",
    )
    assert sorted(marked_ratings) == sorted(ratings)
    (raw_rentals,) = warehouse_query(env, "select count(*) from raw_pagila.rental")[0]
    with psycopg.connect(pagila_url) as connection:
        (source_rentals,) = connection.execute("select count(*) from rental").fetchone()
    assert raw_rentals == source_rentals + 2

    # Staging and the (incremental) facts leave them out.
    built = _build(env, work, *(f"+{fact}" for fact in facts))
    assert built.returncode == 0, built.stdout[-3000:]
    for relation in ("staging.stg_pagila__rentals", "marts.fct_rentals"):
        rows = warehouse_query(env, f"select count(*) from {relation} where rental_id in ({ids})")
        assert rows == [(0,)], relation
        (count,) = warehouse_query(env, f"select count(*) from {relation}")[0]
        assert count == source_rentals, relation
    for relation in ("staging.stg_pagila__payments", "marts.fct_payments"):
        rows = warehouse_query(env, f"select count(*) from {relation} where rental_id in ({ids})")
        assert rows == [(0,)], relation
    for relation in ("staging.stg_courses__ratings", "marts.fct_ratings"):
        kept = warehouse_query(env, f"select user_id, course_id from {relation}")
        assert not set(ratings) & set(kept), relation

    # A load that finds nothing new deletes nothing more; a key back in the source is unmarked.
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        placeholders = ", ".join(["%s"] * len(deleted[0]))
        connection.execute(f"insert into rental values ({placeholders})", deleted[0])
    settings = Settings.from_env(env)
    (result,) = load_sources(settings, plan_tables(settings, tables=["rental"]))
    assert result.rows_deleted == 0
    marked = warehouse_query(
        env, "select rental_id from raw_pagila.rental where _deleted_at is not null"
    )
    assert [r for (r,) in marked] == [rental_ids[1]]
    built = _build(env, work, "stg_pagila__rentals", "int_rentals_resolved", "fct_rentals")
    assert built.returncode == 0, built.stdout[-3000:]
    (back,) = warehouse_query(
        env, f"select count(*) from marts.fct_rentals where rental_id = {rental_ids[0]}"
    )[0]
    assert back == 1


@pytest.fixture
def pagila(fresh_warehouse_env, demo_sources_factory):
    pagila_url, courses_url = demo_sources_factory()
    return {**fresh_warehouse_env, **source_urls(pagila_url, courses_url)}, pagila_url


def _load_only(env: Mapping[str, str], sources_file: Path):
    """Load every table of `sources_file` (one); its result."""
    settings = Settings.from_env({**env, "ELT_SOURCES_FILE": str(sources_file)})
    (result,) = load_sources(settings, plan_tables(settings))
    return result


def test_hard_deletes_remove_the_rows(pagila, tmp_path):
    env, pagila_url = pagila
    sources = _rentals_only(tmp_path, "        deletes: hard\n")
    _load_only(env, sources)
    (before,) = warehouse_query(env, "select count(*) from raw_pagila.rental")[0]
    deleted = _delete_rentals(pagila_url, 3)

    result = _load_only(env, sources)

    assert result.rows_deleted == 3
    assert _ledger_deleted(env, "rental") == [0, 3]
    ids = ", ".join(str(row[0]) for row in deleted)
    assert warehouse_query(
        env, f"select count(*) from raw_pagila.rental where rental_id in ({ids})"
    ) == [(0,)]
    assert warehouse_query(env, "select count(*) from raw_pagila.rental") == [(before - 3,)]


def test_ignore_leaves_raw_as_it_was(pagila, tmp_path):
    env, pagila_url = pagila
    sources = _rentals_only(tmp_path, "        deletes: ignore\n")
    _load_only(env, sources)
    before = warehouse_query(env, "select count(*), count(_deleted_at) from raw_pagila.rental")
    _delete_rentals(pagila_url, 3)

    result = _load_only(env, sources)

    assert result.rows_deleted is None
    assert _ledger_deleted(env, "rental") == [None, None]
    after = warehouse_query(env, "select count(*), count(_deleted_at) from raw_pagila.rental")
    assert after == before and before[0][1] == 0


def test_deletes_every_n_loads_compares_key_sets_on_every_nth(pagila, tmp_path):
    env, pagila_url = pagila
    sources = _rentals_only(tmp_path, "        deletes_every: 3\n")
    _load_only(env, sources)  # the first load counts as a comparison (raw was empty)
    _delete_rentals(pagila_url, 1)
    assert _load_only(env, sources).rows_deleted is None
    assert _load_only(env, sources).rows_deleted is None
    assert _load_only(env, sources).rows_deleted == 1
    assert _ledger_deleted(env, "rental") == [0, None, None, 1]


def test_a_raw_table_loaded_before_deleted_at_existed_gets_it(pagila, tmp_path):
    env, pagila_url = pagila
    sources = _rentals_only(tmp_path, "")
    _load_only(env, sources)
    _execute(env, "alter table raw_pagila.rental drop column _deleted_at")
    deleted = _delete_rentals(pagila_url, 1)

    assert _load_only(env, sources).rows_deleted == 1

    marked = warehouse_query(
        env, "select rental_id from raw_pagila.rental where _deleted_at is not null"
    )
    assert marked == [(deleted[0][0],)]


def test_compare_leaves_soft_deleted_rows_out(pagila, tmp_path):
    env, pagila_url = pagila
    sources = _rentals_only(tmp_path, "")
    _load_only(env, sources)
    _delete_rentals(pagila_url, 2)
    assert _load_only(env, sources).rows_deleted == 2

    settings = Settings.from_env({**env, "ELT_SOURCES_FILE": str(sources)})
    (comparison,) = compare_sources(settings, plan_tables(settings))

    assert comparison.matches, comparison.describe()
    with psycopg.connect(pagila_url) as connection:
        (count,) = connection.execute("select count(*) from rental").fetchone()
    assert comparison.raw_rows == comparison.source_rows == count


def test_a_mysql_source_finds_its_deleted_rows_too(
    new_mysql_database, fresh_warehouse_env, tmp_path
):
    """The key set of a MySQL table, read through its own kind (an Arrow read of the keys):
    a two-column key with names that need quoting."""
    url = new_mysql_database
    with admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE `Order Line` (`Order Id` INT, `Line` INT, qty INT, "
            "`Updated At` DATETIME(6) NOT NULL, PRIMARY KEY (`Order Id`, `Line`))"
        )
        cursor.execute(
            "INSERT INTO `Order Line` VALUES (1, 1, 5, '2026-01-01'), (1, 2, 6, '2026-01-01'), "
            "(2, 1, 7, '2026-01-02'), (3, 1, 8, '2026-01-03')"
        )
        connection.commit()
    sources = tmp_path / "shop.yml"
    sources.write_text(
        "sources:\n  shop:\n    kind: mysql\n    url_env: SHOP_URL\n    tables:\n"
        '      "Order Line":\n        mode: incremental\n        cursor_column: Updated At\n'
    )
    env = {**fresh_warehouse_env, "SHOP_URL": url}
    assert _load_only(env, sources).rows_deleted == 0
    with admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM `Order Line` WHERE (`Order Id`, `Line`) IN ((1, 2), (3, 1))")
        connection.commit()

    assert _load_only(env, sources).rows_deleted == 2

    marked = warehouse_query(
        env,
        'select "Order Id", "Line" from raw_shop."Order Line" where _deleted_at is not null',
    )
    assert sorted(marked) == [(1, 2), (3, 1)]
