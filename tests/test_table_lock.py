"""Two loads of one table from two processes never interleave: on a PostgreSQL warehouse the
second waits for the first's lock (an advisory lock on the table's name), or says who holds it.
(On DuckDB a process holds the whole file: tests/test_loaders.py waits for its lock.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from commands import elt
from conftest import source_urls, warehouse_env
from extract_load.ledger import SUCCEEDED
from extract_load.warehouse.postgres import PostgresWarehouse
from table_contents import warehouse_query

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]


def _env(tmp_path, new_database, demo_sources_factory) -> dict[str, str]:
    return {
        **warehouse_env("postgres", tmp_path, new_database),
        **source_urls(*demo_sources_factory()),
    }


def _start_load(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "elt"), "load", "--table", "pagila.rental", *args],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _rental_batches(env: dict[str, str]) -> list[tuple]:
    return warehouse_query(
        env,
        "select status, started_at, finished_at, cursor_after from elt.load_batches "
        "where source = 'pagila' and table_name = 'rental' order by started_at",
    )


def test_a_load_waits_for_another_load_of_the_table_or_says_who_holds_it(
    tmp_path, new_database, demo_sources_factory
):
    env = _env(tmp_path, new_database, demo_sources_factory)
    other = PostgresWarehouse(env["ELT_POSTGRES_URL"])
    with other.table_lock("raw_pagila", "rental"):
        refused = elt({**env, "ELT_TABLE_LOCK_WAIT_SECONDS": "2"}, "load", "--table", "rental")
    assert refused.returncode != 0
    assert (
        "raw_pagila.rental: another load of this table is running (PostgreSQL backend"
        in refused.stderr
    ), refused.stderr[-2000:]
    assert "ELT_TABLE_LOCK_WAIT_SECONDS" in refused.stderr
    assert _rental_batches(env) == []  # nothing of it started

    with (
        psycopg.connect(env["ELT_POSTGRES_URL"], autocommit=True) as watcher,
        other.table_lock("raw_pagila", "rental"),
    ):
        holder = _lock_holders(watcher)
        waiting = _start_load(env)
        # the load comes to the lock and waits there, on its session, named after the table
        deadline = time.monotonic() + 120
        while _lock_connections(watcher) - holder == set():
            assert waiting.poll() is None, waiting.communicate()
            assert time.monotonic() < deadline, "the load never came to the lock"
            time.sleep(0.2)
        time.sleep(1)
        assert waiting.poll() is None  # still waiting
        (released_at,) = watcher.execute("select clock_timestamp()").fetchone()
    _, stderr = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, stderr[-3000:]
    assert "another load of this table is running" in stderr and "waiting for it" in stderr
    ((status, started_at, _, _),) = _rental_batches(env)
    assert status == SUCCEEDED and started_at >= released_at


def _lock_holders(watcher: psycopg.Connection) -> set[int]:
    """The backends holding an advisory lock."""
    rows = watcher.execute(
        "select pid from pg_locks where locktype = 'advisory' and granted"
    ).fetchall()
    return {pid for (pid,) in rows}


def _lock_connections(watcher: psycopg.Connection) -> set[int]:
    """The backends of loads of raw_pagila.rental (their sessions are named after it)."""
    rows = watcher.execute(
        "select pid from pg_stat_activity where application_name = 'elt-loader raw_pagila.rental'"
    ).fetchall()
    return {pid for (pid,) in rows}


def test_two_loads_of_one_table_never_interleave(tmp_path, new_database, demo_sources_factory):
    env = _env(tmp_path, new_database, demo_sources_factory)
    loads = [_start_load(env) for _ in range(2)]
    for load in loads:
        _, stderr = load.communicate(timeout=600)
        assert load.returncode == 0, stderr[-3000:]

    first, second = _rental_batches(env)
    assert first[0] == second[0] == SUCCEEDED
    assert first[2] <= second[1], "the second load started before the first one published"
    assert second[3] >= first[3], "the cursor moved backwards"
    assert warehouse_query(
        env, "select count(*) - count(distinct rental_id) from raw_pagila.rental"
    ) == [(0,)]
    with psycopg.connect(env["PAGILA_URL"]) as source:
        source_rows = source.execute("select count(*) from rental").fetchall()
    assert warehouse_query(env, "select count(*) from raw_pagila.rental") == source_rows


def test_loads_starting_together_on_a_new_warehouse_all_make_its_schemas(new_database):
    """Processes that start at once on a new warehouse each create its schemas and the ledger:
    PostgreSQL's CREATE ... IF NOT EXISTS races with itself (a unique violation in the catalog),
    so the warehouse's DDL is serialised (CI found two `elt load`s failing on it)."""
    import threading

    url = new_database("warehouse")
    starters = 8
    barrier = threading.Barrier(starters)
    failures: list[BaseException] = []

    def start(warehouse: PostgresWarehouse) -> None:
        try:
            barrier.wait()
            warehouse.ensure_metadata()
            for n in range(5):
                warehouse.ensure_schema(f"raw_together_{n}")
        except BaseException as error:  # reported below
            failures.append(error)

    # one warehouse per starter: one connection each, as separate processes would have
    threads = [
        threading.Thread(target=start, args=(PostgresWarehouse(url),)) for _ in range(starters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with psycopg.connect(url) as connection:
        (schemas,) = connection.execute(
            "select count(*) from pg_namespace where nspname like 'raw_together_%'"
        ).fetchone()
    assert schemas == 5
