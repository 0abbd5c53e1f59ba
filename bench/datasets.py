"""The benchmark's source tables: a dataset is its columns (each with its DDL and the SQL that
generates it from the row number `i`), its key and the types it needs; `ensure_table` builds
one of N rows in PostgreSQL with ``generate_series``. The datasets themselves are in
``ratings.py`` and ``wide.py``."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runs import BenchError
from servers import Servers

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Column:
    name: str
    ddl: str  # the type, with `not null` where it has one
    generate: str  # SQL of the row number `i` (bigint, from 0)
    extension: str | None = None  # left out, with a note, where the server does not have it


@dataclass(frozen=True)
class Dataset:
    name: str
    marker: str  # table comment: a table with it and N rows is reused
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Run in the source database and in the warehouse database (the PostgreSQL floor's table
    # has the same DDL) before the table is created; each must be idempotent.
    setup: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BenchTable:
    """One generated table: a dataset at one size, with the columns the server allowed."""

    dataset: Dataset
    rows: int
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return f"{self.dataset.name}_{self.rows}"

    @property
    def columns_ddl(self) -> str:
        return ",\n    ".join(f"{c.name} {c.ddl}" for c in self.columns)

    @property
    def skipped(self) -> tuple[Column, ...]:
        return tuple(c for c in self.dataset.columns if c not in self.columns)

    @property
    def marker(self) -> str:
        marker = f"{self.dataset.marker} rows={self.rows}"
        if self.skipped:
            marker += " without " + ",".join(c.name for c in self.skipped)
        return marker

    def generate_sql(self) -> str:
        exprs = ",\n       ".join(c.generate for c in self.columns)
        return (
            f"insert into public.{self.name}\nselect {exprs}\n"
            f"from generate_series(0::bigint, {self.rows - 1}) as g(i)"
        )


def available_extensions(connection: psycopg.Connection) -> set[str]:
    return {name for (name,) in connection.execute("select name from pg_available_extensions")}


def prepare_types(connection: psycopg.Connection, table: BenchTable) -> None:
    """The extensions and types the table's columns need, in the connection's database."""
    for extension in sorted({c.extension for c in table.columns if c.extension}):
        connection.execute(f"create extension if not exists {extension}")
    for statement in table.dataset.setup:
        connection.execute(statement)


def plan_table(servers: Servers, dataset: Dataset, rows: int) -> BenchTable:
    """The dataset at `rows` rows, without the columns whose extension the server lacks."""
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        available = available_extensions(connection)
    columns = tuple(c for c in dataset.columns if c.extension in (None, *available))
    for column in dataset.columns:
        if column not in columns:
            print(
                f"note: {dataset.name}: column {column.name} ({column.ddl}) left out: the "
                f"server has no extension {column.extension} (pg_available_extensions)",
                file=sys.stderr,
            )
    return BenchTable(dataset, rows, columns)


def ensure_table(servers: Servers, dataset: Dataset, rows: int) -> BenchTable:
    """Create public.<dataset>_<rows> unless a finished one exists."""
    import psycopg

    table = plan_table(servers, dataset, rows)
    name = table.name
    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        found = connection.execute(
            "select obj_description(to_regclass(%s), 'pg_class')", (f"public.{name}",)
        ).fetchone()
        if found is not None and found[0] == table.marker:
            print(f"reusing public.{name}", file=sys.stderr)
            return table
        print(f"generating public.{name} ({rows:,} rows)...", file=sys.stderr)
        started = time.perf_counter()
        connection.execute(f"drop table if exists public.{name}")
        prepare_types(connection, table)
        connection.execute("set synchronous_commit = off")
        connection.execute("set maintenance_work_mem = '512MB'")
        connection.execute(f"create table public.{name} ({table.columns_ddl})")
        connection.execute(table.generate_sql())
        connection.execute(f"alter table public.{name} add primary key ({', '.join(dataset.key)})")
        connection.execute(f"vacuum analyze public.{name}")
        connection.execute(f"comment on table public.{name} is '{table.marker}'")
        (size,) = connection.execute(
            "select pg_size_pretty(pg_table_size(%s::regclass))", (f"public.{name}",)
        ).fetchone() or ("?",)
        print(
            f"generated public.{name} in {time.perf_counter() - started:.1f} s ({size})",
            file=sys.stderr,
        )
        return table


def warm_up(servers: Servers, table: BenchTable) -> None:
    """Read the whole table once, so that no contender pays for a cold cache alone."""
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        (count,) = connection.execute(f"select count(*) from public.{table.name}").fetchone() or (
            0,
        )
    if count != table.rows:
        raise BenchError(f"public.{table.name} has {count:,} rows, expected {table.rows:,}")


def drop_table(servers: Servers, table: BenchTable) -> None:
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        connection.execute(f"drop table if exists public.{table.name}")
