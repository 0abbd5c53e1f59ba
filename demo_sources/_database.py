"""Small PostgreSQL helpers shared by the demo generators."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg
from psycopg import sql

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")


def reset_database(conn: psycopg.Connection[Any]) -> None:
    """Drop every user schema (and so every object in it) and give back an empty ``public``."""
    schemas = conn.execute(
        "select nspname from pg_namespace where nspname <> all(%s) "
        "and nspname not like 'pg\\_temp\\_%%' and nspname not like 'pg\\_toast\\_temp\\_%%' "
        "order by nspname",
        (list(SYSTEM_SCHEMAS),),
    ).fetchall()
    for (schema,) in schemas:
        conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    # as initdb makes it (PostgreSQL 15 and later)
    conn.execute("create schema public authorization pg_database_owner")
    conn.execute("grant usage on schema public to public")


def copy_rows(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Load ``rows`` into ``table`` with COPY; returns the number of rows written."""
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def sync_sequence(conn: psycopg.Connection[Any], table: str, column: str) -> None:
    """Move the sequence behind ``table.column`` past the largest value in the table."""
    conn.execute(
        sql.SQL(
            "select setval(pg_get_serial_sequence({table_literal}, {column_literal}), "
            "coalesce((select max({column}) from {table}), 0) + 1, false)"
        ).format(
            table_literal=sql.Literal(table),
            column_literal=sql.Literal(column),
            column=sql.Identifier(column),
            table=sql.Identifier(table),
        )
    )


def pick_some(rng: random.Random, n: int, share: float) -> set[int]:
    """About ``share`` of the indices ``0..n-1`` and at least one, so that rare cases exist at
    every scale."""
    if n <= 0:
        return set()
    return set(rng.sample(range(n), max(1, round(n * share))))


def random_time_of_day(
    rng: random.Random, day: date, *, opens: int = 8, closes: int = 22, micros: bool = False
) -> datetime:
    """A random UTC instant of ``day`` between the hours ``opens`` and ``closes``."""
    start = datetime.combine(day, time(opens), tzinfo=UTC)
    seconds = rng.randrange((closes - opens) * 3600)
    moment = start + timedelta(seconds=seconds)
    if micros:
        moment += timedelta(microseconds=rng.randrange(1_000_000))
    return moment


def weighted_sample(
    rng: random.Random, items: Sequence[Any], weights: Sequence[float], k: int
) -> list[Any]:
    """Up to ``k`` distinct items, drawn with probability proportional to ``weights``."""
    k = min(k, sum(1 for w in weights if w > 0))
    if k <= 0:
        return []
    chosen: list[Any] = []
    seen: set[int] = set()
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    attempts = 0
    while len(chosen) < k and attempts < 50 * k:
        attempts += 1
        index = _bisect_pick(rng, cumulative)
        if index not in seen:
            seen.add(index)
            chosen.append(items[index])
    if len(chosen) < k:  # heavy skew: fill up deterministically from the remaining items
        for index in sorted(range(len(items)), key=lambda i: -weights[i]):
            if len(chosen) >= k:
                break
            if index not in seen and weights[index] > 0:
                seen.add(index)
                chosen.append(items[index])
    return chosen


def _bisect_pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    point = rng.random() * cumulative[-1]
    return min(bisect_right(cumulative, point), len(cumulative) - 1)


class Sampler:
    """Draws items with probability proportional to fixed weights, in O(log n) a draw."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> Any:
        """One item (the sampler must have a positive total weight)."""
        return self.items[_bisect_pick(rng, self.cumulative)]
