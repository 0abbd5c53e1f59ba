"""Loads under faults: a loader killed at random points never leaves a partial table."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

import demo_sources
from conftest import declared_tables, source_urls
from table_contents import (
    METADATA,
    source_rows,
    warehouse_columns,
    warehouse_query,
    warehouse_rows,
)

ELT = str(Path(sys.executable).with_name("elt"))
KILLS = 10


def _database_tables(env: dict[str, str]) -> list:
    """The declared tables of the database sources: the kills are aimed at their loads (the
    lake's files and the API's items load whole in the first run; tests/test_files_source.py
    and tests/test_http_source.py cover them)."""
    return [
        (source, table)
        for source, table in declared_tables(env)
        if source.kind not in ("files", "http")
    ]


def _contents(env: dict[str, str]) -> dict[str, list]:
    """Every raw table's rows (source columns only), keyed schema.table."""
    result = {}
    for source, table in _database_tables(env):
        columns = [
            c for c in warehouse_columns(env, source.raw_schema, table.name) if c not in METADATA
        ]
        result[f"{source.raw_schema}.{table.name}"] = (
            columns,
            warehouse_rows(env, source.raw_schema, table.name, columns),
        )
    return result


def _source_contents(urls: dict[str, str], columns_of: dict[str, list[str]]) -> dict[str, list]:
    return {
        f"{source.raw_schema}.{table.name}": source_rows(
            urls[source.name], table.name, columns_of[f"{source.raw_schema}.{table.name}"]
        )
        for source, table in _database_tables(source_urls(urls["pagila"], urls["courses"]))
    }


def _run_load(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [ELT, "load"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


class _Watched:
    """A load whose stderr is read line by line as it comes, with the time of each line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.process = _run_load(env)
        self.lines: list[tuple[float, str]] = []
        self.working = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append((time.monotonic() - self.started, line.strip()))
            if ": reading (" in line:
                self.working.set()
        self.working.set()

    def finish(self) -> int:
        code = self.process.wait(timeout=300)
        self._reader.join(timeout=10)
        return code

    def first(self, text: str) -> float:
        return next(at for at, line in self.lines if text in line)


@pytest.fixture
def loaded(fresh_warehouse_env, demo_sources_factory) -> tuple[dict[str, str], dict[str, str]]:
    pagila_url, courses_url = demo_sources_factory(scale=1.0)
    env = {**fresh_warehouse_env, **source_urls(pagila_url, courses_url)}
    first = _Watched(env)
    assert first.finish() == 0, first.lines
    return env, {"pagila": pagila_url, "courses": courses_url}


def test_loader_killed_at_random_points_leaves_tables_whole(loaded):
    env, urls = loaded
    rng = random.Random(20261122)
    # A rehearsal: how long a load of a day's changes works, from its first table to the end.
    demo_sources.add_day(urls["pagila"], urls["courses"], seed=100)
    rehearsal = _Watched(env)
    assert rehearsal.finish() == 0, rehearsal.lines
    span = rehearsal.lines[-1][0] - rehearsal.first(": reading (")

    phases = []
    for kill in range(KILLS):
        demo_sources.add_day(urls["pagila"], urls["courses"], seed=kill)
        before = _contents(env)
        columns_of = {key: columns for key, (columns, _) in before.items()}
        after = _source_contents(urls, columns_of)

        victim = _Watched(env)
        victim.working.wait(timeout=120)
        time.sleep(rng.uniform(0, span))
        victim.process.send_signal(signal.SIGKILL)
        victim.finish()
        phases.append(victim.lines[-1][1] if victim.lines else "(no output yet)")

        # A reader sees each table as it was before the run or as it is after it.
        seen = _contents(env)
        for key, (columns, rows) in seen.items():
            assert columns == columns_of[key]
            assert rows == before[key][1] or rows == after[key], (
                f"kill {kill}: {key} is partial after a kill at: {phases[-1]}"
            )

        rerun = _Watched(env)
        assert rerun.finish() == 0, rerun.lines
        assert _contents(env) == {k: (columns_of[k], rows) for k, rows in after.items()}
        _assert_clean(env)
        _assert_cursors_at_source_maximum(env, urls)
    print("\n".join(f"kill {i}: {phase}" for i, phase in enumerate(phases)))


def _assert_cursors_at_source_maximum(env: dict[str, str], urls: dict[str, str]) -> None:
    """The cursor is saved with the rows it covers: after a rerun it is the source's newest."""
    for source, table in _database_tables(env):
        if table.mode != "incremental":
            continue
        ((cursor,),) = warehouse_query(
            env,
            "select cursor_value from elt.cursors "
            f"where source = '{source.name}' and table_name = '{table.name}'",
        )
        with psycopg.connect(urls[source.name]) as connection:
            assert connection.execute(
                f"select max({table.cursor_column}) = %s::timestamptz from {table.name}",
                (cursor,),
            ).fetchone() == (True,), f"{source.name}.{table.name}: cursor {cursor}"


def _assert_clean(env: dict[str, str]) -> None:
    """No duplicates, no staging leftovers, every batch in the data finished in the ledger."""
    for source, table in declared_tables(env):
        if table.primary_key:
            key = ", ".join(table.primary_key)
            assert warehouse_query(
                env,
                f"select count(*) - count(distinct ({key})) from {source.raw_schema}.{table.name}",
            ) == [(0,)], f"{source.raw_schema}.{table.name} has duplicate keys"
        batches = {
            batch
            for (batch,) in warehouse_query(
                env, f"select distinct _batch_id from {source.raw_schema}.{table.name}"
            )
        }
        finished = {
            batch
            for (batch,) in warehouse_query(
                env,
                "select batch_id from elt.load_batches where status = 'succeeded' "
                f"and source = '{source.name}' and table_name = '{table.name}'",
            )
        }
        assert batches <= finished, f"{source.raw_schema}.{table.name}: unfinished batches"
    # a batch the kill left running was marked abandoned by the rerun's load of its table
    assert warehouse_query(
        env, "select count(*) from elt.load_batches where status = 'running'"
    ) == [(0,)]
    leftovers = warehouse_query(
        env,
        "select table_schema, table_name from information_schema.tables "
        "where table_name like '__stage%'",
    )
    assert leftovers == []
