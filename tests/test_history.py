"""History (SCD type 2): a customer who moves gets a second version in dim_customers, facts
point at the version valid when they happened, so last month's revenue by city stays as it
was, and what the customer does after the move counts in the new city; a film whose rental
rate changes gets a second version in dim_films, a retitled course one in snap_courses. On
both warehouses, through the commands a user runs (`elt load`, `dbt build`, `elt demo
add-day`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

import demo_sources
from commands import dbt_build, elt
from conftest import source_urls, warehouse_env
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# add_day's seed: with it, a customer who paid last month is among the customers who move.
SEED = 7


def _load_and_build(env: dict[str, str], work: Path, *dbt_args: str) -> None:
    loaded = elt(env, "load")
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    built = dbt_build(env, work, *dbt_args)
    assert built.returncode == 0, built.stdout[-4000:]


def _instant(moment: datetime) -> str:
    return f"cast('{moment.astimezone(UTC).isoformat(sep=' ')}' as timestamp with time zone)"


def _revenue_by_city(env: dict[str, str], start: datetime, end: datetime) -> dict[Any, Decimal]:
    """The report an analyst dates: revenue by the customer's city when each payment was made."""
    rows = warehouse_query(
        env,
        "select customers.city_name, sum(payments.amount) "
        "from marts.fct_payments as payments "
        "inner join marts.dim_customers as customers "
        "on payments.customer_sk = customers.customer_sk "
        f"where payments.paid_at >= {_instant(start)} and payments.paid_at < {_instant(end)} "
        "group by customers.city_name",
    )
    return {city: Decimal(total) for city, total in rows}


def _source(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()


def _month_before(moment: datetime) -> tuple[datetime, datetime]:
    this_month = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return last_month, this_month


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_a_customer_who_moves_keeps_last_months_revenue_in_the_old_city(
    kind, tmp_path, new_database, demo_sources_factory
):
    pagila_url, courses_url = demo_sources_factory()
    env = {
        **warehouse_env(kind, tmp_path, new_database),
        **source_urls(pagila_url, courses_url),
    }
    _load_and_build(env, tmp_path)
    [(latest_payment,)] = _source(pagila_url, "select max(payment_date) from payment")
    start, end = _month_before(latest_payment)
    before = _revenue_by_city(env, start, end)
    assert before and None not in before

    addresses = dict(_source(pagila_url, "select customer_id, address_id from customer"))
    rates = dict(_source(pagila_url, "select film_id, rental_rate from film"))
    titles = dict(_source(courses_url, "select course_id, title from courses"))
    counts = demo_sources.add_day(pagila_url, courses_url, seed=SEED)
    assert counts["customer.moved"] == 2
    moved = {
        customer: (address, moved_at)
        for customer, address, moved_at in _source(
            pagila_url, "select customer_id, address_id, last_update from customer"
        )
        if addresses[customer] != address
    }
    assert len(moved) == 2
    paid_last_month = _source(
        pagila_url,
        "select distinct customer_id from payment where customer_id = any(%s) "
        "and payment_date >= %s and payment_date < %s order by customer_id",
        (list(moved), start, end),
    )
    assert paid_last_month, f"no customer moved by seed {SEED} paid last month: pick another"
    customer = paid_last_month[0][0]
    new_address, moved_at = moved[customer]
    [(old_city,)] = _source(
        pagila_url,
        "select city.city from address inner join city on city.city_id = address.city_id "
        "where address.address_id = %s",
        (addresses[customer],),
    )
    [(new_city,)] = _source(
        pagila_url,
        "select city.city from address inner join city on city.city_id = address.city_id "
        "where address.address_id = %s",
        (new_address,),
    )
    assert old_city != new_city

    # After the move, the customer rents and pays: later than any activity so far, so that the
    # incremental loads read it.
    [(latest,)] = _source(
        pagila_url, "select greatest(max(payment_date), max(rental_date)) from payment, rental"
    )
    paid_at = max(latest, moved_at) + timedelta(minutes=1)
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        row = connection.execute(
            "insert into rental (rental_date, inventory_id, customer_id, return_date, staff_id, "
            "last_update) select %s, inventory_id, %s, null, staff_id, %s from rental "
            "order by rental_id limit 1 returning rental_id, staff_id",
            (paid_at, customer, paid_at),
        ).fetchone()
        assert row is not None
        connection.execute(
            "insert into payment (payment_id, customer_id, staff_id, rental_id, amount, "
            "payment_date) values (nextval('payment_payment_id_seq'), %s, %s, %s, 123.45, %s)",
            (customer, row[1], row[0], paid_at),
        )

    _load_and_build(env, tmp_path)

    versions = warehouse_query(
        env,
        "select city_name, is_current, valid_from, valid_to from marts.dim_customers "
        f"where customer_id = {customer} order by valid_from",
    )
    assert [(city, current) for city, current, _, _ in versions] == [
        (old_city, False),
        (new_city, True),
    ]
    assert versions[0][2] == datetime(1900, 1, 1, tzinfo=UTC)
    assert versions[0][3] == versions[1][2] == moved_at
    assert versions[1][3] == datetime(9999, 12, 31, tzinfo=UTC)

    # A film whose rental rate changed has a version at each rate; every film one current one.
    repriced = {
        film: (rates[film], rate)
        for film, rate in _source(pagila_url, "select film_id, rental_rate from film")
        if rates[film] != rate
    }
    assert repriced, f"add_day with seed {SEED} changed no rental rate: pick another"
    for film, (old_rate, new_rate) in repriced.items():
        film_versions = warehouse_query(
            env,
            "select rental_rate, is_current from marts.dim_films "
            f"where film_id = {film} order by valid_from",
        )
        assert film_versions == [(old_rate, False), (new_rate, True)]
    assert warehouse_query(
        env, "select count(*) - count(distinct film_id) from marts.dim_films where is_current"
    ) == [(0,)]

    # A course with a new title has a version per title in the snapshot.
    [(course, new_title)] = [
        (course, title)
        for course, title in _source(courses_url, "select course_id, title from courses")
        if titles[course] != title
    ]
    course_versions = warehouse_query(
        env,
        "select title, dbt_valid_to is null from snapshots.snap_courses "
        f"where course_id = {course} order by dbt_valid_from",
    )
    assert course_versions == [(titles[course], False), (new_title, True)]

    # Last month's revenue by city has not moved with the customer.
    assert _revenue_by_city(env, start, end) == before
    # The payment after the move counts in the new city.
    after_move = _revenue_by_city(env, paid_at, paid_at + timedelta(seconds=1))
    assert after_move == {new_city: Decimal("123.45")}
    [(rental_city,)] = warehouse_query(
        env,
        "select customers.city_name from marts.fct_rentals as rentals "
        "inner join marts.dim_customers as customers "
        "on rentals.customer_sk = customers.customer_sk "
        f"where rentals.rented_at = {_instant(paid_at)}",
    )
    assert rental_city == new_city

    # A rerun adds no version (the snapshot only records changes), and facts built from
    # scratch point at the same versions as the incremental build did.
    snapshot_rows = warehouse_query(env, "select count(*) from snapshots.snap_customers")
    _load_and_build(env, tmp_path, "--full-refresh")
    assert warehouse_query(env, "select count(*) from snapshots.snap_customers") == snapshot_rows
    assert _revenue_by_city(env, start, end) == before
    assert _revenue_by_city(env, paid_at, paid_at + timedelta(seconds=1)) == after_move
