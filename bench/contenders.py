"""The contenders: what each one runs, into which fresh destination, and how its rows are
counted afterwards (the Python contenders' own code is in workers.py)."""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from datasets import BenchTable, prepare_types
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
    warehouse: str  # "duckdb" or "postgres": which floor and baseline it is compared with
    kind: str  # "loader", "pandas", "floor" or "reference"
    block_bytes: int | None = None  # ELT_BLOCK_BYTES for the DuckDB loader, None = its default
    baseline: str | None = None  # a loader of another checkout (--baseline REF): REF
    checkout: Path | None = None  # that checkout, put first on the worker's PYTHONPATH

    @property
    def worker(self) -> str:
        return self.name.split("@", 1)[0]


BASE_CONTENDERS = {
    c.name: c
    for c in (
        Contender("copy-devnull", "duckdb", "floor"),
        Contender("copy-pipe", "postgres", "floor"),
        Contender("loader-duckdb", "duckdb", "loader"),
        Contender("loader-postgres", "postgres", "loader"),
        Contender("pandas-duckdb", "duckdb", "pandas"),
        Contender("pandas-postgres", "postgres", "pandas"),
        Contender("copy-csv-devnull", "duckdb", "reference"),
    )
}
FLOORS = {"duckdb": "copy-devnull", "postgres": "copy-pipe"}
BASELINES = {"duckdb": "pandas-duckdb", "postgres": "pandas-postgres"}
NOT_BY_DEFAULT = {"pandas-postgres", "copy-csv-devnull"}


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
        servers.source_url,
        "--_table",
        table,
        "--_dest",
        dest,
        "--_schema",
        raw_bench(),
        "--_loaders",
        str(loaders),
    ]


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
    query = copy_query("public", table, exprs, None, "FORMAT csv").as_string(None)
    # `COPY (SELECT ...) TO STDOUT (FORMAT csv)` as `\copy (SELECT ...) to '/dev/null' ...`,
    # on one line: a backslash command ends with its line.
    select = query.removeprefix("COPY ").rsplit(" TO STDOUT ", 1)[0].replace("\n", " ")
    return (*_SESSION, f"\\copy {select} to '/dev/null' with (format csv)")


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
    if contender.warehouse == "duckdb" and contender.kind in ("loader", "pandas"):
        dest = duckdb_dest(workdir)
        for path in (dest, dest.with_name(dest.name + ".wal")):
            path.unlink(missing_ok=True)
        return Plan(
            [worker_command(contender, servers, table, str(dest))], env, checkout_root(contender)
        )
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
        return Plan([worker], env, checkout_root(contender))
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
    contender: Contender, servers: Servers, workdir: Path, bench: BenchTable, stdout: str
) -> None:
    """Fail unless the destination holds exactly the table's rows."""
    table, schema, rows = bench.name, raw_bench(), bench.rows
    if contender.kind in ("floor", "reference") and contender.warehouse == "duckdb":
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
    if found != rows:
        raise BenchError(
            f"{contender.name}: the destination holds {found:,} rows, expected {rows:,}"
        )


def measure(
    contender: Contender, servers: Servers, workdir: Path, bench: BenchTable
) -> Measurement:
    plan = prepare(contender, servers, workdir, bench)
    checkpoint(servers)
    measurement, stdout = run_plan(plan, servers)
    verify(contender, servers, workdir, bench, stdout)
    return measurement
