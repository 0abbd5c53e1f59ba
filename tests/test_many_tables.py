"""A source of 500 tables loads with a number of connections to each server that depends on
ELT_MAX_WORKERS only, never on the number of tables, so that it never exhausts
max_connections.

Each of the ELT_MAX_WORKERS tables loading at once holds, on its source, one connection at a
time (its catalog query, then its read; DuckDB's extension keeps the read's connection for the
next one); on a PostgreSQL warehouse, its session, the session that holds its table's lock, and
psql's COPY. Sampled from pg_stat_activity, which still lists a connection for a moment after
its client closed it: one more per worker is allowed for that."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from conftest import warehouse_env
from table_contents import warehouse_query

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]
TABLES = 500
WORKERS = 3
SOURCES = """
sources:
  many:
    kind: postgres
    url_env: MANY_URL
    schema: public
"""


@pytest.fixture(scope="module")
def many_source(new_database, tmp_path_factory) -> dict[str, str]:
    url = new_database("many")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            f"""
            do $$
            begin
                for i in 1..{TABLES} loop
                    execute format(
                        'create table %I (id integer primary key, note text, at timestamptz)',
                        'table_' || lpad(i::text, 3, '0')
                    );
                    execute format(
                        'insert into %I select g, md5(g::text), now() '
                        'from generate_series(1, %s) as g',
                        'table_' || lpad(i::text, 3, '0'), i
                    );
                end loop;
            end $$
            """
        )
    sources = tmp_path_factory.mktemp("many-sources") / "sources.yml"
    sources.write_text(SOURCES)
    return {"MANY_URL": url, "ELT_SOURCES_FILE": str(sources)}


class ConnectionPeaks:
    """The most connections open at once to each of some databases, sampled from
    pg_stat_activity until stopped."""

    def __init__(self, url: str, databases: list[str]) -> None:
        self.url = url
        self.databases = databases
        self.peaks = dict.fromkeys(databases, 0)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._done.wait(0.01):
                rows = connection.execute(
                    "select datname::text, count(*) from pg_stat_activity "
                    "where datname = any(%s) and pid <> pg_backend_pid() group by 1",
                    (self.databases,),
                ).fetchall()
                for database, count in rows:
                    self.peaks[database] = max(self.peaks[database], count)

    def __enter__(self) -> ConnectionPeaks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


@pytest.mark.parametrize("kind", ["duckdb", "duckdb-psql", "postgres"])
def test_500_tables_load_within_the_workers_connections(kind, many_source, tmp_path, new_database):
    env = {
        **warehouse_env(kind, tmp_path, new_database),
        **many_source,
        "ELT_MAX_WORKERS": str(WORKERS),
    }
    source_db = psycopg.conninfo.conninfo_to_dict(many_source["MANY_URL"])["dbname"]
    # per worker: the connections named above, and one closing
    bounds = {source_db: (2 if kind == "duckdb" else 1) * WORKERS + WORKERS}
    if kind == "postgres":
        warehouse_db = psycopg.conninfo.conninfo_to_dict(env["ELT_POSTGRES_URL"])["dbname"]
        bounds[warehouse_db] = 3 * WORKERS + WORKERS
    databases = list(bounds)
    with ConnectionPeaks(many_source["MANY_URL"], databases) as peaks:
        result = subprocess.run(
            [str(BIN / "elt"), "load"],
            cwd=REPOSITORY,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=1800,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{TABLES} table(s) loaded" in result.stdout
    assert warehouse_query(
        env, "select count(*), sum(rows_loaded) from elt.load_batches where status = 'succeeded'"
    ) == [(TABLES, TABLES * (TABLES + 1) // 2)]
    assert all(peak >= 1 for peak in peaks.peaks.values()), peaks.peaks  # it saw the load
    assert all(peaks.peaks[db] <= bound for db, bound in bounds.items()), (peaks.peaks, bounds)
