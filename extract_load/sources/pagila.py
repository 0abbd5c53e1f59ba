"""pagila: the public DVD-rental sample, a PostgreSQL OLTP database (PAGILA_URL)."""

from __future__ import annotations

from ..tables import SourceSpec, TableSpec

__all__ = ["PAGILA"]

PAGILA = SourceSpec(
    name="pagila",
    url_env="PAGILA_URL",
    demo_database="pagila",
    description="DVD rental shop (the public pagila sample)",
    tables=(
        TableSpec("actor", primary_key=("actor_id",)),
        TableSpec("address", primary_key=("address_id",)),
        TableSpec("category", primary_key=("category_id",)),
        TableSpec("city", primary_key=("city_id",)),
        TableSpec("country", primary_key=("country_id",)),
        TableSpec("customer", primary_key=("customer_id",)),
        TableSpec("film", primary_key=("film_id",)),
        TableSpec("film_actor", primary_key=("actor_id", "film_id")),
        TableSpec("film_category", primary_key=("film_id", "category_id")),
        TableSpec("inventory", primary_key=("inventory_id",)),
        TableSpec("language", primary_key=("language_id",)),
        # Range-partitioned by month: read through the parent, never the partitions.
        TableSpec(
            "payment",
            mode="incremental",
            primary_key=("payment_date", "payment_id"),
            cursor_column="payment_date",
        ),
        TableSpec(
            "rental",
            mode="incremental",
            primary_key=("rental_id",),
            cursor_column="last_update",
        ),
        TableSpec("staff", primary_key=("staff_id",), exclude_columns=("password",)),
        TableSpec("store", primary_key=("store_id",)),
    ),
)
