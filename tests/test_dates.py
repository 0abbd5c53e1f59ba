"""Dates the data really has: facts dated 1970, 1997 and 2040 find their days in dim_dates, whose
spine follows the facts; dates no spine can hold (year 1, BC, infinity), which the loaders keep
exactly, are keyed to the unknown day -1, counted by a warning, and no fact row is lost nor
parted from its customer's and film's versions."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from commands import dbt_build, elt
from conftest import source_urls, warehouse_env
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Each instant and the date key its fact rows must get.
INSTANTS = {
    "1970-01-01 00:00:00+00": 19700101,
    "1997-09-20 23:30:00+00": 19970920,
    "2040-02-29 12:00:00+00": 20400229,
    "0001-01-01 00:00:00+00": -1,
    "0044-03-15 12:00:00+00 BC": -1,
    "infinity": -1,
    "-infinity": -1,
}
UNDATED = sum(key == -1 for key in INSTANTS.values())


def _date_the_sources(pagila_url: str, courses_url: str) -> dict[str, list[int]]:
    """Give the first rentals, payments and ratings the instants; return the ids changed."""
    instants = list(INSTANTS)
    changed: dict[str, list[int]] = {}
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        # payment is partitioned by month: these instants need a partition to go to
        connection.execute("create table payment_undated partition of payment default")
        for table, key, column, extra in [
            (
                "rental",
                "rental_id",
                "rental_date",
                ", return_date = %s::timestamptz + interval '3 days'",
            ),
            ("payment", "payment_id", "payment_date", ""),
        ]:
            ids = [
                i
                for (i,) in connection.execute(
                    f"select {key} from {table} order by {key} limit %s", (len(instants),)
                )
            ]
            for row_id, instant in zip(ids, instants, strict=True):
                arguments = (instant, instant, row_id) if extra else (instant, row_id)
                connection.execute(
                    f"update {table} set {column} = %s::timestamptz{extra} where {key} = %s",
                    arguments,
                )
            changed[table] = ids
    with psycopg.connect(courses_url, autocommit=True) as connection:
        pairs = connection.execute(
            "select user_id, course_id from ratings order by user_id, course_id limit %s",
            (len(instants),),
        ).fetchall()
        for (user_id, course_id), instant in zip(pairs, instants, strict=True):
            connection.execute(
                "update ratings set rated_at = %s::timestamptz, updated_at = %s::timestamptz "
                "where user_id = %s and course_id = %s",
                (instant, instant, user_id, course_id),
            )
        changed["ratings"] = [user_id * 1_000_000 + course_id for user_id, course_id in pairs]
    return changed


def _column(env: dict[str, str], fact: str, column: str, key: str, ids: list[int]) -> list:
    """`column` of the rows of marts.`fact` whose `key` (an SQL expression) is in `ids`, in
    the order of `key`."""
    listed = ", ".join(map(str, ids))
    query = f"select {column} from marts.{fact} where {key} in ({listed}) order by {key}"
    return [value for (value,) in warehouse_query(env, query)]


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_facts_of_any_date_are_kept_and_dated(kind, tmp_path, new_database, demo_sources_factory):
    pagila_url, courses_url = demo_sources_factory()
    changed = _date_the_sources(pagila_url, courses_url)
    env = {
        **warehouse_env(kind, tmp_path, new_database),
        **source_urls(pagila_url, courses_url),
    }
    loaded = elt(env, "load")
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    built = dbt_build(env, tmp_path)
    assert built.returncode == 0, built.stdout[-5000:]

    # every fact row kept
    for fact, raw in [
        ("fct_rentals", "raw_pagila.rental"),
        ("fct_payments", "raw_pagila.payment"),
        ("fct_ratings", "raw_courses.ratings"),
    ]:
        assert warehouse_query(env, f"select count(*) from marts.{fact}") == warehouse_query(
            env, f"select count(*) from {raw}"
        ), fact

    expected = list(INSTANTS.values())
    rentals, payments = changed["rental"], changed["payment"]
    rental = "rental_id"
    assert _column(env, "fct_rentals", "rental_date_key", rental, rentals) == expected
    assert _column(env, "fct_rentals", "return_date_key", rental, rentals) == [
        19700104,
        19970923,
        20400303,
        -1,
        -1,
        -1,
        -1,
    ]
    assert _column(env, "fct_rentals", "days_rented", rental, rentals) == [
        3,
        3,
        3,
        3,
        3,
        None,
        None,
    ]
    assert _column(env, "fct_payments", "payment_date_key", "payment_id", payments) == expected
    # and each points at its customer's and film's real versions, not the unknown member: the
    # first version reaches back before history_start, the current one past history_end
    for fact, key, ids in [
        ("fct_rentals", rental, rentals),
        ("fct_payments", "payment_id", payments),
    ]:
        for dimension, sk, natural_key in [
            ("dim_customers", "customer_sk", "customer_id"),
            ("dim_films", "film_sk", "film_id"),
        ]:
            versioned = (
                f"select count(*) from marts.{fact} as facts inner join marts.{dimension} as "
                f"versions on facts.{sk} = versions.{sk} and facts.{natural_key} = "
                f"versions.{natural_key} where versions.{natural_key} <> -1 and facts.{key} in "
                f"({', '.join(map(str, ids))})"
            )
            assert warehouse_query(env, versioned) == [(len(ids),)], (fact, dimension)
    rating = "user_id * 1000000 + course_id"
    for column in ("rated_date_key", "updated_date_key"):
        assert _column(env, "fct_ratings", column, rating, changed["ratings"]) == expected, column

    # the spine covers the years of the dated facts, not a fixed range, and every key is in it
    assert warehouse_query(
        env, "select min(date_key), max(date_key) from marts.dim_dates where date_key <> -1"
    ) == [(19700101, 20401231)]
    spine_days = (date(2040, 12, 31) - date(1970, 1, 1)).days + 1
    assert warehouse_query(env, "select count(*) from marts.dim_dates where date_key <> -1") == [
        (spine_days,)
    ]

    # the undated rows are counted by a warning, per column of each fact
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    (warning,) = [
        result
        for result in results["results"]
        if result["unique_id"].startswith("test.")
        and "outside_the_date_spine" in result["unique_id"]
    ]
    assert warning["status"] == "warn"
    assert warning["failures"] == UNDATED * 5
