"""A pagila-compatible DVD-rental database: pagila's 15 tables, types, keys and two sales views.

The schema follows ``pagila-schema.sql`` of the public pagila sample; the rows are generated,
deterministically for a seed. Scale 1.0 is about the size of the public pagila.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from demo_sources import _names
from demo_sources._database import (
    copy_rows,
    pick_some,
    random_time_of_day,
    reset_database,
    sync_sequence,
    weighted_sample,
)

__all__ = ["TABLES", "add_day", "create_pagila", "latest_activity"]

logger = logging.getLogger(__name__)

# The generated history: rentals from RENTALS_START up to (not including) SNAPSHOT.
RENTALS_START = datetime(2022, 2, 1, tzinfo=UTC)
SNAPSHOT = datetime(2022, 7, 1, tzinfo=UTC)
# last_update of the rows that are not events (films, customers, ...), as pagila has one too.
REFERENCE_UPDATE = datetime(2022, 1, 31, 9, 0, 0, tzinfo=UTC)

RENTAL_RATES = (Decimal("0.99"), Decimal("2.99"), Decimal("4.99"))
RATINGS = ("G", "PG", "PG-13", "R", "NC-17")
LATE_FEE_PER_DAY = Decimal("1.00")


_SCHEMA = """
create type mpaa_rating as enum ('G', 'PG', 'PG-13', 'R', 'NC-17');

create domain year as integer
    constraint year_check check (((value >= 1901) and (value <= 2155)));

-- pagila's trigger sets last_update = now() on every update. Here it only does so when the
-- update left last_update alone, so the generator's explicit timestamps keep the demo
-- independent of the wall clock while hand-made updates still move the cursor.
create function last_updated() returns trigger
    language plpgsql
    as $$
begin
    if new.last_update is not distinct from old.last_update then
        new.last_update = current_timestamp;
    end if;
    return new;
end $$;

create sequence actor_actor_id_seq;
create table actor (
    actor_id integer default nextval('actor_actor_id_seq'::regclass) not null,
    first_name text not null,
    last_name text not null,
    last_update timestamp with time zone default now() not null
);

create sequence category_category_id_seq;
create table category (
    category_id integer default nextval('category_category_id_seq'::regclass) not null,
    name text not null,
    last_update timestamp with time zone default now() not null
);

create sequence film_film_id_seq;
create table film (
    film_id integer default nextval('film_film_id_seq'::regclass) not null,
    title text not null,
    description text,
    release_year year,
    language_id integer not null,
    original_language_id integer,
    rental_duration smallint default 3 not null,
    rental_rate numeric(4,2) default 4.99 not null,
    length smallint,
    replacement_cost numeric(5,2) default 19.99 not null,
    rating mpaa_rating default 'G'::mpaa_rating,
    last_update timestamp with time zone default now() not null,
    special_features text[],
    fulltext tsvector not null
);

create table film_actor (
    actor_id integer not null,
    film_id integer not null,
    last_update timestamp with time zone default now() not null
);

create table film_category (
    film_id integer not null,
    category_id integer not null,
    last_update timestamp with time zone default now() not null
);

create sequence address_address_id_seq;
create table address (
    address_id integer default nextval('address_address_id_seq'::regclass) not null,
    address text not null,
    address2 text,
    district text not null,
    city_id integer not null,
    postal_code text,
    phone text not null,
    last_update timestamp with time zone default now() not null
);

create sequence city_city_id_seq;
create table city (
    city_id integer default nextval('city_city_id_seq'::regclass) not null,
    city text not null,
    country_id integer not null,
    last_update timestamp with time zone default now() not null
);

create sequence country_country_id_seq;
create table country (
    country_id integer default nextval('country_country_id_seq'::regclass) not null,
    country text not null,
    last_update timestamp with time zone default now() not null
);

create sequence customer_customer_id_seq;
create table customer (
    customer_id integer default nextval('customer_customer_id_seq'::regclass) not null,
    store_id integer not null,
    first_name text not null,
    last_name text not null,
    email text,
    address_id integer not null,
    activebool boolean default true not null,
    create_date date default current_date not null,
    last_update timestamp with time zone default now(),
    active integer
);

create sequence inventory_inventory_id_seq;
create table inventory (
    inventory_id integer default nextval('inventory_inventory_id_seq'::regclass) not null,
    film_id integer not null,
    store_id integer not null,
    last_update timestamp with time zone default now() not null
);

create sequence language_language_id_seq;
create table language (
    language_id integer default nextval('language_language_id_seq'::regclass) not null,
    name character(20) not null,
    last_update timestamp with time zone default now() not null
);

create sequence payment_payment_id_seq;
create table payment (
    payment_id integer default nextval('payment_payment_id_seq'::regclass) not null,
    customer_id integer not null,
    staff_id integer not null,
    rental_id integer not null,
    amount numeric(5,2) not null,
    payment_date timestamp with time zone not null,
    primary key (payment_date, payment_id)
)
partition by range (payment_date);

create sequence rental_rental_id_seq;
create table rental (
    rental_id integer default nextval('rental_rental_id_seq'::regclass) not null,
    rental_date timestamp with time zone not null,
    inventory_id integer not null,
    customer_id integer not null,
    return_date timestamp with time zone,
    staff_id integer not null,
    last_update timestamp with time zone default now() not null
);

create sequence staff_staff_id_seq;
create table staff (
    staff_id integer default nextval('staff_staff_id_seq'::regclass) not null,
    first_name text not null,
    last_name text not null,
    address_id integer not null,
    email text,
    store_id integer not null,
    active boolean default true not null,
    username text not null,
    password text,
    last_update timestamp with time zone default now() not null,
    picture bytea
);

create sequence store_store_id_seq;
create table store (
    store_id integer default nextval('store_store_id_seq'::regclass) not null,
    manager_staff_id integer not null,
    address_id integer not null,
    last_update timestamp with time zone default now() not null
);

alter sequence actor_actor_id_seq owned by actor.actor_id;
alter sequence address_address_id_seq owned by address.address_id;
alter sequence category_category_id_seq owned by category.category_id;
alter sequence city_city_id_seq owned by city.city_id;
alter sequence country_country_id_seq owned by country.country_id;
alter sequence customer_customer_id_seq owned by customer.customer_id;
alter sequence film_film_id_seq owned by film.film_id;
alter sequence inventory_inventory_id_seq owned by inventory.inventory_id;
alter sequence language_language_id_seq owned by language.language_id;
alter sequence payment_payment_id_seq owned by payment.payment_id;
alter sequence rental_rental_id_seq owned by rental.rental_id;
alter sequence staff_staff_id_seq owned by staff.staff_id;
alter sequence store_store_id_seq owned by store.store_id;

create trigger film_fulltext_trigger before insert or update on film for each row
    execute function tsvector_update_trigger(
        'fulltext', 'pg_catalog.english', 'title', 'description'
    );
"""

_CONSTRAINTS = """
alter table only actor add constraint actor_pkey primary key (actor_id);
alter table only address add constraint address_pkey primary key (address_id);
alter table only category add constraint category_pkey primary key (category_id);
alter table only city add constraint city_pkey primary key (city_id);
alter table only country add constraint country_pkey primary key (country_id);
alter table only customer add constraint customer_pkey primary key (customer_id);
alter table only film_actor add constraint film_actor_pkey primary key (actor_id, film_id);
alter table only film_category add constraint film_category_pkey
    primary key (film_id, category_id);
alter table only film add constraint film_pkey primary key (film_id);
alter table only inventory add constraint inventory_pkey primary key (inventory_id);
alter table only language add constraint language_pkey primary key (language_id);
alter table only rental add constraint rental_pkey primary key (rental_id);
alter table only staff add constraint staff_pkey primary key (staff_id);
alter table only store add constraint store_pkey primary key (store_id);

create index film_fulltext_idx on film using gist (fulltext);
create index idx_actor_last_name on actor using btree (last_name);
create index idx_fk_address_id on customer using btree (address_id);
create index idx_fk_city_id on address using btree (city_id);
create index idx_fk_country_id on city using btree (country_id);
create index idx_fk_film_id on film_actor using btree (film_id);
create index idx_fk_inventory_id on rental using btree (inventory_id);
create index idx_fk_language_id on film using btree (language_id);
create index idx_fk_original_language_id on film using btree (original_language_id);
create index idx_fk_store_id on customer using btree (store_id);
create index idx_last_name on customer using btree (last_name);
create index idx_store_id_film_id on inventory using btree (store_id, film_id);
create index idx_title on film using btree (title);
create unique index idx_unq_manager_staff_id on store using btree (manager_staff_id);
create unique index idx_unq_rental_rental_date_inventory_id_customer_id
    on rental using btree (rental_date, inventory_id, customer_id);
create index idx_fk_payment_customer_id on payment using btree (customer_id);
create index idx_fk_payment_staff_id on payment using btree (staff_id);

alter table only address add constraint address_city_id_fkey foreign key (city_id)
    references city(city_id) on update cascade on delete restrict;
alter table only city add constraint city_country_id_fkey foreign key (country_id)
    references country(country_id) on update cascade on delete restrict;
alter table only customer add constraint customer_address_id_fkey foreign key (address_id)
    references address(address_id) on update cascade on delete restrict;
alter table only customer add constraint customer_store_id_fkey foreign key (store_id)
    references store(store_id) on update cascade on delete restrict;
alter table only film_actor add constraint film_actor_actor_id_fkey foreign key (actor_id)
    references actor(actor_id) on update cascade on delete restrict;
alter table only film_actor add constraint film_actor_film_id_fkey foreign key (film_id)
    references film(film_id) on update cascade on delete restrict;
alter table only film_category add constraint film_category_category_id_fkey
    foreign key (category_id) references category(category_id)
    on update cascade on delete restrict;
alter table only film_category add constraint film_category_film_id_fkey foreign key (film_id)
    references film(film_id) on update cascade on delete restrict;
alter table only film add constraint film_language_id_fkey foreign key (language_id)
    references language(language_id) on update cascade on delete restrict;
alter table only film add constraint film_original_language_id_fkey
    foreign key (original_language_id) references language(language_id)
    on update cascade on delete restrict;
alter table only inventory add constraint inventory_film_id_fkey foreign key (film_id)
    references film(film_id) on update cascade on delete restrict;
alter table only inventory add constraint inventory_store_id_fkey foreign key (store_id)
    references store(store_id) on update cascade on delete restrict;
-- pagila declares these on each monthly partition; on the parent they also cover the
-- partitions that add_day creates later.
alter table payment add constraint payment_customer_id_fkey foreign key (customer_id)
    references customer(customer_id);
alter table payment add constraint payment_rental_id_fkey foreign key (rental_id)
    references rental(rental_id);
alter table payment add constraint payment_staff_id_fkey foreign key (staff_id)
    references staff(staff_id);
alter table only rental add constraint rental_customer_id_fkey foreign key (customer_id)
    references customer(customer_id) on update cascade on delete restrict;
alter table only rental add constraint rental_inventory_id_fkey foreign key (inventory_id)
    references inventory(inventory_id) on update cascade on delete restrict;
alter table only rental add constraint rental_staff_id_fkey foreign key (staff_id)
    references staff(staff_id) on update cascade on delete restrict;
alter table only staff add constraint staff_address_id_fkey foreign key (address_id)
    references address(address_id) on update cascade on delete restrict;
alter table only staff add constraint staff_store_id_fkey foreign key (store_id)
    references store(store_id);
alter table only store add constraint store_address_id_fkey foreign key (address_id)
    references address(address_id) on update cascade on delete restrict;

create trigger last_updated before update on actor
    for each row execute function last_updated();
create trigger last_updated before update on address
    for each row execute function last_updated();
create trigger last_updated before update on category
    for each row execute function last_updated();
create trigger last_updated before update on city
    for each row execute function last_updated();
create trigger last_updated before update on country
    for each row execute function last_updated();
create trigger last_updated before update on customer
    for each row execute function last_updated();
create trigger last_updated before update on film
    for each row execute function last_updated();
create trigger last_updated before update on film_actor
    for each row execute function last_updated();
create trigger last_updated before update on film_category
    for each row execute function last_updated();
create trigger last_updated before update on inventory
    for each row execute function last_updated();
create trigger last_updated before update on language
    for each row execute function last_updated();
create trigger last_updated before update on rental
    for each row execute function last_updated();
create trigger last_updated before update on staff
    for each row execute function last_updated();
create trigger last_updated before update on store
    for each row execute function last_updated();

-- pagila's two sales views, verbatim: the warehouse's revenue reports are checked against them.
create view sales_by_film_category as
 select c.name as category,
    sum(p.amount) as total_sales
   from (((((payment p
     join rental r on ((p.rental_id = r.rental_id)))
     join inventory i on ((r.inventory_id = i.inventory_id)))
     join film f on ((i.film_id = f.film_id)))
     join film_category fc on ((f.film_id = fc.film_id)))
     join category c on ((fc.category_id = c.category_id)))
  group by c.name
  order by (sum(p.amount)) desc;

create view sales_by_store as
 select ((c.city || ','::text) || cy.country) as store,
    ((m.first_name || ' '::text) || m.last_name) as manager,
    sum(p.amount) as total_sales
   from (((((((payment p
     join rental r on ((p.rental_id = r.rental_id)))
     join inventory i on ((r.inventory_id = i.inventory_id)))
     join store s on ((i.store_id = s.store_id)))
     join address a on ((s.address_id = a.address_id)))
     join city c on ((a.city_id = c.city_id)))
     join country cy on ((c.country_id = cy.country_id)))
     join staff m on ((s.manager_staff_id = m.staff_id)))
  group by cy.country, c.city, s.store_id, m.first_name, m.last_name
  order by cy.country, c.city;
"""

_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(columns.split())
    for table, columns in {
        "language": "language_id name last_update",
        "category": "category_id name last_update",
        "country": "country_id country last_update",
        "city": "city_id city country_id last_update",
        "address": "address_id address address2 district city_id postal_code phone last_update",
        "store": "store_id manager_staff_id address_id last_update",
        "staff": "staff_id first_name last_name address_id email store_id active username "
        "password last_update picture",
        "customer": "customer_id store_id first_name last_name email address_id activebool "
        "create_date last_update active",
        "actor": "actor_id first_name last_name last_update",
        "film": "film_id title description release_year language_id original_language_id "
        "rental_duration rental_rate length replacement_cost rating last_update special_features",
        "film_actor": "actor_id film_id last_update",
        "film_category": "film_id category_id last_update",
        "inventory": "inventory_id film_id store_id last_update",
        "rental": "rental_id rental_date inventory_id customer_id return_date staff_id last_update",
        "payment": "payment_id customer_id staff_id rental_id amount payment_date",
    }.items()
}
# the columns COPY fills (film.fulltext comes from its trigger), in load order: referenced tables
# first (the foreign keys are added after the load anyway)
_LOAD_ORDER = tuple(_COLUMNS)
TABLES: tuple[str, ...] = tuple(sorted(_COLUMNS))
# tables with a serial key: <table>_<table>_id_seq
_SEQUENCE_TABLES = tuple(
    (table, columns[0]) for table, columns in _COLUMNS.items() if columns[0] == f"{table}_id"
)


@dataclass
class _Film:
    film_id: int
    rental_duration: int
    rental_rate: Decimal
    replacement_cost: Decimal


def create_pagila(
    conn: psycopg.Connection[Any], *, scale: float = 1.0, seed: int = 42
) -> dict[str, int]:
    """Drop everything in the database behind ``conn`` and build the pagila demo in it.

    Runs in one transaction. Returns the number of rows per table.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rows = _generate(scale, seed)
    with conn.transaction():
        reset_database(conn)
        conn.execute(_SCHEMA)
        for month in sorted({_month_start(row[5]) for row in rows["payment"]}):
            _create_payment_partition(conn, month)
        for table in _LOAD_ORDER:
            copy_rows(conn, table, _COLUMNS[table], rows[table])
        conn.execute(_CONSTRAINTS)
        for table, column in _SEQUENCE_TABLES:
            sync_sequence(conn, table, column)
        conn.execute("analyze")
    counts = {table: len(rows[table]) for table in sorted(TABLES)}
    logger.info("pagila demo built: %s", counts)
    return counts


def latest_activity(conn: psycopg.Connection[Any]) -> datetime | None:
    """The latest timestamp of any event or update in the pagila demo."""
    row = conn.execute(
        """
        select greatest(
            (select max(greatest(rental_date, return_date, last_update)) from rental),
            (select max(payment_date) from payment),
            (select max(last_update) from customer),
            (select max(last_update) from film),
            (select max(last_update) from address)
        )
        """
    ).fetchone()
    return row[0] if row else None


# --------------------------------------------------------------------------- generation


def _generate(scale: float, seed: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table, in column order."""

    def stream(name: str) -> random.Random:
        return random.Random(f"pagila:{seed}:{name}")

    n_actors = max(10, round(200 * scale))
    n_films = max(20, round(1000 * scale))
    n_cities = max(10, round(600 * scale))
    n_customers = max(10, round(599 * scale))
    n_stores = max(2, round(2 * math.sqrt(scale)))  # pagila has 2; bigger shops, not many more
    n_rentals = max(50, round(16044 * scale))

    rows: dict[str, list[tuple[Any, ...]]] = {}
    rows["language"] = [
        (i, name, REFERENCE_UPDATE) for i, name in enumerate(_names.LANGUAGES, start=1)
    ]
    rows["category"] = [
        (i, name, REFERENCE_UPDATE) for i, name in enumerate(_names.CATEGORIES, start=1)
    ]
    rows["country"] = [
        (i, name, REFERENCE_UPDATE) for i, name in enumerate(_names.COUNTRIES, start=1)
    ]
    rows["city"] = _cities(stream("city"), n_cities)
    rows["address"] = _addresses(stream("address"), n_stores, n_customers, n_cities)
    rows["store"] = [(s, s, s, REFERENCE_UPDATE) for s in range(1, n_stores + 1)]
    rows["staff"] = _staff(stream("staff"), n_stores, seed)
    rows["customer"] = _customers(stream("customer"), n_customers, n_stores)
    rows["actor"] = [
        (i, first.upper(), last.upper(), REFERENCE_UPDATE)
        for i, (first, last) in enumerate(_people(stream("actor"), n_actors), start=1)
    ]
    films, rows["film"] = _films(stream("film"), n_films)
    rows["film_actor"] = _film_actors(stream("film_actor"), n_films, n_actors)
    rows["film_category"] = _film_categories(stream("film_category"), n_films)

    popularity = _popularity(stream("popularity"), n_films)
    rows["inventory"] = _inventory(stream("inventory"), popularity, n_stores)
    rows["rental"], rows["payment"] = _rentals(
        stream("rental"), n_rentals, films, popularity, rows["inventory"], rows["customer"]
    )
    return rows


def _people(rng: random.Random, n: int) -> list[tuple[str, str]]:
    return [(rng.choice(_names.FIRST_NAMES), rng.choice(_names.LAST_NAMES)) for _ in range(n)]


def _cities(rng: random.Random, n_cities: int) -> list[tuple[Any, ...]]:
    countries = list(range(1, len(_names.COUNTRIES) + 1))
    rng.shuffle(countries)
    weights = [1 / (rank**0.9) for rank in range(1, len(countries) + 1)]
    used: set[str] = set()
    rows = []
    for city_id in range(1, n_cities + 1):
        if city_id <= len(countries):  # every country gets a city first
            country_id = countries[city_id - 1]
        else:
            country_id = rng.choices(countries, weights)[0]
        name = ""
        while not name or name in used:
            syllables = [rng.choice(_names.CITY_SYLLABLES) for _ in range(rng.randint(2, 3))]
            name = "".join(syllables).capitalize()
            if name in used and rng.random() < 0.5:
                name = f"{name} {rng.choice(('North', 'South', 'Nova', 'San', 'Port'))}"
        used.add(name)
        rows.append((city_id, name, country_id, REFERENCE_UPDATE))
    return rows


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _addresses(
    rng: random.Random, n_stores: int, n_customers: int, n_cities: int
) -> list[tuple[Any, ...]]:
    n_addresses = 2 * n_stores + n_customers
    cities = list(range(1, n_cities + 1))
    rng.shuffle(cities)
    null_address2 = {2 * n_stores + 1 + i for i in pick_some(rng, n_customers, 0.08)}
    rows = []
    for address_id in range(1, n_addresses + 1):
        street = (
            f"{rng.randint(1, 1999)} {rng.choice(_names.STREET_NAMES)} "
            f"{rng.choice(_names.STREET_SUFFIXES)}"
        )
        if address_id <= 2 * n_stores or address_id in null_address2:
            address2 = None  # as pagila's store and staff addresses
        elif rng.random() < 0.92:
            address2 = ""  # not NULL: pagila has both
        else:
            address2 = f"{rng.choice(('Apt', 'Suite', 'Unit'))} {rng.randint(1, 450)}"
        postal_code = "" if rng.random() < 0.03 else _digits(rng, 5)
        phone = "" if rng.random() < 0.01 else _digits(rng, rng.randint(10, 12))
        rows.append(
            (
                address_id,
                street,
                address2,
                rng.choice(_names.DISTRICTS),
                cities[(address_id - 1) % n_cities],
                postal_code,
                phone,
                REFERENCE_UPDATE,
            )
        )
    return rows


def _staff(rng: random.Random, n_stores: int, seed: int) -> list[tuple[Any, ...]]:
    known = [("Mike", "Hillyer"), ("Jon", "Stephens")]
    rows = []
    for staff_id in range(1, n_stores + 1):
        if staff_id <= len(known):
            first, last = known[staff_id - 1]
        else:
            first, last = _people(rng, 1)[0]
        password = hashlib.sha1(f"staff:{seed}:{staff_id}".encode()).hexdigest()
        picture = None
        if staff_id == 1:  # a small PNG-like blob, with zero bytes in it
            picture = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(64)
        rows.append(
            (
                staff_id,
                first,
                last,
                n_stores + staff_id,
                f"{first}.{last}@sakilastaff.com",
                staff_id,
                True,
                first,
                password,
                REFERENCE_UPDATE,
                picture,
            )
        )
    return rows


def _customers(rng: random.Random, n_customers: int, n_stores: int) -> list[tuple[Any, ...]]:
    stores = list(range(1, n_stores + 1))
    store_weights = [1 / (s**0.3) for s in stores]
    emails: set[str] = set()
    no_email = {i + 1 for i in pick_some(rng, n_customers, 0.04)}
    rows = []
    for customer_id, (first, last) in enumerate(_people(rng, n_customers), start=1):
        address = f"{first.upper()}.{last.upper()}@sakilacustomer.org"
        if address in emails:
            address = f"{first.upper()}.{last.upper()}{customer_id}@sakilacustomer.org"
        emails.add(address)
        email = None if customer_id in no_email else address
        active = 0 if rng.random() < 0.025 else 1
        rows.append(
            (
                customer_id,
                rng.choices(stores, store_weights)[0],
                first.upper(),
                last.upper(),
                email,
                2 * n_stores + customer_id,
                rng.random() >= 0.01,
                (RENTALS_START - timedelta(days=rng.randint(1, 420))).date(),
                REFERENCE_UPDATE,
                active,
            )
        )
    return rows


def _films(rng: random.Random, n_films: int) -> tuple[list[_Film], list[tuple[Any, ...]]]:
    titles: set[str] = set()
    films: list[_Film] = []
    rows = []
    language_weights = [0.88, 0.02, 0.03, 0.02, 0.03, 0.02]
    rating_weights = [0.18, 0.19, 0.22, 0.2, 0.21]
    for film_id in range(1, n_films + 1):
        title = ""
        attempt = 0
        while not title or title in titles:
            attempt += 1
            title = (
                f"{rng.choice(_names.TITLE_WORDS_FIRST)} {rng.choice(_names.TITLE_WORDS_SECOND)}"
            ).upper()
            if attempt > 5:
                title = f"{title} {attempt}"
        titles.add(title)
        description = (
            f"A {rng.choice(_names.DESCRIPTION_ADJECTIVES)} "
            f"{rng.choice(_names.DESCRIPTION_GENRES)} of a {rng.choice(_names.DESCRIPTION_NOUNS)} "
            f"And a {rng.choice(_names.DESCRIPTION_NOUNS)} who must "
            f"{rng.choice(_names.DESCRIPTION_VERBS)} a {rng.choice(_names.DESCRIPTION_NOUNS)} "
            f"in {rng.choice(_names.DESCRIPTION_PLACES)}"
        )
        rental_duration = rng.randint(3, 7)
        rental_rate = rng.choice(RENTAL_RATES)
        replacement_cost = Decimal(rng.randint(9, 29)) + Decimal("0.99")
        if rng.random() < 0.01:
            features: list[str] | None = None
        else:
            features = [f for f in _names.SPECIAL_FEATURES if rng.random() < 0.5]
            features = features or [rng.choice(_names.SPECIAL_FEATURES)]
        films.append(_Film(film_id, rental_duration, rental_rate, replacement_cost))
        rows.append(
            (
                film_id,
                title,
                description,
                rng.randint(1984, 2021),
                rng.choices(range(1, 7), language_weights)[0],
                None,
                rental_duration,
                rental_rate,
                rng.randint(46, 185),
                replacement_cost,
                rng.choices(RATINGS, rating_weights)[0],
                REFERENCE_UPDATE,
                features,
            )
        )
    return films, rows


def _film_actors(rng: random.Random, n_films: int, n_actors: int) -> list[tuple[Any, ...]]:
    actors = list(range(1, n_actors + 1))
    weights = [rng.uniform(0.4, 1.6) for _ in actors]
    pairs = []
    for film_id in range(1, n_films + 1):
        k = max(1, min(n_actors, round(rng.gauss(5.55, 2.2))))
        for actor_id in weighted_sample(rng, actors, weights, k):
            pairs.append((actor_id, film_id, REFERENCE_UPDATE))
    pairs.sort()
    return pairs


def _film_categories(rng: random.Random, n_films: int) -> list[tuple[Any, ...]]:
    categories = list(range(1, len(_names.CATEGORIES) + 1))
    rows = []
    for film_id in range(1, n_films + 1):
        k = rng.choices((1, 2, 3), (0.7, 0.22, 0.08))[0]
        for category_id in sorted(rng.sample(categories, k)):
            rows.append((film_id, category_id, REFERENCE_UPDATE))
    return rows


def _popularity(rng: random.Random, n_films: int) -> list[float]:
    """Zipf-like weights over films in a random order: a few films are rented far more."""
    ranks = list(range(1, n_films + 1))
    rng.shuffle(ranks)
    offset = 0.02 * n_films  # the same shape at every scale
    return [1 / (rank + offset) for rank in ranks]


def _inventory(rng: random.Random, popularity: list[float], n_stores: int) -> list[tuple[Any, ...]]:
    mean_weight = sum(popularity) / len(popularity)
    shape = [(weight / mean_weight) ** 0.35 for weight in popularity]
    factor = 4.58 / 0.96 / (sum(shape) / len(shape))
    rows = []
    inventory_id = 0
    for film_index, film_shape in enumerate(shape):
        if rng.random() < 0.04:  # not stocked, as about 4% of pagila's films
            continue
        copies = max(1, round(film_shape * factor + rng.gauss(0, 0.8)))
        per_store = [0] * n_stores
        for _ in range(copies):
            per_store[rng.randrange(n_stores)] += 1
        for store_index, count in enumerate(per_store):
            for _ in range(count):
                inventory_id += 1
                rows.append((inventory_id, film_index + 1, store_index + 1, REFERENCE_UPDATE))
    return rows


def _rentals(
    rng: random.Random,
    n_rentals: int,
    films: list[_Film],
    popularity: list[float],
    inventory: list[tuple[Any, ...]],
    customers: list[tuple[Any, ...]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    copies: dict[tuple[int, int], list[int]] = defaultdict(list)
    inventory_store: dict[int, int] = {}
    inventory_film: dict[int, int] = {}
    for inventory_id, film_id, store_id, _ in inventory:
        copies[(film_id, store_id)].append(inventory_id)
        inventory_store[inventory_id] = store_id
        inventory_film[inventory_id] = film_id
    n_stores = max(inventory_store.values())
    busy_until: dict[int, datetime] = {}
    far_future = datetime.max.replace(tzinfo=UTC)

    customer_ids = [row[0] for row in customers]
    home_store = {row[0]: row[1] for row in customers}
    customer_weights = [
        rng.lognormvariate(0, 0.5) * (0.3 if row[9] == 0 else 1.0) for row in customers
    ]
    film_ids = [film.film_id for film in films]
    cumulative_films = _cumulative(popularity)
    cumulative_customers = _cumulative(customer_weights)

    days = (SNAPSHOT - RENTALS_START).days
    day_weights = []
    for day_index in range(days):
        weekday = (0.9, 0.85, 0.9, 0.95, 1.25, 1.4, 1.15)[
            (RENTALS_START + timedelta(days=day_index)).weekday()
        ]
        trend = 0.85 + 0.3 * day_index / days
        day_weights.append(weekday * trend * rng.uniform(0.85, 1.15))
    total_weight = sum(day_weights)

    rentals: list[tuple[Any, ...]] = []
    payments: list[tuple[datetime, int, int, int, Decimal]] = []  # date, rental, customer, staff
    rental_id = 0
    for day_index, weight in enumerate(day_weights):
        day = (RENTALS_START + timedelta(days=day_index)).date()
        count = round(n_rentals * weight / total_weight)
        moments = sorted(random_time_of_day(rng, day) for _ in range(count))
        for moment in moments:
            customer_id = customer_ids[_pick(rng, cumulative_customers)]
            store_id = home_store[customer_id]
            if n_stores > 1 and rng.random() < 0.15:
                store_id = rng.randint(1, n_stores)
            inventory_id = None
            for _ in range(20):  # the customer looks for a film that is on the shelf
                film_id = film_ids[_pick(rng, cumulative_films)]
                free = [
                    i
                    for i in copies.get((film_id, store_id), ())
                    if busy_until.get(i, moment) <= moment
                ]
                if free:
                    inventory_id = rng.choice(free)
                    break
            if inventory_id is None:
                continue
            film = films[inventory_film[inventory_id] - 1]
            rental_id += 1
            staff_id = inventory_store[inventory_id]  # each store's one clerk is its manager
            returned_at, days_late = _return_time(rng, moment, film.rental_duration)
            busy_until[inventory_id] = returned_at or far_future
            if returned_at is not None and returned_at >= SNAPSHOT:
                returned_at = None  # still out when the snapshot is taken
            rentals.append(
                (
                    rental_id,
                    moment,
                    inventory_id,
                    customer_id,
                    returned_at,
                    staff_id,
                    returned_at or moment,
                )
            )
            if rng.random() >= 0.005:  # a few rentals are never paid
                paid_at = moment + timedelta(seconds=rng.randint(5, 400))
                payments.append((paid_at, rental_id, customer_id, staff_id, film.rental_rate))
            if returned_at is not None and days_late > 0:
                fee = min(LATE_FEE_PER_DAY * days_late, film.replacement_cost)
                paid_at = returned_at + timedelta(seconds=rng.randint(0, 120))
                if paid_at < SNAPSHOT:
                    payments.append((paid_at, rental_id, customer_id, staff_id, fee))
    payments.sort()
    payment_rows = [
        (payment_id, customer_id, staff_id, rental, amount, paid_at)
        for payment_id, (paid_at, rental, customer_id, staff_id, amount) in enumerate(
            payments, start=1
        )
    ]
    return rentals, payment_rows


def _return_time(
    rng: random.Random, rented_at: datetime, rental_duration: int
) -> tuple[datetime | None, int]:
    """When a rental comes back (None: lost) and how many days late."""
    draw = rng.random()
    if draw < 0.012:
        return None, 0
    if draw < 0.94:
        days_out = rng.uniform(0.4, rental_duration)
        late = 0
    else:
        late = min(8, 1 + int(rng.expovariate(0.6)))
        days_out = rental_duration + late - rng.uniform(0.01, 0.99)
    returned = rented_at + timedelta(seconds=round(days_out * 86400))
    return returned, late


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return min(bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


# --------------------------------------------------------------------------- partitions


def _month_start(moment: datetime) -> date:
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _partition_name(month: date) -> str:
    return f"payment_p{month.year:04d}_{month.month:02d}"


def _create_payment_partition(conn: psycopg.Connection[Any], month: date) -> bool:
    """Create ``payment_pYYYY_MM`` for ``month`` unless it exists; True if it was created."""
    name = _partition_name(month)
    exists = conn.execute("select to_regclass(%s)", (f"public.{name}",)).fetchone()
    if exists is not None and exists[0] is not None:
        return False
    start = datetime.combine(month, time(), tzinfo=UTC)
    end = datetime.combine(_next_month(month), time(), tzinfo=UTC)
    conn.execute(
        sql.SQL("create table {} partition of payment for values from ({}) to ({})").format(
            sql.Identifier(name), sql.Literal(start.isoformat()), sql.Literal(end.isoformat())
        )
    )
    return True


# --------------------------------------------------------------------------- a day of activity


def add_day(conn: psycopg.Connection[Any], day: date, rng: random.Random) -> dict[str, int]:
    """Add the rentals, returns, payments and small edits of one ``day`` (UTC), in one transaction.

    Every timestamp written falls on ``day``; the caller picks a day after all existing activity.
    """
    counts: dict[str, int] = {}
    with conn.transaction():
        day_start = datetime.combine(day, time(), tzinfo=UTC)
        counts["payment_partition.created"] = int(
            _create_payment_partition(conn, date(day.year, day.month, 1))
        )
        returned, late_payments = _return_rentals(conn, day, day_start, rng)
        counts["rental.returned"] = len(returned)
        new_rentals, rental_payments = _new_rentals(conn, day, rng)
        counts["rental.inserted"] = len(new_rentals)
        payments = sorted(late_payments + rental_payments)
        if payments:
            ids = conn.execute(
                "select nextval('payment_payment_id_seq') from generate_series(1, %s)",
                (len(payments),),
            ).fetchall()
            conn.cursor().executemany(
                "insert into payment (payment_id, customer_id, staff_id, rental_id, amount, "
                "payment_date) values (%s, %s, %s, %s, %s, %s)",
                [
                    (payment_id, customer, staff, rental, amount, paid_at)
                    for (payment_id,), (paid_at, rental, customer, staff, amount) in zip(
                        ids, payments, strict=True
                    )
                ],
            )
        counts["payment.inserted"] = len(payments)
        counts.update(_edit_reference_rows(conn, day, rng))
    return counts


def _return_rentals(
    conn: psycopg.Connection[Any], day: date, day_start: datetime, rng: random.Random
) -> tuple[list[int], list[tuple[Any, ...]]]:
    open_rentals = conn.execute(
        """
        select r.rental_id, r.rental_date, r.customer_id, r.staff_id,
               f.rental_duration, f.replacement_cost
        from rental as r
        inner join inventory as i on i.inventory_id = r.inventory_id
        inner join film as f on f.film_id = i.film_id
        where r.return_date is null
        order by r.rental_id
        """
    ).fetchall()
    returned: list[int] = []
    updates = []
    payments: list[tuple[Any, ...]] = []
    for rental_id, rented_at, customer_id, staff_id, duration, replacement_cost in open_rentals:
        days_out = (day_start - rented_at).total_seconds() / 86400
        if days_out > 30:
            chance = 0.03  # long lost; now and then one turns up
        elif days_out >= duration:
            chance = 0.55
        elif days_out >= 1:
            chance = 0.2
        else:
            chance = 0.05
        if rng.random() >= chance:
            continue
        returned_at = random_time_of_day(rng, day)
        returned.append(rental_id)
        updates.append((returned_at, returned_at, rental_id))
        days_late = _days_late(rented_at, returned_at, duration)
        if days_late > 0:
            fee = min(LATE_FEE_PER_DAY * days_late, replacement_cost)
            paid_at = returned_at + timedelta(seconds=rng.randint(0, 120))
            payments.append((paid_at, rental_id, customer_id, staff_id, fee))
    if updates:
        conn.cursor().executemany(
            "update rental set return_date = %s, last_update = %s where rental_id = %s", updates
        )
    return returned, payments


def _days_late(rented_at: datetime, returned_at: datetime, duration: int) -> int:
    over = (returned_at - rented_at).total_seconds() / 86400 - duration
    return max(0, int(-(-over // 1)))  # whole days started after the due date


def _new_rentals(
    conn: psycopg.Connection[Any], day: date, rng: random.Random
) -> tuple[list[int], list[tuple[Any, ...]]]:
    recent = conn.execute(
        "select count(*) from rental where rental_date > "
        "(select max(rental_date) from rental) - interval '28 days'"
    ).fetchone()
    per_day = (recent[0] if recent else 0) / 28
    count = max(1, round(per_day * rng.uniform(0.8, 1.2)))

    film_weights = dict(
        conn.execute(
            """
            select i.film_id, count(r.rental_id) + 1
            from inventory as i
            left join rental as r on r.inventory_id = i.inventory_id
            group by i.film_id
            order by i.film_id
            """
        ).fetchall()
    )
    free_copies: dict[tuple[int, int], list[int]] = defaultdict(list)
    for inventory_id, film_id, store_id in conn.execute(
        """
        select i.inventory_id, i.film_id, i.store_id
        from inventory as i
        where not exists (
            select from rental as r where r.inventory_id = i.inventory_id and r.return_date is null
        )
        order by i.inventory_id
        """
    ).fetchall():
        free_copies[(film_id, store_id)].append(inventory_id)
    customers = conn.execute(
        """
        select c.customer_id, c.store_id, count(r.rental_id) + 1
        from customer as c
        left join rental as r on r.customer_id = c.customer_id
        group by c.customer_id, c.store_id
        order by c.customer_id
        """
    ).fetchall()
    rates = dict(conn.execute("select film_id, rental_rate from film").fetchall())
    managers = dict(conn.execute("select store_id, manager_staff_id from store").fetchall())
    stores = sorted(managers)
    film_ids = sorted(film_weights)
    cumulative_films = _cumulative([float(film_weights[f]) for f in film_ids])
    cumulative_customers = _cumulative([float(row[2]) for row in customers])

    moments = sorted(random_time_of_day(rng, day) for _ in range(count))
    ids = conn.execute(
        "select nextval('rental_rental_id_seq') from generate_series(1, %s)", (len(moments),)
    ).fetchall()
    rentals = []
    payments: list[tuple[Any, ...]] = []
    for (rental_id,), moment in zip(ids, moments, strict=True):
        customer_id, store_id, _ = customers[_pick(rng, cumulative_customers)]
        if len(stores) > 1 and rng.random() < 0.15:
            store_id = rng.choice(stores)
        for _ in range(8):
            film_id = film_ids[_pick(rng, cumulative_films)]
            free = free_copies.get((film_id, store_id))
            if free:
                inventory_id = free.pop(rng.randrange(len(free)))
                break
        else:
            continue
        staff_id = managers[store_id]
        rentals.append((rental_id, moment, inventory_id, customer_id, None, staff_id, moment))
        paid_at = moment + timedelta(seconds=rng.randint(5, 400))
        payments.append((paid_at, rental_id, customer_id, staff_id, rates[film_id]))
    if rentals:
        copy_rows(conn, "rental", _COLUMNS["rental"], rentals)
    return [row[0] for row in rentals], payments


# Customers who move house each day (to another city): the warehouse keeps their history.
CUSTOMERS_MOVED_PER_DAY = 2


def _edit_reference_rows(
    conn: psycopg.Connection[Any], day: date, rng: random.Random
) -> dict[str, int]:
    """A few everyday edits of reference rows: e-mails, prices, phone numbers, and customers
    moving house."""
    customers = conn.execute(
        "select customer_id, first_name, last_name, email from customer order by customer_id"
    ).fetchall()
    edits = []
    picked = rng.sample(customers, min(len(customers), rng.randint(1, 3)))
    for customer_id, first, last, email in picked:
        domain = rng.choice(_names.EMAIL_DOMAINS)
        new_email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{domain}"
        if new_email == email:
            new_email = f"{first.lower()}.{last.lower()}@{domain}"
        edits.append((new_email, random_time_of_day(rng, day), customer_id))
    conn.cursor().executemany(
        "update customer set email = %s, last_update = %s where customer_id = %s", edits
    )

    film_ids = [row[0] for row in conn.execute("select film_id from film order by film_id")]
    film_edits = []
    for film_id in rng.sample(film_ids, min(len(film_ids), rng.randint(1, 2))):
        film_edits.append((rng.choice(RENTAL_RATES), random_time_of_day(rng, day), film_id))
    conn.cursor().executemany(
        "update film set rental_rate = %s, last_update = %s where film_id = %s", film_edits
    )

    addresses = [
        row[0]
        for row in conn.execute(
            "select address_id from address where address_id in "
            "(select address_id from customer) order by address_id"
        )
    ]
    address_edits = [
        (_digits(rng, rng.randint(10, 12)), random_time_of_day(rng, day), address_id)
        for address_id in rng.sample(addresses, min(len(addresses), 1))
    ]
    conn.cursor().executemany(
        "update address set phone = %s, last_update = %s where address_id = %s", address_edits
    )
    edited = {customer_id for _, _, customer_id in edits}
    moved = _move_customers(conn, day, rng, CUSTOMERS_MOVED_PER_DAY, edited)
    return {
        "customer.updated": len(edits),
        "film.updated": len(film_edits),
        "address.updated": len(address_edits),
        "customer.moved": moved,
    }


def _move_customers(
    conn: psycopg.Connection[Any],
    day: date,
    rng: random.Random,
    count: int,
    edited: set[int],
) -> int:
    """Move ``count`` customers, none of ``edited``, to a new address in another city, so that
    the warehouse's customer history (its snapshots) grows every day; returns how many moved."""
    customers = [
        (customer_id, city_id)
        for customer_id, city_id in conn.execute(
            "select c.customer_id, a.city_id from customer as c "
            "inner join address as a on a.address_id = c.address_id order by c.customer_id"
        ).fetchall()
        if customer_id not in edited
    ]
    cities = [row[0] for row in conn.execute("select city_id from city order by city_id")]
    moved = 0
    for customer_id, city_id in rng.sample(customers, min(len(customers), count)):
        other_cities = [city for city in cities if city != city_id]
        if not other_cities:
            continue
        moved_at = random_time_of_day(rng, day)
        street = (
            f"{rng.randint(1, 1999)} {rng.choice(_names.STREET_NAMES)} "
            f"{rng.choice(_names.STREET_SUFFIXES)}"
        )
        address = conn.execute(
            "insert into address (address, address2, district, city_id, postal_code, phone, "
            "last_update) values (%s, '', %s, %s, %s, %s, %s) returning address_id",
            (
                street,
                rng.choice(_names.DISTRICTS),
                rng.choice(other_cities),
                _digits(rng, 5),
                _digits(rng, 10),
                moved_at,
            ),
        ).fetchone()
        assert address is not None
        conn.execute(
            "update customer set address_id = %s, last_update = %s where customer_id = %s",
            (address[0], moved_at, customer_id),
        )
        moved += 1
    return moved
