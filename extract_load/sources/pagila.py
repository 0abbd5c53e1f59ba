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
        TableSpec("actor"),
        TableSpec("address"),
        TableSpec("category"),
        TableSpec("city"),
        TableSpec("country"),
        TableSpec("customer"),
        TableSpec("film"),
        TableSpec("film_actor"),
        TableSpec("film_category"),
        TableSpec("inventory"),
        TableSpec("language"),
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
        TableSpec("staff", exclude_columns=("password",)),
        TableSpec("store"),
    ),
)
