"""Write, audit, publish: analysts see new marts only when every test passed; a failing test
fails the run, names the test, and leaves the published marts exactly as they were."""

from __future__ import annotations

import os

import dagster as dg
import psycopg

from conftest import source_urls
from extract_load import Settings
from extract_load.schemas import PUBLISHED_SCHEMA
from orchestration.run import failed_checks
from orchestration.serving.publish import published_duckdb_path
from table_contents import warehouse_query


def _published(env: dict[str, str]) -> dict[str, list]:
    """Every published table's rows: equal results mean the same rows, the same values."""
    if env["ELT_WAREHOUSE"] == "duckdb":
        env = {**env, "ELT_DUCKDB_PATH": str(published_duckdb_path(Settings.from_env(env)))}
    tables = [
        name
        for (name,) in warehouse_query(
            env,
            "select table_name from information_schema.tables "
            f"where table_schema = '{PUBLISHED_SCHEMA}' order by table_name",
        )
    ]
    return {
        table: sorted(warehouse_query(env, f'select * from {PUBLISHED_SCHEMA}."{table}"'), key=repr)
        for table in tables
    }


def _run_everything(env: dict[str, str], monkeypatch) -> dg.ExecuteInProcessResult:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from orchestration.definitions import defs

    return defs.resolve_job_def("everything").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def test_failing_test_fails_the_run_and_keeps_the_published_marts(
    fresh_warehouse_env, demo_sources_factory, monkeypatch
):
    pagila_url, courses_url = demo_sources_factory()
    env = {**fresh_warehouse_env, **source_urls(pagila_url, courses_url)}
    if env["ELT_WAREHOUSE"] == "postgres":
        with psycopg.connect(env["ELT_POSTGRES_URL"], autocommit=True) as connection:
            connection.execute(
                "do $$ begin create role analyst nologin; "
                "exception when duplicate_object then null; end $$"
            )
    first = _run_everything(env, monkeypatch)
    assert first.success
    before = _published(env)
    assert len(before) >= 15 and before["fct_payments"]
    if env["ELT_WAREHOUSE"] == "duckdb":
        published_file = published_duckdb_path(Settings.from_env(env))
        inode = os.stat(published_file).st_ino

    # A payment id used twice, in different months: the source's key (payment_date,
    # payment_id) allows it, the loader accepts it, the marts' unique test does not.
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        connection.execute(
            "insert into payment (payment_id, customer_id, staff_id, rental_id, amount, "
            "payment_date) select payment_id, customer_id, staff_id, rental_id, amount, "
            "(select max(payment_date) from payment) + interval '1 minute' "
            "from payment order by payment_id limit 1"
        )
    second = _run_everything(env, monkeypatch)

    assert not second.success
    failed = failed_checks(second)
    # The first test to meet the duplicate is staging's (dbt build tests each model before
    # building on it), named with its model.
    assert failed == ["unique_stg_pagila__payments_payment_id on staging/stg_pagila__payments"]
    materialised = {
        event.asset_key.to_user_string() for event in second.get_asset_materialization_events()
    }
    assert "raw_pagila/payment" in materialised  # the load itself was fine
    # Nothing downstream of the failure: not the reports built on payments, not the publication.
    assert "analytics/published_marts" not in materialised
    assert "marts/fct_payments" not in materialised
    assert "marts/rpt_revenue_by_store" not in materialised
    assert "marts/rpt_revenue_by_category" not in materialised
    assert _published(env) == before
    if env["ELT_WAREHOUSE"] == "duckdb":
        assert os.stat(published_file).st_ino == inode


def test_analysts_reading_the_published_file_never_block_the_pipeline(
    tmp_path, new_database, demo_sources_factory, monkeypatch
):
    """DuckDB: an analyst's open connection to the published file neither blocks a run nor
    sees it change under a query; a new connection sees the new marts."""
    import duckdb

    pagila_url, courses_url = demo_sources_factory()
    env = {
        "ELT_WAREHOUSE": "duckdb",
        "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        **source_urls(pagila_url, courses_url),
    }
    assert _run_everything(env, monkeypatch).success
    published_file = published_duckdb_path(Settings.from_env(env))
    analyst = duckdb.connect(str(published_file), read_only=True)
    try:
        before = analyst.execute(f"select count(*) from {PUBLISHED_SCHEMA}.fct_rentals").fetchall()
        import demo_sources

        demo_sources.add_day(pagila_url, courses_url, seed=11)
        assert _run_everything(env, monkeypatch).success  # not blocked by the open connection
        assert (
            analyst.execute(f"select count(*) from {PUBLISHED_SCHEMA}.fct_rentals").fetchall()
            == before
        )
    finally:
        analyst.close()
    fresh = duckdb.connect(str(published_file), read_only=True)
    try:
        after = fresh.execute(f"select count(*) from {PUBLISHED_SCHEMA}.fct_rentals").fetchall()
    finally:
        fresh.close()
    assert after[0][0] > before[0][0]
