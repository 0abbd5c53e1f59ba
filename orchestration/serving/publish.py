"""Write, audit, publish: analysts read a published copy of the marts, replaced only after a
dbt build whose every test passed.

dbt builds and tests the `marts` schema; that is where the pipeline writes. The published copy
is schema `analytics`: on PostgreSQL in the same database, switched in one transaction; on DuckDB
in a file of its own (ELT_PUBLISHED_DUCKDB_PATH), written beside and renamed over the old one, so
analysts' queries never hold the pipeline's lock and never see a half-written file; on Spark,
views pointed at a whole new copy of the marts (dbt_project/macros/publish.sql).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg

from extract_load import Settings
from extract_load.identifiers import qualified, quote_ident
from extract_load.schemas import MARTS_SCHEMA, PUBLISHED_SCHEMA
from extract_load.settings import redact_url
from extract_load.warehouse.duckdb import connect_waiting_for_lock

from .roles import ANALYST_ROLE

__all__ = ["Published", "analyst_location", "publish_marts"]


@dataclass(frozen=True)
class Published:
    tables: dict[str, int]  # table -> rows
    location: str


def published_duckdb_path(settings: Settings) -> Path:
    if settings.published_duckdb_path is not None:
        return settings.published_duckdb_path
    return settings.duckdb_path.with_name(settings.duckdb_path.stem + ".published.duckdb")


def analyst_location(settings: Settings) -> str:
    """Where analysts connect, in words."""
    if settings.warehouse == "duckdb":
        return (
            f"DuckDB file {published_duckdb_path(settings)} (open it read-only), "
            f"schema {PUBLISHED_SCHEMA}"
        )
    if settings.warehouse == "spark":
        return f"Spark (the profile's spark target), schema {PUBLISHED_SCHEMA} (views)"
    return (
        f"PostgreSQL {redact_url(settings.transformer.url if settings.transformer else '')}, "
        f"schema {PUBLISHED_SCHEMA} "
        f"(role {ANALYST_ROLE})"
    )


def publish_marts(settings: Settings) -> Published:
    """Copy every table of the marts into the published schema, all or nothing."""
    if settings.warehouse == "duckdb":
        tables = _publish_duckdb(settings)
    elif settings.warehouse == "spark":
        from ..spark import publish_spark

        tables = publish_spark(MARTS_SCHEMA, PUBLISHED_SCHEMA)
    else:
        tables = _publish_postgres(settings)
    return Published(tables, analyst_location(settings))


def _publish_duckdb(settings: Settings) -> dict[str, int]:
    target = published_duckdb_path(settings)
    scratch = target.with_name(target.name + ".next")
    scratch.unlink(missing_ok=True)
    connection = connect_waiting_for_lock(settings.duckdb_path, settings.duckdb_lock_wait_seconds)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                "AND table_catalog = current_database() AND table_type = 'BASE TABLE' "
                "ORDER BY table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        connection.execute(f"ATTACH '{scratch}' AS published")
        connection.execute(f"CREATE SCHEMA published.{quote_ident(PUBLISHED_SCHEMA)}")
        counts = {}
        for table in tables:
            connection.execute(
                f"CREATE TABLE published.{qualified(PUBLISHED_SCHEMA, table)} AS "
                f"SELECT * FROM {qualified(MARTS_SCHEMA, table)}"
            )
            counted = connection.execute(
                f"SELECT count(*) FROM published.{qualified(PUBLISHED_SCHEMA, table)}"
            ).fetchone()
            counts[table] = counted[0] if counted else 0
        connection.execute("DETACH published")
    finally:
        connection.close()
    os.replace(scratch, target)  # atomic: readers see the old file or the new one
    return counts


def _publish_postgres(settings: Settings) -> dict[str, int]:
    assert settings.transformer, "Settings.from_env() checks this"
    published = quote_ident(PUBLISHED_SCHEMA)
    with (
        psycopg.connect(settings.transformer.url, autocommit=True) as connection,
        connection.transaction(),
    ):
        # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists;
        # with `elt warehouse init` it does, owned by the transformer.
        exists = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (PUBLISHED_SCHEMA,)
        ).fetchone()
        if exists is None:
            connection.execute(f"CREATE SCHEMA {published}")
        built = _columns(connection, MARTS_SCHEMA)
        current = _columns(connection, PUBLISHED_SCHEMA)
        has_analyst = (
            connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (ANALYST_ROLE,)
            ).fetchone()
            is not None
        )
        for table in current.keys() - built.keys():
            connection.execute(f"DROP TABLE {qualified(PUBLISHED_SCHEMA, table)}")
        counts = {}
        for table, columns in sorted(built.items()):
            target = qualified(PUBLISHED_SCHEMA, table)
            source = qualified(MARTS_SCHEMA, table)
            if current.get(table) == columns:
                # Same shape: refill in place, so that readers keep the same table and
                # wait for the commit rather than lose it under them.
                connection.execute(f"TRUNCATE {target}")
                connection.execute(f"INSERT INTO {target} SELECT * FROM {source}")
            else:
                connection.execute(f"DROP TABLE IF EXISTS {target}")
                connection.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
            counted = connection.execute(f"SELECT count(*) FROM {target}").fetchone()
            counts[table] = counted[0] if counted else 0
        if has_analyst:
            role = quote_ident(ANALYST_ROLE)
            connection.execute(f"GRANT USAGE ON SCHEMA {published} TO {role}")
            connection.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {published} TO {role}")
    return counts


def _columns(connection: psycopg.Connection, schema: str) -> dict[str, list[tuple[str, str]]]:
    rows = connection.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
        "FROM pg_class AS c INNER JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 "
        "AND NOT a.attisdropped WHERE n.nspname = %s AND c.relkind = 'r' "
        "ORDER BY c.relname, a.attnum",
        (schema,),
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables
