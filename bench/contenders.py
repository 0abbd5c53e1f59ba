"""The contenders: what each one runs, into which fresh destination, and how its rows are
counted afterwards (the Python contenders' own code is in workers.py, the peers' in
peers.py)."""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from datasets import BenchTable, prepare_types
from mysql_tables import rows_sent
from peers import prepare_peer
from runs import BenchError, Measurement, Plan, run_plan
from servers import Servers, checkpoint

SOURCE = "bench"  # the source's name: the loader lands its table in raw_bench


def raw_bench() -> str:
    """The loader's raw schema for the source named "bench"; every contender writes there."""
    from extract_load.schemas import raw_schema

    return raw_schema(SOURCE)


@dataclass(frozen=True)
class Contender:
    name: str
    warehouse: str  # "duckdb" or "postgres": with the source, its floor and baseline
    kind: str  # "loader", "pandas", "peer" (peers.py), "floor" or "reference"
    source: str = "postgres"  # "postgres" or "mysql": the server it reads
    block_bytes: int | None = None  # ELT_BLOCK_BYTES for the DuckDB loader, None = its default
    baseline: str | None = None  # a loader of another checkout (--baseline REF): REF
    checkout: Path | None = None  # that checkout, put first on the worker's PYTHONPATH

    @property
    def worker(self) -> str:
        return self.name.split("@", 1)[0]

    @property
    def floor(self) -> str:
        return FLOORS[self.source, self.warehouse]

    @property
    def pandas_baseline(self) -> str:
        return BASELINES[self.source, self.warehouse]

    @property
    def servers(self) -> tuple[str, ...]:
        """The servers it keeps busy (their CPU time is its server time)."""
        if self.source == "mysql":
            return ("mysql", "postgres") if self.warehouse == "postgres" else ("mysql",)
        return ("postgres",)


BASE_CONTENDERS = {
    c.name: c
    for c in (
        Contender("copy-devnull", "duckdb", "floor"),
        Contender("copy-pipe", "postgres", "floor"),
        Contender("loader-duckdb", "duckdb", "loader"),
        Contender("loader-postgres", "postgres", "loader"),
        Contender("pandas-duckdb", "duckdb", "pandas"),
        Contender("pandas-postgres", "postgres", "pandas"),
        Contender("scanner-duckdb", "duckdb", "peer"),
        Contender("scanner-duckdb-1thread", "duckdb", "peer"),
        Contender("connectorx-duckdb", "duckdb", "peer"),
        Contender("adbc-duckdb", "duckdb", "peer"),
        Contender("dlt-duckdb", "duckdb", "peer"),
        Contender("copy-csv-devnull", "duckdb", "reference"),
        Contender("mysql-devnull", "duckdb", "floor", "mysql"),
        Contender("loader-mysql-duckdb", "duckdb", "loader", "mysql"),
        Contender("loader-mysql-postgres", "postgres", "loader", "mysql"),
        Contender("pandas-mysql-duckdb", "duckdb", "pandas", "mysql"),
        Contender("pandas-mysql-postgres", "postgres", "pandas", "mysql"),
    )
}
# Each contender against the floor and the pandas baseline that read the same source into the
# same warehouse; the MySQL floor reads into /dev/null, the floor of both warehouses.
FLOORS = {
    ("postgres", "duckdb"): "copy-devnull",
    ("postgres", "postgres"): "copy-pipe",
    ("mysql", "duckdb"): "mysql-devnull",
    ("mysql", "postgres"): "mysql-devnull",
}
BASELINES = {
    ("postgres", "duckdb"): "pandas-duckdb",
    ("postgres", "postgres"): "pandas-postgres",
    ("mysql", "duckdb"): "pandas-mysql-duckdb",
    ("mysql", "postgres"): "pandas-mysql-postgres",
}
MYSQL_CONTENDERS = tuple(n for n, c in BASE_CONTENDERS.items() if c.source == "mysql")
# pandas' to_sql into PostgreSQL is slow (about 16k rows/s): only when asked for by name or
# with --pandas-postgres.
SLOW = {"pandas-postgres", "pandas-mysql-postgres"}
NOT_BY_DEFAULT = {"copy-csv-devnull", *SLOW, *MYSQL_CONTENDERS}
# Kinds whose failure (a type the library cannot take) is a finding, reported as failed; any
# other contender's failure stops the benchmark.
FALLIBLE = {"pandas", "peer"}


def own_loaders() -> Path:
    """The extract_load package this process imports: today's loaders."""
    import extract_load

    return Path(extract_load.__file__).resolve().parent


def checkout_root(contender: Contender) -> Path:
    """The repository whose loaders the contender runs (the baseline's checkout, or this one):
    its workers run there, whatever folder the benchmark was started from."""
    return contender.checkout or own_loaders().parent


def worker_command(contender: Contender, servers: Servers, table: str, dest: str) -> list[str]:
    """bench/load.py, running one worker; it is told the schema, so that it imports no more
    than its contender needs (a worker's start-up is part of its time), and which
    extract_load it must import (this process's, or the baseline checkout's)."""
    loaders = own_loaders() if contender.checkout is None else contender.checkout / "extract_load"
    return [
        sys.executable,
        str(Path(__file__).resolve().with_name("load.py")),
        "--_worker",
        contender.worker,
        "--_source-url",
        source_url(contender, servers),
        "--_table",
        table,
        "--_dest",
        dest,
        "--_schema",
        raw_bench(),
        "--_loaders",
        str(loaders),
    ]


def source_url(contender: Contender, servers: Servers) -> str:
    if contender.source == "mysql":
        assert servers.mysql_url is not None, "MySQL contenders run with a MySQL side"
        return servers.mysql_url
    return servers.source_url


def psql_command(servers: Servers, url: str, *commands: str) -> list[str]:
    argv = [servers.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    for command in commands:
        argv += ["-c", command]
    return argv


def duckdb_dest(workdir: Path) -> Path:
    return workdir / "bench.duckdb"


@functools.cache
def loader_csv_commands(source_url: str, table: str) -> tuple[str, ...]:
    """The DuckDB loader's own COPY of `table` (its select list, from today's type map) after
    the session settings it runs first, as psql `-c` commands copying into /dev/null."""
    from extract_load.postgres_source import (
        _SESSION,  # the settings every loader's COPY runs with
        connect_source,
        copy_query,
        read_table_info,
    )
    from extract_load.types_duckdb import to_duckdb

    with connect_source(source_url, "bench") as connection:
        info = read_table_info(connection, "public", table, "bench")
    exprs = [to_duckdb(column).source_expr for column in info.columns]
    query = copy_query("public", table, exprs, None, "FORMAT csv")
    # `COPY (SELECT ...) TO STDOUT (FORMAT csv)` as `\copy (SELECT ...) to '/dev/null' ...`,
    # on one line: a backslash command ends with its line.
    select = query.removeprefix("COPY ").rsplit(" TO STDOUT ", 1)[0].replace("\n", " ")
    return (*_SESSION, f"\\copy {select} to '/dev/null' with (format csv)")


@functools.cache
def loader_mysql_select(url: str, table: str) -> str:
    """The MySQL loader's own SELECT of `table` (its select list, from today's type map)."""
    from extract_load.mysql_source import connect_mysql, read_table_info
    from extract_load.mysql_types import column_read, quote_mysql

    with connect_mysql(url, "bench") as connection:
        info = read_table_info(connection, None, table, "bench")
    select = ", ".join(column_read(column).select for column in info.columns)
    return f"SELECT {select} FROM {quote_mysql(table)}"


def mysql_client_command(servers: Servers, table: str) -> tuple[list[str], dict[str, str]]:
    """The command-line client reading the table as the loader's SELECT asks for it, streamed
    (--quick) into /dev/null, in the loader's session zone; and its password, in the client's
    environment rather than on its command line."""
    from sqlalchemy.engine import make_url

    assert servers.mysql_url is not None and servers.mysql_client is not None
    url = make_url(servers.mysql_url)
    argv = [
        servers.mysql_client,
        "--no-defaults",  # no option file of this machine's changes what it does
        f"--user={url.username or 'root'}",
        "--default-character-set=utf8mb4",
        "--quick",
        "--batch",
        "--skip-column-names",
    ]
    socket = url.query.get("unix_socket")
    if isinstance(socket, str):
        argv += ["--host=localhost", f"--socket={socket}"]
    else:
        argv += [f"--host={url.host or 'localhost'}", f"--port={url.port or 3306}"]
    query = loader_mysql_select(servers.mysql_url, table)
    argv += [f"--database={url.database}", "-e", f"SET time_zone = '+00:00'; {query}"]
    return argv, {"MYSQL_PWD": url.password} if url.password else {}


def prepare(contender: Contender, servers: Servers, workdir: Path, bench: BenchTable) -> Plan:
    """A fresh destination, and the commands that fill it."""
    table, schema = bench.name, raw_bench()
    env = dict(os.environ)
    if contender.block_bytes is not None:
        env["ELT_BLOCK_BYTES"] = str(contender.block_bytes)
    if contender.checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, (str(contender.checkout), env.get("PYTHONPATH")))
        )
    if contender.warehouse == "duckdb" and contender.kind in ("loader", "pandas", "peer"):
        dest = duckdb_dest(workdir)
        for path in (dest, dest.with_name(dest.name + ".wal")):
            path.unlink(missing_ok=True)
        if contender.kind == "peer":
            env |= prepare_peer(contender.name, dest)
        worker = worker_command(contender, servers, table, str(dest))
        return Plan([worker], env, checkout_root(contender), contender.servers)
    if contender.name == "mysql-devnull":
        argv, password = mysql_client_command(servers, table)
        return Plan([argv], env | password, servers=contender.servers, stdout_devnull=True)
    if contender.warehouse == "postgres":
        import psycopg

        from extract_load.schemas import METADATA_SCHEMA

        with psycopg.connect(servers.warehouse_url, autocommit=True) as connection:
            connection.execute(f"drop schema if exists {schema} cascade")
            connection.execute(f"drop schema if exists {METADATA_SCHEMA} cascade")
            if contender.kind == "floor":  # the source's DDL: the pipe copies, unchanged
                prepare_types(connection, bench)
                connection.execute(f"create schema {schema}")
                connection.execute(f"create table {schema}.{table} ({bench.columns_ddl})")
        if contender.kind == "floor":
            out = psql_command(
                servers, servers.source_url, f"COPY public.{table} TO STDOUT (FORMAT binary)"
            )
            into = psql_command(
                servers, servers.warehouse_url, f"COPY {schema}.{table} FROM STDIN (FORMAT binary)"
            )
            return Plan([out, into], env)
        worker = worker_command(contender, servers, table, servers.warehouse_url)
        return Plan([worker], env, checkout_root(contender), contender.servers)
    # COPY into /dev/null. `\copy ... to '/dev/null'` is `COPY ... TO STDOUT > /dev/null` with
    # the same client code, and it prints the `COPY <rows>` tag that verifies the run.
    commands = [f"\\copy public.{table} to '/dev/null' with (format binary)"]
    if contender.name == "copy-csv-devnull":  # the DuckDB loader's own query
        commands = list(loader_csv_commands(servers.source_url, table))
    argv = [servers.psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", servers.source_url]
    for command in commands:
        argv += ["-c", command]
    return Plan([argv], env)


def verify(
    contender: Contender,
    servers: Servers,
    workdir: Path,
    bench: BenchTable,
    stdout: str,
    sent: int | None,
) -> None:
    """Fail unless the destination holds exactly the table's rows (for the MySQL floor: unless
    the server sent exactly them, `sent`, when it counts them)."""
    table, schema, rows = bench.name, raw_bench(), bench.rows
    if contender.name == "mysql-devnull":
        if sent is None:
            return  # a server without Rows_sent: the client's exit status is the check
        found = sent
    elif contender.kind in ("floor", "reference") and contender.warehouse == "duckdb":
        match = re.search(r"^COPY (\d+)$", stdout, re.MULTILINE)
        found = int(match.group(1)) if match else -1
    elif contender.warehouse == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_dest(workdir)), read_only=True) as connection:
            result = connection.execute(f"select count(*) from {schema}.{table}").fetchone()
            found = int(result[0]) if result else -1
    else:
        import psycopg

        with psycopg.connect(servers.warehouse_url, autocommit=True) as connection:
            result = connection.execute(f"select count(*) from {schema}.{table}").fetchone()
            found = int(result[0]) if result else -1
    if found != rows and contender.name == "mysql-devnull":
        raise BenchError(
            f"{contender.name}: the server sent {found:,} rows meanwhile (Rows_sent), expected "
            f"{rows:,} (another client of the server?)"
        )
    if found != rows:
        raise BenchError(
            f"{contender.name}: the destination holds {found:,} rows, expected {rows:,}"
        )


def measure(
    contender: Contender, servers: Servers, workdir: Path, bench: BenchTable
) -> Measurement:
    plan = prepare(contender, servers, workdir, bench)
    checkpoint(servers)
    # The MySQL floor's rows go to /dev/null: the server's count of rows sent tells them.
    before = rows_sent(servers) if contender.name == "mysql-devnull" else None
    measurement, stdout = run_plan(plan, servers)
    sent = None
    if before is not None:
        after = rows_sent(servers)
        sent = None if after is None else after - before - 1  # less the first reading's row
    verify(contender, servers, workdir, bench, stdout, sent)
    return measurement
