"""The servers: the PostgreSQL server the benchmark reads from and, for the PostgreSQL
contenders, writes into (the embedded one of demo_sources, in a folder of the benchmark's own,
or one given by URL); and, for the MySQL contenders, a MySQL or MariaDB server (a private
MariaDB of demo_sources, or one given by URL)."""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WAREHOUSE_DB = "bench_warehouse"
MYSQL_DB = "elt_bench"  # the MySQL side's database, unless its URL names one
# The private MariaDB's buffer pool holds the largest table the benchmark usually reads (2M
# ratings are about 130 MB), as PostgreSQL's tables stay in the page cache.
MYSQL_BUFFER_POOL = "512M"


@dataclass
class Servers:
    source_url: str
    warehouse_url: str
    psql: str
    postmaster_pid: int | None  # known for the embedded server: its CPU time is then reported
    mysql_url: str | None = None  # the MySQL side's database, when MySQL contenders run
    mysql_client: str | None = None  # the `mariadb` (or `mysql`) command-line client
    mysql_pid: int | None = None  # known for the private MariaDB: its CPU time is then reported


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


def mysql_database_url(url: str) -> str:
    """The URL with its database, or with the benchmark's (created if missing)."""
    from sqlalchemy.engine import make_url

    from demo_sources.mariadb import admin_connection

    parsed = make_url(url)
    if parsed.database:
        return url
    with admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute(f"create database if not exists `{MYSQL_DB}` character set utf8mb4")
    return parsed.set(database=MYSQL_DB).render_as_string(hide_password=False)


def mysql_client() -> str | None:
    return shutil.which("mariadb") or shutil.which("mysql")


def attach_mysql(servers: Servers, stack: ExitStack, url: str | None, keep: bool) -> bool:
    """Give `servers` its MySQL side: the server of `url`, or a private MariaDB (stopped when
    `stack` closes; in a fixed folder with `keep`, so that generated tables are reused). False,
    after a line saying how to get one, if there is no URL and no MariaDB is installed."""
    if url is None:
        from demo_sources.mariadb import HOW_TO_INSTALL, mariadb_binaries, private_mariadb

        if mariadb_binaries() is None:
            print(
                "note: no MariaDB server is installed and --mysql-url is not given: the MySQL "
                f"contenders are skipped (to run them: {HOW_TO_INSTALL})",
                file=sys.stderr,
            )
            return False
        if keep:
            folder = Path(tempfile.gettempdir()) / "elt-bench-mariadb"
            folder.mkdir(exist_ok=True)
        else:  # entered first, so removed after the server has stopped
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="elt-bench-")))
        started = time.perf_counter()
        url = stack.enter_context(private_mariadb(folder, buffer_pool=MYSQL_BUFFER_POOL))
        servers.mysql_pid = int((folder / "mysql.pid").read_text().strip())
        print(
            f"private MariaDB in {folder} ready in {time.perf_counter() - started:.1f} s "
            f"(pid {servers.mysql_pid})",
            file=sys.stderr,
        )
    servers.mysql_url = mysql_database_url(url)
    servers.mysql_client = mysql_client()
    return True


def server_cpu_seconds(servers: Servers, watched: Iterable[str]) -> float | None:
    """CPU time of the watched servers ("postgres", "mysql"): PostgreSQL's processes that have
    ended (its backends, once reaped), MariaDB's one process (its threads); None unless every
    watched server can be observed."""
    import psutil

    total = 0.0
    for server in watched:
        pid = servers.postmaster_pid if server == "postgres" else servers.mysql_pid
        if pid is None:
            return None
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            return None
        if server == "postgres":
            total += times.children_user + times.children_system
        else:
            total += times.user + times.system
    return total


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
