"""Reading whole tables from a source and from a warehouse, in one comparable form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import psycopg
from psycopg import sql

METADATA = ("_loaded_at", "_batch_id", "_deleted_at")  # written by the loader


def normalise(value: Any) -> Any:
    """One form for values that are equal but typed differently by the two drivers."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


def source_columns(url: str, table: str, schema: str = "public") -> dict[str, str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute as a "
            "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            (f'"{schema}"."{table}"',),
        ).fetchall()
    return dict(rows)


def source_rows(
    url: str, table: str, columns: Sequence[str], schema: str = "public"
) -> list[tuple[Any, ...]]:
    """Rows as the source has them; char(n) padding removed, as a reader of the text sees it."""
    types = source_columns(url, table, schema)
    with psycopg.connect(url) as connection:
        connection.execute("set timezone = 'UTC'")
        rows = connection.execute(
            sql.SQL("select {} from {}.{}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
        ).fetchall()
    padded = [i for i, c in enumerate(columns) if types[c].startswith("character(")]
    result = []
    for row in rows:
        values = [normalise(v) for v in row]
        for i in padded:
            if values[i] is not None:
                values[i] = values[i].rstrip(" ")
        result.append(tuple(values))
    return _sorted(result)


def warehouse_query(env: Mapping[str, str], query: str) -> list[tuple[Any, ...]]:
    if env["ELT_WAREHOUSE"] == "duckdb":
        connection = duckdb.connect(env["ELT_DUCKDB_PATH"], read_only=True)
        try:
            connection.execute("SET TimeZone = 'UTC'")
            return connection.execute(query).fetchall()
        finally:
            connection.close()
    with psycopg.connect(env["ELT_POSTGRES_URL"]) as connection:
        connection.execute("set timezone = 'UTC'")
        return connection.execute(query).fetchall()  # type: ignore[arg-type]


def warehouse_columns(env: Mapping[str, str], schema: str, table: str) -> list[str]:
    rows = warehouse_query(
        env,
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position",
    )
    return [name for (name,) in rows]


def warehouse_rows(
    env: Mapping[str, str], schema: str, table: str, columns: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    if columns is None:
        columns = [c for c in warehouse_columns(env, schema, table) if c not in METADATA]
    select = ", ".join(f'"{c}"' for c in columns)
    rows = warehouse_query(env, f'select {select} from "{schema}"."{table}"')
    return _sorted([tuple(normalise(v) for v in row) for row in rows])


def table_checksum(env: Mapping[str, str], schema: str, table: str) -> list[tuple[Any, ...]]:
    """Every column, metadata included: equal lists mean an untouched table."""
    return warehouse_rows(env, schema, table, warehouse_columns(env, schema, table))
