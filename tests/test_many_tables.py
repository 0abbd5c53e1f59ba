"""A source of 500 tables loads with at most ELT_MAX_WORKERS connections open at once to each
server, so that it never exhausts max_connections: each table loading holds one connection to
its source at a time, and one to a PostgreSQL warehouse (its session: its table's lock, stage,
COPY and publishing). Through DuckDB's extension every connection to the source is one of the
extension's pool, catalog reads included, which holds at most ELT_MAX_WORKERS, idle or not.
Counted by a proxy in front of each server (tests/connection_counter.py), as pg_stat_activity
lists a backend until it has exited, a while after its client closed it."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from conftest import warehouse_env
from connection_counter import ConnectionCounter
from table_contents import warehouse_query

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]
TABLES = 500
WORKERS = 3


def _sources_file(folder: Path, names: list[str]) -> dict[str, str]:
    """A sources.yml of PostgreSQL sources, each `<name>`'s URL in `<NAME>_URL`."""
    entries = "".join(
        f"  {name}:\n    kind: postgres\n    url_env: {name.upper()}_URL\n    schema: public\n"
        for name in names
    )
    path = folder / "sources.yml"
    path.write_text(f"sources:\n{entries}")
    return {"ELT_SOURCES_FILE": str(path)}


def _elt_load(env: dict[str, str]) -> str:
    """`elt load` in a process of its own; its output, once it succeeded."""
    result = subprocess.run(
        [str(BIN / "elt"), "load"],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


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
    return {"MANY_URL": url, **_sources_file(tmp_path_factory.mktemp("many-sources"), ["many"])}


@pytest.mark.parametrize("kind", ["duckdb", "duckdb-psql", "postgres"])
def test_500_tables_load_within_the_workers_connections(kind, many_source, tmp_path, new_database):
    env = {
        **warehouse_env(kind, tmp_path, new_database),
        **many_source,
        "ELT_MAX_WORKERS": str(WORKERS),
    }
    with ExitStack() as stack:
        # the loader reaches each server through a proxy that counts its connections
        source = stack.enter_context(ConnectionCounter(many_source["MANY_URL"]))
        through = {**env, "MANY_URL": source.url}
        counters = {"source": source}
        if kind == "postgres":
            counters["warehouse"] = stack.enter_context(ConnectionCounter(env["ELT_POSTGRES_URL"]))
            through["ELT_POSTGRES_URL"] = counters["warehouse"].url
        output = _elt_load(through)
    assert f"{TABLES} table(s) loaded" in output
    assert warehouse_query(
        env, "select count(*), sum(rows_loaded) from elt.load_batches where status = 'succeeded'"
    ) == [(TABLES, TABLES * (TABLES + 1) // 2)]
    peaks = {name: counter.peak for name, counter in counters.items()}
    assert all(counter.opened >= 1 for counter in counters.values()), peaks  # it saw the load
    bound = {"source": WORKERS, "warehouse": WORKERS}
    assert all(peak <= bound[name] for name, peak in peaks.items()), peaks


def test_large_tables_read_in_parts_stay_within_the_workers_connections(new_database, tmp_path):
    """Through DuckDB's extension a large table is read in one part per worker at once, in a
    snapshot that its first part's transaction exports and holds until every other part has
    taken it: N parts hold N connections, not N + 1; and two such tables loading together wait
    for each other rather than pass the bound."""
    url = new_database("large")
    with psycopg.connect(url, autocommit=True) as connection:
        for name in ("big_a", "big_b", "big_c"):  # about 1,000 pages each
            connection.execute(
                f"create table {name} as select g as id, repeat('x', 150) as note "
                "from generate_series(1, 40000) as g"
            )
        connection.execute("create table small as select 1 as id")
    env = {
        **warehouse_env("duckdb", tmp_path, new_database),
        **_sources_file(tmp_path, ["large"]),
        "ELT_MAX_WORKERS": "2",
    }
    with ConnectionCounter(url) as counter:
        output = _elt_load({**env, "LARGE_URL": counter.url})
    for name in ("big_a", "big_b", "big_c"):
        assert f"public.{name}: reading in 2 parts at once" in output, output[-3000:]
    assert warehouse_query(
        env, "select sum(rows_loaded) from elt.load_batches where status = 'succeeded'"
    ) == [(120_001,)]
    assert 1 <= counter.peak <= 2, counter.peak


def test_two_sources_on_one_server_share_the_workers_connections(new_database, tmp_path):
    """Two databases of one server, loaded together through DuckDB's extension: each has its
    own attachment and pool, and a transaction's start closes the other's idle connections,
    so the server still sees at most ELT_MAX_WORKERS from the loader."""
    urls = {name: new_database(name) for name in ("first", "second")}
    for url in urls.values():
        with psycopg.connect(url, autocommit=True) as connection:
            for i in range(1, 41):
                connection.execute(
                    f"create table t_{i:02d} as select g as id from generate_series(1, {i}) g"
                )
    env = {
        **warehouse_env("duckdb", tmp_path, new_database),
        **_sources_file(tmp_path, ["first", "second"]),
        "ELT_MAX_WORKERS": str(WORKERS),
    }
    with ConnectionCounter(urls["first"]) as counter:
        # one proxy for the server: the second database through the same port
        database = urlsplit(urls["second"]).path
        second = urlsplit(counter.url)._replace(path=database).geturl()
        output = _elt_load({**env, "FIRST_URL": counter.url, "SECOND_URL": second})
    assert "80 table(s) loaded" in output
    assert 1 <= counter.peak <= WORKERS, counter.peak
