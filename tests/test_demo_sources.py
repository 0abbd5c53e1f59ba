"""The demo sources: the embedded server, the pagila and courses databases, a day of activity."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from demo_sources import (
    add_day,
    connection_params,
    create_demo,
    database_url,
    embedded_server_uri,
    ensure_demo,
    row_counts,
)

SCALE = 0.1

PAGILA_TABLES = (
    "actor",
    "address",
    "category",
    "city",
    "country",
    "customer",
    "film",
    "film_actor",
    "film_category",
    "inventory",
    "language",
    "payment",
    "rental",
    "staff",
    "store",
)
COURSES_TABLES = ("courses", "ratings", "users")

# Column names, order and types of pagila-schema.sql (github.com/devrimgunduz/pagila).
PAGILA_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "actor": [
        ("actor_id", "integer"),
        ("first_name", "text"),
        ("last_name", "text"),
        ("last_update", "timestamp with time zone"),
    ],
    "address": [
        ("address_id", "integer"),
        ("address", "text"),
        ("address2", "text"),
        ("district", "text"),
        ("city_id", "integer"),
        ("postal_code", "text"),
        ("phone", "text"),
        ("last_update", "timestamp with time zone"),
    ],
    "category": [
        ("category_id", "integer"),
        ("name", "text"),
        ("last_update", "timestamp with time zone"),
    ],
    "city": [
        ("city_id", "integer"),
        ("city", "text"),
        ("country_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
    "country": [
        ("country_id", "integer"),
        ("country", "text"),
        ("last_update", "timestamp with time zone"),
    ],
    "customer": [
        ("customer_id", "integer"),
        ("store_id", "integer"),
        ("first_name", "text"),
        ("last_name", "text"),
        ("email", "text"),
        ("address_id", "integer"),
        ("activebool", "boolean"),
        ("create_date", "date"),
        ("last_update", "timestamp with time zone"),
        ("active", "integer"),
    ],
    "film": [
        ("film_id", "integer"),
        ("title", "text"),
        ("description", "text"),
        ("release_year", "year"),
        ("language_id", "integer"),
        ("original_language_id", "integer"),
        ("rental_duration", "smallint"),
        ("rental_rate", "numeric(4,2)"),
        ("length", "smallint"),
        ("replacement_cost", "numeric(5,2)"),
        ("rating", "mpaa_rating"),
        ("last_update", "timestamp with time zone"),
        ("special_features", "text[]"),
        ("fulltext", "tsvector"),
    ],
    "film_actor": [
        ("actor_id", "integer"),
        ("film_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
    "film_category": [
        ("film_id", "integer"),
        ("category_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
    "inventory": [
        ("inventory_id", "integer"),
        ("film_id", "integer"),
        ("store_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
    "language": [
        ("language_id", "integer"),
        ("name", "character(20)"),
        ("last_update", "timestamp with time zone"),
    ],
    "payment": [
        ("payment_id", "integer"),
        ("customer_id", "integer"),
        ("staff_id", "integer"),
        ("rental_id", "integer"),
        ("amount", "numeric(5,2)"),
        ("payment_date", "timestamp with time zone"),
    ],
    "rental": [
        ("rental_id", "integer"),
        ("rental_date", "timestamp with time zone"),
        ("inventory_id", "integer"),
        ("customer_id", "integer"),
        ("return_date", "timestamp with time zone"),
        ("staff_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
    "staff": [
        ("staff_id", "integer"),
        ("first_name", "text"),
        ("last_name", "text"),
        ("address_id", "integer"),
        ("email", "text"),
        ("store_id", "integer"),
        ("active", "boolean"),
        ("username", "text"),
        ("password", "text"),
        ("last_update", "timestamp with time zone"),
        ("picture", "bytea"),
    ],
    "store": [
        ("store_id", "integer"),
        ("manager_staff_id", "integer"),
        ("address_id", "integer"),
        ("last_update", "timestamp with time zone"),
    ],
}

PAGILA_PRIMARY_KEYS = {
    "actor": ["actor_id"],
    "address": ["address_id"],
    "category": ["category_id"],
    "city": ["city_id"],
    "country": ["country_id"],
    "customer": ["customer_id"],
    "film": ["film_id"],
    "film_actor": ["actor_id", "film_id"],
    "film_category": ["film_id", "category_id"],
    "inventory": ["inventory_id"],
    "language": ["language_id"],
    "payment": ["payment_date", "payment_id"],
    "rental": ["rental_id"],
    "staff": ["staff_id"],
    "store": ["store_id"],
}


@pytest.fixture(scope="module", autouse=True)
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An embedded server of this module's own, in a temporary folder."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ELT_DEMO_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def demo() -> tuple[str, str]:
    """A small demo, built once for the read-only tests."""
    pagila_url, courses_url = database_url("t_pagila"), database_url("t_courses")
    create_demo(pagila_url, courses_url, scale=SCALE, seed=42)
    return pagila_url, courses_url


def query(url: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def checksums(url: str, tables: tuple[str, ...]) -> dict[str, str]:
    """md5 of every row of every table, in a fixed order."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in tables:
            statement = sql.SQL(
                "select count(*) || ':' "
                "|| md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from {} as t"
            ).format(sql.Identifier(table))
            out[table] = conn.execute(statement).fetchone()[0]
    return out


def column_types(url: str, table: str) -> list[tuple[str, str]]:
    return [
        (name, kind)
        for name, kind in query(
            url,
            "select attname, format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
            (table,),
        )
    ]


# --------------------------------------------------------------------------- the server


def test_database_url_works_for_psycopg_and_dbt_style_params() -> None:
    url = database_url("t_params")
    assert query(url, "select current_database()") == [("t_params",)]
    params = connection_params(url)
    assert set(params) == {"host", "port", "user", "password", "dbname"}
    assert params["dbname"] == "t_params"
    with psycopg.connect(**params) as conn:  # host/port/user/dbname as dbt passes them
        assert conn.execute("select current_database()").fetchone() == ("t_params",)
    assert database_url("t_params") == url  # a second call finds the database


def test_connection_params_of_tcp_url() -> None:
    assert connection_params("postgresql://loader:s%40cret@db.example.com:6543/shop") == {
        "host": "db.example.com",
        "port": 6543,
        "user": "loader",
        "password": "s@cret",
        "dbname": "shop",
    }


def test_server_is_shared_with_other_processes_and_outlives_them() -> None:
    uri = embedded_server_uri()
    child = subprocess.run(
        [sys.executable, "-c", "from demo_sources import embedded_server_uri as u; print(u())"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert child.stdout.strip() == uri
    # the child was not the last user of the server: it must still be up for us
    assert query(uri, "select 1") == [(1,)]


def test_startup_failure_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ELT_DEMO_DIR", str(not_a_folder))
    with pytest.raises(RuntimeError, match=str(not_a_folder)):
        embedded_server_uri()


# --------------------------------------------------------------------------- pagila


def test_pagila_tables_have_pagila_columns_and_types(demo: tuple[str, str]) -> None:
    pagila_url, _ = demo
    tables = query(
        pagila_url,
        "select table_name from information_schema.tables "
        "where table_schema = 'public' and table_type = 'BASE TABLE' "
        "and table_name not like 'payment\\_p%%' order by 1",
    )
    assert tuple(name for (name,) in tables) == PAGILA_TABLES
    for table, expected in PAGILA_COLUMNS.items():
        assert column_types(pagila_url, table) == expected, table


def test_pagila_types_keys_and_partitions(demo: tuple[str, str]) -> None:
    pagila_url, _ = demo
    assert query(
        pagila_url,
        "select array_agg(enumlabel::text order by enumsortorder) from pg_enum "
        "where enumtypid = 'mpaa_rating'::regtype",
    ) == [(["G", "PG", "PG-13", "R", "NC-17"],)]
    assert query(
        pagila_url,
        "select typtype, format_type(typbasetype, null) from pg_type where typname = 'year'",
    ) == [("d", "integer")]
    with psycopg.connect(pagila_url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("select 1800::year")

    for table, columns in PAGILA_PRIMARY_KEYS.items():
        assert query(
            pagila_url,
            "select array_agg(a.attname::text order by k.ordinality) "
            "from pg_constraint as c "
            "cross join unnest(c.conkey) with ordinality as k(attnum, ordinality) "
            "inner join pg_attribute as a on a.attrelid = c.conrelid and a.attnum = k.attnum "
            "where c.conrelid = %s::regclass and c.contype = 'p'",
            (table,),
        ) == [(columns,)], table
    assert query(
        pagila_url,
        "select pg_get_indexdef(indexrelid) like '%%UNIQUE%%(rental_date, inventory_id, "
        "customer_id)' from pg_index where indexrelid = "
        "'idx_unq_rental_rental_date_inventory_id_customer_id'::regclass",
    ) == [(True,)]
    foreign_keys = query(
        pagila_url,
        "select conrelid::regclass::text, confrelid::regclass::text from pg_constraint "
        "where contype = 'f' and conparentid = 0 order by 1, 2",
    )
    assert ("rental", "inventory") in foreign_keys
    assert ("payment", "rental") in foreign_keys
    assert ("film_category", "category") in foreign_keys

    partitions = query(
        pagila_url,
        "select c.relname from pg_inherits as i inner join pg_class as c on c.oid = i.inhrelid "
        "where i.inhparent = 'payment'::regclass order by 1",
    )
    assert query(pagila_url, "select relkind from pg_class where oid = 'payment'::regclass") == [
        ("p",)
    ]
    assert len(partitions) >= 2
    assert all(name.startswith("payment_p2022_") for (name,) in partitions)
    # every payment sits in the partition of its month
    assert query(
        pagila_url,
        "select count(*) from payment "
        "where tableoid::regclass::text <> 'payment_p' || to_char(payment_date, 'YYYY_MM')",
    ) == [(0,)]
    sequences = query(
        pagila_url,
        "select (select last_value from rental_rental_id_seq) >= (select max(rental_id) "
        "from rental)",
    )
    assert sequences == [(True,)]


def test_pagila_data_looks_like_a_shop(demo: tuple[str, str]) -> None:
    pagila_url, _ = demo
    [(null_emails, customers)] = query(
        pagila_url, "select count(*) filter (where email is null), count(*) from customer"
    )
    assert 0 < null_emails < customers
    [(empty, null)] = query(
        pagila_url,
        "select count(*) filter (where address2 = ''), count(*) filter (where address2 is null) "
        "from address",
    )
    assert empty > 0 and null > 0
    assert query(pagila_url, "select count(*) > 0 from address where postal_code like '0%%'") == [
        (True,)
    ]
    assert query(pagila_url, "select count(*) from rental where return_date is null")[0][0] > 0
    assert (
        query(
            pagila_url,
            "select count(*) from (select film_id from film_category group by film_id "
            "having count(*) > 1) as x",
        )[0][0]
        > 0
    )
    assert query(
        pagila_url,
        "select count(*) from film where original_language_id is not null "
        "or fulltext = ''::tsvector",
    ) == [(0,)]
    pictures = query(pagila_url, "select picture is null from staff order by staff_id")
    assert pictures[0] == (False,) and (True,) in pictures
    [(top, median)] = query(
        pagila_url,
        "select max(n), percentile_disc(0.5) within group (order by n) from "
        "(select count(*) as n from rental inner join inventory using (inventory_id) "
        "group by film_id) as x",
    )
    assert top >= 4 * median  # some films are rented far more than most
    [(by_store, paid)] = query(
        pagila_url,
        "select (select sum(total_sales) from sales_by_store), (select sum(amount) from payment)",
    )
    assert by_store == paid
    assert query(pagila_url, "select count(*) from sales_by_film_category")[0][0] > 5
    assert query(pagila_url, "select store from sales_by_store limit 1")[0][0].count(",") >= 1


# --------------------------------------------------------------------------- courses


def test_courses_database(demo: tuple[str, str]) -> None:
    _, courses_url = demo
    assert column_types(courses_url, "ratings") == [
        ("user_id", "integer"),
        ("course_id", "integer"),
        ("rating", "smallint"),
        ("rated_at", "timestamp with time zone"),
        ("updated_at", "timestamp with time zone"),
    ]
    [(courses, no_language, unrated)] = query(
        courses_url,
        "select count(*), count(*) filter (where programming_language is null), "
        "count(*) filter (where not exists "
        "(select from ratings as r where r.course_id = c.course_id)) from courses as c",
    )
    assert 0 < no_language < courses / 4
    assert unrated > 0
    [(lowest, highest)] = query(
        courses_url,
        "select min(a), max(a) from (select avg(rating) as a from ratings group by course_id "
        "having count(*) >= 5) as x",
    )
    assert highest - lowest > 1
    [(rerated,)] = query(courses_url, "select count(*) from ratings where updated_at > rated_at")
    assert rerated > 0
    # users rate mostly in one or two languages: their top two hold most of their ratings
    [(in_top_two,)] = query(
        courses_url,
        """
        with per_language as (
            select r.user_id, c.programming_language, count(*) as n,
                   row_number() over (partition by r.user_id order by count(*) desc) as place
            from ratings as r
            inner join courses as c using (course_id)
            group by r.user_id, c.programming_language
        )
        select sum(n) filter (where place <= 2)::float / sum(n) from per_language
        """,
    )
    assert in_top_two > 0.8
    with psycopg.connect(courses_url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update ratings set rating = 6")


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_data_other_seed_other_data() -> None:
    urls = {name: database_url(f"t_{name}") for name in ("p1", "c1", "p2", "c2", "p3", "c3")}
    create_demo(urls["p1"], urls["c1"], scale=SCALE, seed=7)
    create_demo(urls["p2"], urls["c2"], scale=SCALE, seed=7)
    create_demo(urls["p3"], urls["c3"], scale=SCALE, seed=8)
    assert checksums(urls["p1"], PAGILA_TABLES) == checksums(urls["p2"], PAGILA_TABLES)
    assert checksums(urls["c1"], COURSES_TABLES) == checksums(urls["c2"], COURSES_TABLES)
    assert checksums(urls["p1"], ("rental",)) != checksums(urls["p3"], ("rental",))
    assert checksums(urls["c1"], ("ratings",)) != checksums(urls["c3"], ("ratings",))

    # the same day, added to the same data, is the same day
    first = add_day(urls["p1"], urls["c1"], seed=3)
    second = add_day(urls["p2"], urls["c2"], seed=3)
    assert first == second
    assert checksums(urls["p1"], PAGILA_TABLES) == checksums(urls["p2"], PAGILA_TABLES)
    assert checksums(urls["c1"], COURSES_TABLES) == checksums(urls["c2"], COURSES_TABLES)


# --------------------------------------------------------------------------- a day of activity


def cursors(pagila_url: str, courses_url: str) -> dict[str, datetime]:
    [(rental, payment, customer, film)] = query(
        pagila_url,
        "select (select max(last_update) from rental), (select max(payment_date) from payment), "
        "(select max(last_update) from customer), (select max(last_update) from film)",
    )
    [(rating, user)] = query(
        courses_url,
        "select (select max(updated_at) from ratings), (select max(created_at) from users)",
    )
    return {
        "rental": rental,
        "payment": payment,
        "customer": customer,
        "film": film,
        "ratings": rating,
        "users": user,
    }


def test_add_day_moves_every_cursor_forward() -> None:
    pagila_url, courses_url = database_url("t_day_pagila"), database_url("t_day_courses")
    create_demo(pagila_url, courses_url, scale=SCALE, seed=11)
    [(open_before,)] = query(pagila_url, "select count(*) from rental where return_date is null")
    [(max_rental_id,)] = query(pagila_url, "select max(rental_id) from rental")
    [(partitions_before,)] = query(
        pagila_url, "select count(*) from pg_inherits where inhparent = 'payment'::regclass"
    )
    before = cursors(pagila_url, courses_url)
    latest = max(before.values())

    counts = add_day(pagila_url, courses_url, seed=1)

    assert counts["rental.inserted"] > 0 and counts["payment.inserted"] > 0
    assert counts["rental.returned"] > 0
    assert counts["customer.updated"] > 0 and counts["film.updated"] > 0
    assert counts["ratings.inserted"] > 0 and counts["ratings.updated"] > 0
    assert counts["users.inserted"] > 0
    # the history ends on 2022-06-30: the new day is in July, which needed a new partition
    assert counts["payment_partition.created"] == 1
    assert query(
        pagila_url, "select count(*) from pg_inherits where inhparent = 'payment'::regclass"
    ) == [(partitions_before + 1,)]

    # new rows: every cursor value strictly above everything there was before
    assert query(
        pagila_url, "select count(*) from rental where rental_id > %s", (max_rental_id,)
    ) == [(counts["rental.inserted"],)]
    assert query(
        pagila_url,
        "select count(*) from rental where rental_id > %s and rental_date <= %s",
        (max_rental_id, latest),
    ) == [(0,)]
    assert query(pagila_url, "select count(*) from payment where payment_date > %s", (latest,)) == [
        (counts["payment.inserted"],)
    ]
    # updated rows: existing rows whose cursor moved past the old maximum
    assert query(
        pagila_url,
        "select count(*) from rental where rental_id <= %s and last_update > %s "
        "and return_date is not null",
        (max_rental_id, latest),
    ) == [(counts["rental.returned"],)]
    [(open_after,)] = query(pagila_url, "select count(*) from rental where return_date is null")
    assert open_after == open_before - counts["rental.returned"] + counts["rental.inserted"]
    # e-mails edited, and customers moved (others than those)
    assert counts["customer.moved"] == 2
    assert query(pagila_url, "select count(*) from customer where last_update > %s", (latest,)) == [
        (counts["customer.updated"] + counts["customer.moved"],)
    ]
    assert query(
        courses_url,
        "select count(*) filter (where rated_at > %s), "
        "count(*) filter (where updated_at > %s and rated_at <= %s) from ratings",
        (latest, latest, latest),
    ) == [(counts["ratings.inserted"], counts["ratings.updated"])]
    after = cursors(pagila_url, courses_url)
    assert all(after[name] > latest for name in ("rental", "payment", "ratings", "users"))

    # and the next day comes after that one
    add_day(pagila_url, courses_url, seed=1)
    assert cursors(pagila_url, courses_url)["rental"] > after["rental"]


def test_ensure_demo_builds_once() -> None:
    pagila_url, courses_url = ensure_demo(scale=0.05, seed=5)
    assert pagila_url == database_url("pagila") and courses_url == database_url("courses")
    [(rentals,)] = query(pagila_url, "select count(*) from rental")
    add_day(pagila_url, courses_url, seed=5)
    [(more_rentals,)] = query(pagila_url, "select count(*) from rental")
    assert more_rentals > rentals

    assert ensure_demo(scale=0.05, seed=5) == (pagila_url, courses_url)
    assert query(pagila_url, "select count(*) from rental") == [(more_rentals,)]  # kept

    ensure_demo(scale=0.05, seed=6)  # another seed: built again, without the added day
    assert query(pagila_url, "select max(rental_date) < '2022-07-01' from rental") == [(True,)]


def test_ensure_demo_keeps_a_demo_built_at_another_scale():
    """`elt demo create --scale N` then `elt load`: the load must not rebuild it at scale 1."""
    pagila_url, courses_url = ensure_demo(scale=0.05, seed=5, rebuild=True)
    built = row_counts(pagila_url, courses_url)
    assert ensure_demo() == (pagila_url, courses_url)
    assert row_counts(pagila_url, courses_url) == built
    ensure_demo(scale=0.06, seed=5)  # asked for another scale: rebuilt
    assert row_counts(pagila_url, courses_url) != built
