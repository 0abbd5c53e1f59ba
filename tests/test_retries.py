"""Passing faults are retried with exponential backoff; the others fail at once."""

from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest

from extract_load import (
    ConfigError,
    RetryPolicy,
    Settings,
    SourceError,
    SourceSpec,
    TableSpec,
    load_sources,
    load_table,
)
from extract_load.faults import is_transient
from extract_load.pipeline import plan_tables
from extract_load.warehouse import open_warehouse
from table_contents import warehouse_query

ROWS = 400_000
EVENTS = f"""
create table events (event_id bigint primary key, name text, payload text,
                     happened_at timestamptz);
insert into events
select i, 'event ' || i, repeat('x', 40), '2024-01-01'::timestamptz + i * interval '1 second'
from generate_series(1, {ROWS}) as i;
"""


@pytest.fixture(scope="module")
def events_url(new_database) -> str:
    url = new_database("events")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(EVENTS)
    return url


def _terminate_first_copy(
    url: str, database: str, done: threading.Event, killed: list[int]
) -> None:
    """Like a network drop or a DBA: end the loader's connection to `database` mid-stream, in
    a COPY of the table's rows (it names their columns), not in one of the catalog's queries,
    which DuckDB's extension also reads through COPY, before the batch starts."""
    with psycopg.connect(url, autocommit=True) as connection:
        while not done.is_set() and not killed:
            rows = connection.execute(
                "select pid from pg_stat_activity where application_name like 'elt-%%' "
                "and datname = %s and state = 'active' and query like 'COPY%%' "
                "and query like '%%event_id%%'",
                (database,),
            ).fetchall()
            for (pid,) in rows:
                connection.execute("select pg_terminate_backend(%s)", (pid,))
                killed.append(pid)
            time.sleep(0.01)


def _load_while_cutting(env: dict[str, str], events_url: str, cut: str, caplog) -> None:
    """Load the events table while the connection to database `cut` is ended once."""
    spec = TableSpec("events", primary_key=("event_id",))
    source = SourceSpec("app", "APP_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    warehouse.ensure_schema(source.raw_schema)
    done, killed = threading.Event(), []
    killer = threading.Thread(target=_terminate_first_copy, args=(events_url, cut, done, killed))
    killer.start()
    try:
        with caplog.at_level(logging.WARNING):
            result = load_table(
                warehouse,
                source,
                spec,
                events_url,
                retry=RetryPolicy(attempts=3, base_seconds=0.2),
            )
    finally:
        done.set()
        killer.join()
        warehouse.close()

    assert killed, "the loader's COPY was ended mid-stream"
    assert result.status == "succeeded", result.error
    assert result.rows_read == ROWS
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 1 and retries[0].startswith("app.events: attempt 1 of 3 failed")
    assert warehouse_query(env, "select count(*) from raw_app.events") == [(ROWS,)]
    ledger = warehouse_query(
        env, "select status from elt.load_batches where table_name = 'events' order by started_at"
    )
    assert [status for (status,) in ledger] == ["failed", "succeeded"]


def test_a_dropped_source_connection_is_retried_with_backoff(
    fresh_warehouse_env, events_url, caplog
):
    _load_while_cutting(fresh_warehouse_env, events_url, _database(events_url), caplog)


def test_a_dropped_warehouse_connection_is_retried_with_backoff(new_database, events_url, caplog):
    warehouse_url = new_database("warehouse")
    env = {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": warehouse_url}
    _load_while_cutting(env, events_url, _database(warehouse_url), caplog)


def _database(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


def test_a_missing_table_fails_at_once(tmp_path, events_url, caplog):
    spec = TableSpec("evnets")
    source = SourceSpec("app", "APP_URL")
    warehouse = open_warehouse(Settings.from_env({"ELT_DUCKDB_PATH": str(tmp_path / "w.db")}))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        result = load_table(
            warehouse,
            source,
            spec,
            events_url,
            retry=RetryPolicy(attempts=4, base_seconds=5),
        )
    warehouse.close()
    assert result.status == "failed" and "not found" in (result.error or "")
    assert time.monotonic() - started < 5
    assert not any("retrying" in r.getMessage() for r in caplog.records)


def test_bad_credentials_and_urls_fail_at_once(tmp_path, events_url):
    # An unknown role is refused by the server (SQLSTATE 28000) like a wrong password (28P01).
    wrong_user = events_url.replace("postgresql://postgres", "postgresql://nobody_here", 1)
    env = {"ELT_DUCKDB_PATH": str(tmp_path / "w.db"), "PAGILA_URL": wrong_user}
    started = time.monotonic()
    with pytest.raises(SourceError, match="PAGILA_URL: cannot connect") as caught:
        settings = Settings.from_env(env)
        load_sources(settings, plan_tables(settings, ["pagila"]))
    assert time.monotonic() - started < 5
    assert not is_transient(caught.value)
    with pytest.raises(ConfigError, match="PAGILA_URL"):
        Settings.from_env({"PAGILA_URL": "postgresql://x@[::1/pagila"})


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("too many"), True),
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (psycopg.errors.InvalidPassword("password authentication failed"), False),
        (psycopg.errors.UndefinedTable("relation does not exist"), False),
        (psycopg.errors.InvalidCatalogName("database does not exist"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_which_faults_are_transient(error, transient):
    assert is_transient(error) is transient


def test_an_error_that_is_its_own_cause_is_not_transient():
    # `raise error from error` (as a library may do) makes the cause chain a loop; following
    # it must end, with the answer for the error itself.
    error = ValueError("a cast that failed")
    error.__cause__ = error
    assert is_transient(error) is False
    dropped = psycopg.OperationalError("server closed the connection unexpectedly")
    dropped.__cause__ = dropped
    assert is_transient(dropped) is True


@pytest.mark.parametrize(
    ("code", "transient"),
    [(2013, True), (2006, True), (2003, True), (1213, True), (1045, False), (1146, False)],
)
def test_which_mysql_faults_are_transient(code, transient):
    import pymysql

    from extract_load.errors import SourceError

    cause = pymysql.err.OperationalError(code, "a message")
    wrapped = SourceError("SHOP_URL: the read failed")
    wrapped.__cause__ = cause
    assert is_transient(wrapped) is transient
