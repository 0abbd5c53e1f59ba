"""The benchmark's tables on the MySQL side: a dataset's columns in MySQL's types, and its rows
copied from the PostgreSQL table of the same name (COPY out as text, LOAD DATA LOCAL INFILE),
so that both sources hold the very same rows. A table whose comment says it holds them is
reused.

Only datasets whose every column has a MySQL type here have a MySQL table: the ratings table,
not the wide one (its PostgreSQL types have no MySQL counterparts to compare with).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from datasets import BenchTable, Column, Dataset
from runs import BenchError
from servers import Servers

# The PostgreSQL type of a column -> its MySQL type. timestamptz becomes TIMESTAMP(6), not
# DATETIME(6): TIMESTAMP is an instant (stored in UTC, shown in the session's zone) as
# timestamptz is, and the loader lands both as timestamptz, so that the two sources land the
# same types; DATETIME is a wall time without a zone and would land as a plain timestamp.
# TIMESTAMP's range, 1970 to 2038, holds the ratings' 2019 to 2023. TEXT is utf8mb4 (the
# table's character set).
MYSQL_TYPES = {
    "integer": "INT",
    "smallint": "SMALLINT",
    "numeric(3,1)": "DECIMAL(3,1)",
    "timestamptz": "TIMESTAMP(6)",
    "text": "TEXT",
}
# Bumped when the mapping above changes, so that older tables are built again.
MARKER_SUFFIX = "mysql v1"


def _split_ddl(column: Column) -> tuple[str, bool]:
    """`integer not null` -> ("integer", True)."""
    match = re.fullmatch(r"(.+?)( not null)?", column.ddl.strip())
    assert match is not None
    return match.group(1), match.group(2) is not None


def on_mysql(dataset: Dataset) -> bool:
    """Whether the dataset has a MySQL table: every column's type maps."""
    return all(_split_ddl(column)[0] in MYSQL_TYPES for column in dataset.columns)


def mysql_columns_ddl(columns: Sequence[Column]) -> str:
    lines = []
    for column in columns:
        pg_type, not_null = _split_ddl(column)
        lines.append(f"`{column.name}` {MYSQL_TYPES[pg_type]}{' NOT NULL' if not_null else ''}")
    return ",\n    ".join(lines)


def _export_expr(column: Column) -> str:
    # A timestamptz as its UTC wall time, `2019-01-01 00:00:00.5`: MariaDB reads no offset.
    if _split_ddl(column)[0] == "timestamptz":
        return f"({column.name} at time zone 'UTC')"
    return column.name


def _export(servers: Servers, table: BenchTable, path: Path) -> None:
    """The PostgreSQL table in COPY's text format: tab-separated, NULL as \\N, backslash
    escapes; LOAD DATA's default format reads it back (it does not know \\f and \\v, which the
    generated text never holds)."""
    select = ", ".join(_export_expr(column) for column in table.columns)
    copy = f"\\copy (select {select} from public.{table.name}) to '{path}'"
    argv = [servers.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", servers.source_url]
    argv += ["-c", "set datestyle = ISO", "-c", copy]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"COPY of public.{table.name} failed: {result.stderr.strip()}")


def ensure_mysql_table(servers: Servers, table: BenchTable, workdir: Path) -> None:
    """Create <table> in the MySQL database from the PostgreSQL table, unless a finished one
    exists."""
    from demo_sources.mariadb import admin_connection

    assert servers.mysql_url is not None
    name, marker = table.name, f"{table.marker} {MARKER_SUFFIX}"
    with (
        admin_connection(servers.mysql_url, local_infile=True) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select TABLE_COMMENT from information_schema.TABLES "
            "where TABLE_SCHEMA = database() and TABLE_NAME = %s",
            (name,),
        )
        found = cursor.fetchone()
        if found is not None and found[0] == marker:
            print(f"reusing MySQL {name}", file=sys.stderr)
            return
        print(f"generating MySQL {name} from public.{name}...", file=sys.stderr)
        started = time.perf_counter()
        path = workdir / f"{name}.tsv"
        try:
            _export(servers, table, path)
            exported = time.perf_counter()
            cursor.execute("set session time_zone = '+00:00'")  # the text is UTC
            cursor.execute("set session sql_mode = 'STRICT_ALL_TABLES'")
            cursor.execute("set session unique_checks = 0")  # the rows come in key order
            cursor.execute(f"drop table if exists `{name}`")
            key = ", ".join(f"`{column}`" for column in table.dataset.key)
            cursor.execute(
                f"create table `{name}` (\n    {mysql_columns_ddl(table.columns)},\n"
                f"    primary key ({key})\n) engine = InnoDB default charset = utf8mb4"
            )
            loaded = cursor.execute(
                f"load data local infile %s into table `{name}` character set utf8mb4",
                (str(path),),
            )
            cursor.execute("select @@warning_count")
            (warnings,) = cursor.fetchone() or (0,)
        finally:
            path.unlink(missing_ok=True)
        if loaded != table.rows or warnings:
            # LOAD DATA LOCAL turns bad values into warnings, even in strict mode.
            cursor.execute("show warnings limit 3")
            shown = "; ".join(str(row[2]) for row in cursor.fetchall())
            raise BenchError(
                f"MySQL {name}: LOAD DATA read {loaded:,} rows (expected {table.rows:,}) with "
                f"{warnings} warning(s): {shown}"
            )
        cursor.execute(f"analyze table `{name}`")
        cursor.fetchall()
        cursor.execute(f"alter table `{name}` comment = %s", (marker,))
        cursor.execute(
            "select round((DATA_LENGTH + INDEX_LENGTH) / 1048576) from information_schema.TABLES "
            "where TABLE_SCHEMA = database() and TABLE_NAME = %s",
            (name,),
        )
        (size,) = cursor.fetchone() or ("?",)
    print(
        f"generated MySQL {name} in {time.perf_counter() - started:.1f} s (COPY out "
        f"{exported - started:.1f} s; {size} MB)",
        file=sys.stderr,
    )


def warm_up_mysql(servers: Servers, table: BenchTable) -> None:
    """Read the whole table once (COUNT(*) reads InnoDB's clustered index: the rows)."""
    from demo_sources.mariadb import admin_connection

    assert servers.mysql_url is not None
    with admin_connection(servers.mysql_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"select count(*) from `{table.name}`")
        (count,) = cursor.fetchone() or (0,)
    if count != table.rows:
        raise BenchError(f"MySQL {table.name} has {count:,} rows, expected {table.rows:,}")


def drop_mysql_table(servers: Servers, table: BenchTable) -> None:
    from demo_sources.mariadb import admin_connection

    assert servers.mysql_url is not None
    with admin_connection(servers.mysql_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"drop table if exists `{table.name}`")


def rows_sent(servers: Servers) -> int | None:
    """The server's count of rows sent to its clients (MariaDB's Rows_sent; None where the
    server has no such counter). This query's own row is counted once it is sent."""
    from demo_sources.mariadb import admin_connection

    assert servers.mysql_url is not None
    with admin_connection(servers.mysql_url) as connection, connection.cursor() as cursor:
        cursor.execute("show global status like 'Rows_sent'")
        found = cursor.fetchone()
    return None if found is None else int(found[1])
