"""The PostgreSQL server the benchmark reads from and, for the PostgreSQL contenders, writes into:
the embedded one of demo_sources (in a folder of the benchmark's own), or one given by URL."""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WAREHOUSE_DB = "bench_warehouse"


@dataclass
class Servers:
    source_url: str
    warehouse_url: str
    psql: str
    postmaster_pid: int | None  # known for the embedded server: its CPU time is then reported


def with_dbname(url: str, dbname: str) -> str:
    """The same libpq URL, naming another database."""
    return urlsplit(url)._replace(path=f"/{dbname}").geturl()


def given_server(postgres_url: str, warehouse_url: str | None) -> Servers:
    """A server of someone else's; the warehouse database on it unless named."""
    from extract_load.psql_copy import find_psql  # the loaders' psql: the wheel's, else PATH's

    return Servers(
        postgres_url, warehouse_url or with_dbname(postgres_url, WAREHOUSE_DB), find_psql(), None
    )


def start_embedded(keep: bool, pgdata: Path | None) -> Servers:
    """demo_sources' embedded server, with its data in a temporary folder (a fixed one with
    `keep`, so that generated tables are reused)."""
    if pgdata is None:
        if keep:
            pgdata = Path(tempfile.gettempdir()) / "elt-bench-postgres"
        else:
            parent = Path(tempfile.mkdtemp(prefix="elt-bench-"))
            # Registered before the server's own exit handler, so it runs after the server stops.
            atexit.register(shutil.rmtree, parent, ignore_errors=True)
            pgdata = parent / "postgres"
    pgdata = pgdata.expanduser().resolve()
    from demo_sources.server import embedded_server_uri, postmaster_pid
    from extract_load.psql_copy import find_psql

    started = time.perf_counter()
    url = embedded_server_uri(pgdata)
    pid = postmaster_pid(pgdata)
    print(
        f"embedded PostgreSQL in {pgdata} ready in {time.perf_counter() - started:.1f} s "
        f"(pid {pid})",
        file=sys.stderr,
    )
    return Servers(url, with_dbname(url, WAREHOUSE_DB), find_psql(), pid)


def ensure_database(url: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute("select 1 from pg_database where datname = %s", (dbname,))
        if found.fetchone() is None:
            connection.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def server_cpu_seconds(servers: Servers) -> float | None:
    """CPU time of the server's processes that have ended (its backends, once reaped)."""
    if servers.postmaster_pid is None:
        return None
    import psutil

    try:
        times = psutil.Process(servers.postmaster_pid).cpu_times()
    except psutil.Error:
        return None
    return times.children_user + times.children_system


def checkpoint(servers: Servers) -> None:
    """Flush what earlier runs wrote, so that no contender pays for a checkpoint its
    predecessor's writes set off (each COPY of 5M rows writes about half of max_wal_size)."""
    import psycopg

    for url in dict.fromkeys((servers.source_url, servers.warehouse_url)):
        with psycopg.connect(url, autocommit=True) as connection:
            try:
                connection.execute("checkpoint")
            except psycopg.errors.InsufficientPrivilege:
                return  # a server of someone else's: its checkpoints stay noise in the figures
