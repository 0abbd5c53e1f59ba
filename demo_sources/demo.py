"""Build the demo sources, make sure they exist, and move their history on by a day."""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, date, timedelta
from typing import Any

import psycopg
from psycopg import sql

from demo_sources import courses, pagila
from demo_sources.server import database_url, demo_dir

__all__ = ["add_day", "create_demo", "ensure_demo", "next_day", "row_counts"]

logger = logging.getLogger(__name__)

PAGILA_DATABASE = "pagila"
COURSES_DATABASE = "courses"
_MARKER_PREFIX = "elt demo source"
_thread_lock = threading.Lock()


def create_demo(
    pagila_url: str, courses_url: str, *, scale: float = 1.0, seed: int = 42
) -> dict[str, int]:
    """(Re)create both demo databases from scratch: everything in them is dropped first.

    Returns the row count of every table, keyed ``pagila.<table>`` and ``courses.<table>``.
    """
    counts: dict[str, int] = {}
    with _connect(pagila_url) as conn:
        _clear_marker(conn)
        for table, rows in pagila.create_pagila(conn, scale=scale, seed=seed).items():
            counts[f"pagila.{table}"] = rows
    with _connect(courses_url) as conn:
        _clear_marker(conn)
        for table, rows in courses.create_courses(conn, scale=scale, seed=seed).items():
            counts[f"courses.{table}"] = rows
    return counts


def ensure_demo(
    *, scale: float | None = None, seed: int | None = None, rebuild: bool = False
) -> tuple[str, str]:
    """Start the embedded server and build the demo databases unless they are built already.

    Cheap when they are; several threads or processes may call it at once (one builds, the others
    wait). With no scale and seed, any demo already built is kept (`elt demo create --scale 10`
    stays at 10); a demo built with another scale or seed than the ones given is rebuilt, and
    `rebuild` rebuilds it anyway. Defaults: scale 1, seed 42. Returns (pagila_url, courses_url).
    """
    import fasteners

    pagila_url = database_url(PAGILA_DATABASE)
    courses_url = database_url(COURSES_DATABASE)
    explicit = scale is not None or seed is not None
    scale = 1.0 if scale is None else scale
    seed = 42 if seed is None else seed
    marker = f"{_MARKER_PREFIX}: scale={float(scale)!r} seed={int(seed)}"

    def built() -> bool:
        if rebuild:
            return False
        if explicit:
            return _is_marked(pagila_url, marker) and _is_marked(courses_url, marker)
        return _is_marked(pagila_url, None) and _is_marked(courses_url, None)

    if built():
        return pagila_url, courses_url
    lock_path = demo_dir() / "demo.lock"
    with _thread_lock, fasteners.InterProcessLock(str(lock_path)):
        if not built():
            logger.info("building the demo sources (scale %s, seed %s)", scale, seed)
            create_demo(pagila_url, courses_url, scale=scale, seed=seed)
            for url in (pagila_url, courses_url):
                with _connect(url) as conn:
                    _set_marker(conn, marker)
    return pagila_url, courses_url


def next_day(pagila_url: str, courses_url: str) -> date:
    """The UTC day after the latest activity in either demo database."""
    with _connect(pagila_url) as conn:
        latest = [pagila.latest_activity(conn)]
    with _connect(courses_url) as conn:
        latest.append(courses.latest_activity(conn))
    known = [moment for moment in latest if moment is not None]
    if not known:
        raise RuntimeError(
            "the demo databases hold no activity yet: build them first with create_demo() "
            "or ensure_demo()"
        )
    return max(known).astimezone(UTC).date() + timedelta(days=1)


def add_day(pagila_url: str, courses_url: str, seed: int = 42) -> dict[str, int]:
    """Add one simulated day after the latest activity in the demo databases.

    New rentals and their payments (creating the month's payment partition if needed), returns
    of open rentals with their late fees, small edits of customers, films and addresses, new
    users, new ratings and re-ratings. Every timestamp written is later than every timestamp
    already there. Deterministic for the databases' state and ``seed``. Returns counts keyed
    ``<table>.<inserted|updated|returned|created>``.
    """
    day = next_day(pagila_url, courses_url)
    counts: dict[str, int] = {}
    with _connect(pagila_url) as conn:
        counts.update(pagila.add_day(conn, day, random.Random(f"day:{seed}:{day}:pagila")))
    with _connect(courses_url) as conn:
        counts.update(courses.add_day(conn, day, random.Random(f"day:{seed}:{day}:courses")))
    logger.info("added %s to the demo sources: %s", day, counts)
    return counts


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as err:
        raise RuntimeError(f"cannot connect to the demo database at {url}: {err}") from err


def _is_marked(url: str, marker: str | None) -> bool:
    """Whether `ensure_demo` built this database: with this marker, or with any if None."""
    with _connect(url) as conn:
        row = conn.execute(
            "select shobj_description(oid, 'pg_database') from pg_database "
            "where datname = current_database()"
        ).fetchone()
    if row is None or row[0] is None:
        return False
    return row[0] == marker if marker is not None else str(row[0]).startswith(_MARKER_PREFIX)


def _set_marker(conn: psycopg.Connection[Any], marker: str) -> None:
    conn.execute(
        sql.SQL("comment on database {} is {}").format(
            sql.Identifier(conn.info.dbname), sql.Literal(marker)
        )
    )


def _clear_marker(conn: psycopg.Connection[Any]) -> None:
    """Forget that ``ensure_demo`` built this database: it is about to be rebuilt."""
    row = conn.execute(
        "select shobj_description(oid, 'pg_database') from pg_database "
        "where datname = current_database()"
    ).fetchone()
    if row is not None and row[0] is not None and str(row[0]).startswith(_MARKER_PREFIX):
        conn.execute(
            sql.SQL("comment on database {} is null").format(sql.Identifier(conn.info.dbname))
        )


def row_counts(pagila_url: str, courses_url: str) -> dict[str, int]:
    """Rows per table (partitioned tables counted once, through their parent)."""
    counts: dict[str, int] = {}
    for name, url in (("pagila", pagila_url), ("courses", courses_url)):
        with _connect(url) as conn:
            tables = [
                table
                for (table,) in conn.execute(
                    "select c.relname from pg_class as c inner join pg_namespace as n "
                    "on n.oid = c.relnamespace where n.nspname = 'public' "
                    "and c.relkind in ('r', 'p') and not c.relispartition order by 1"
                )
            ]
            for table in tables:
                (count,) = conn.execute(
                    sql.SQL("select count(*) from {}").format(sql.Identifier(table))
                ).fetchone() or (0,)
                counts[f"{name}.{table}"] = count
    return counts
