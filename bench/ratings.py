"""The benchmark's source table: ratings-shaped, N rows, generated in PostgreSQL."""

from __future__ import annotations

import sys
import time

from runs import BenchError
from servers import Servers

TABLE_MARKER = "elt-bench ratings v1"  # table comment: a table with it and N rows is reused

# Source columns; the PostgreSQL floor copies into a table of exactly these columns.
COLUMNS_DDL = """
    user_id integer not null,
    course_id integer not null,
    rating smallint not null,
    score numeric(3,1),
    rated_at timestamptz not null,
    comment text
"""

# Deterministic rows: 40 ratings per user, unique (user_id, course_id); NULLs, empty strings,
# quotes and commas in the text; timestamps with and without fractions of a second.
GENERATE = """
insert into {table}
select i / 40 + 1,
       (i % 40) * 37 + (i / 40) % 37 + 1,
       1 + (i * 7919) % 5,
       case when i % 17 = 0 then null else ((i * 31) % 51) / 10.0 end,
       timestamptz '2019-01-01 00:00:00+00'
           + ((i * 7919) % 157680000) * interval '1 second'
           + case when i % 3 = 0 then (i % 1000000) * interval '1 microsecond'
                  else interval '0' end,
       case i % 5
           when 0 then null
           when 1 then ''
           when 2 then 'Great course, "clear" and fun #' || (i % 997)
           else 'lesson ' || (i % 100000) || ' was useful'
       end
from generate_series(0::bigint, {last}) as g(i)
"""


def table_name(rows: int) -> str:
    return f"ratings_{rows}"


def ensure_table(servers: Servers, rows: int) -> bool:
    """Create public.ratings_<rows> unless a finished one exists; True if it was generated."""
    import psycopg

    table = table_name(rows)
    marker = f"{TABLE_MARKER} rows={rows}"
    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        found = connection.execute(
            "select obj_description(to_regclass(%s), 'pg_class')", (f"public.{table}",)
        ).fetchone()
        if found is not None and found[0] == marker:
            print(f"reusing public.{table}", file=sys.stderr)
            return False
        print(f"generating public.{table} ({rows:,} rows)...", file=sys.stderr)
        started = time.perf_counter()
        connection.execute(f"drop table if exists public.{table}")
        connection.execute("set synchronous_commit = off")
        connection.execute("set maintenance_work_mem = '512MB'")
        connection.execute(f"create table public.{table} ({COLUMNS_DDL})")
        connection.execute(GENERATE.format(table=f"public.{table}", last=rows - 1))
        connection.execute(f"alter table public.{table} add primary key (user_id, course_id)")
        connection.execute(f"vacuum analyze public.{table}")
        connection.execute(f"comment on table public.{table} is '{marker}'")
        (size,) = connection.execute(
            "select pg_size_pretty(pg_table_size(%s::regclass))", (f"public.{table}",)
        ).fetchone() or ("?",)
        print(
            f"generated public.{table} in {time.perf_counter() - started:.1f} s ({size})",
            file=sys.stderr,
        )
        return True


def warm_up(servers: Servers, rows: int) -> None:
    """Read the whole table once, so that no contender pays for a cold cache alone."""
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        (count,) = connection.execute(
            f"select count(*) from public.{table_name(rows)}"
        ).fetchone() or (0,)
    if count != rows:
        raise BenchError(f"public.{table_name(rows)} has {count:,} rows, expected {rows:,}")


def drop_table(servers: Servers, rows: int) -> None:
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        connection.execute(f"drop table if exists public.{table_name(rows)}")
