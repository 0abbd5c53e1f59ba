"""A MySQL or MariaDB schema's tables as information_schema declares them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pymysql.connections import Connection

from .catalog import CatalogColumn, CatalogTable
from .errors import SourceError
from .mysql_types import MySQLColumn

__all__ = ["MySQLTable", "list_tables", "read_table_info"]


@dataclass(frozen=True)
class MySQLTable:
    schema: str
    name: str
    columns: tuple[MySQLColumn, ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> MySQLColumn | None:
        return next((c for c in self.columns if c.name == name), None)


# Each query reads one schema, or one table of it where `{table}` becomes a TABLE_NAME test.
_TABLES = """
select TABLE_NAME, TABLE_TYPE, TABLE_ROWS, TABLE_COMMENT
from information_schema.TABLES
where TABLE_SCHEMA = %s{table} and TABLE_TYPE in ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
"""
_COLUMNS = """
select TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE
from information_schema.COLUMNS
where TABLE_SCHEMA = %s{table}
order by TABLE_NAME, ORDINAL_POSITION
"""
_PRIMARY_KEYS = """
select TABLE_NAME, COLUMN_NAME
from information_schema.STATISTICS
where TABLE_SCHEMA = %s{table} and INDEX_NAME = 'PRIMARY'
order by TABLE_NAME, SEQ_IN_INDEX
"""
# MariaDB's JSON is a LONGTEXT with the check `json_valid(column)` (MySQL's is a type).
_JSON_CHECKS = """
select TABLE_NAME, CHECK_CLAUSE
from information_schema.CHECK_CONSTRAINTS
where CONSTRAINT_SCHEMA = %s{table}
"""
_JSON_CHECK = re.compile(r"json_valid\(`((?:[^`]|``)+)`\)")
_TEXT_TYPES = frozenset({"tinytext", "text", "mediumtext", "longtext"})


def _text(value: object) -> str:
    # MySQL 8 returns some information_schema columns with the binary character set.
    return value.decode() if isinstance(value, bytes) else str(value)


def _rows(connection: Connection, query: str, schema: str, table: str | None) -> list[tuple]:
    """A catalog query's rows for `schema`, or for one table of it. Names are compared again
    here: information_schema may compare them without regard to case."""
    params = (schema,) if table is None else (schema, table)
    sql = query.format(table="" if table is None else " and TABLE_NAME = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(_text(v) if isinstance(v, bytes) else v for v in row) for row in cursor]
    return [row for row in rows if table is None or row[0] == table]


def _columns(
    connection: Connection, schema: str, table: str | None
) -> dict[str, list[MySQLColumn]]:
    json_columns = set()
    if "mariadb" in connection.get_server_info().lower():
        for table_name, clause in _rows(connection, _JSON_CHECKS, schema, table):
            found = _JSON_CHECK.fullmatch(_text(clause).strip())
            if found:
                json_columns.add((table_name, found.group(1).replace("``", "`")))
    columns: dict[str, list[MySQLColumn]] = {}
    for table_name, name, data_type, declared, precision, scale in _rows(
        connection, _COLUMNS, schema, table
    ):
        kind = _text(data_type).lower()
        if kind in _TEXT_TYPES and (table_name, name) in json_columns:
            kind = "json"
        columns.setdefault(table_name, []).append(
            MySQLColumn(
                name=name,
                declared=_text(declared),
                data_type=kind,
                precision=None if precision is None else int(precision),
                scale=None if scale is None else int(scale),
                unsigned="unsigned" in _text(declared).lower(),
            )
        )
    return columns


def _primary_keys(
    connection: Connection, schema: str, table: str | None
) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for table_name, column in _rows(connection, _PRIMARY_KEYS, schema, table):
        keys[table_name] = (*keys.get(table_name, ()), column)
    return keys


def _current_database(connection: Connection) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("select database()")
        (database,) = cursor.fetchone() or (None,)
    return None if database is None else _text(database)


def _schema(connection: Connection, schema: str | None, variable: str) -> str:
    if schema is not None:
        return schema
    database = _current_database(connection)
    if database is None:
        raise SourceError(
            f"{variable}: the URL names no database; add it (mysql://user@host/dbname) or set "
            "schema: in sources.yml"
        )
    return database


def list_tables(connection: Connection, schema: str | None, variable: str) -> list[CatalogTable]:
    """Every base table and view of `schema` (None: the URL's database) with its columns, key
    and estimated rows."""
    schema = _schema(connection, schema, variable)
    tables = _rows(connection, _TABLES, schema, None)
    if not tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "select 1 from information_schema.SCHEMATA where SCHEMA_NAME = %s", (schema,)
            )
            if cursor.fetchone() is None:
                raise SourceError(
                    f"{variable}: schema {schema!r} not found (the URL's database is "
                    f"{_current_database(connection)!r}); set schema: in sources.yml, or fix "
                    "the URL"
                )
    columns = _columns(connection, schema, None)
    keys = _primary_keys(connection, schema, None)
    catalog = []
    for name, kind, estimated_rows, comment in sorted(tables):
        is_base_table = kind != "VIEW"
        catalog.append(
            CatalogTable(
                name=name,
                columns=tuple(
                    CatalogColumn(c.name, c.declared, orderable=c.orderable, temporal=c.temporal)
                    for c in columns.get(name, [])
                ),
                primary_key=keys.get(name, ()),
                estimated_rows=None if estimated_rows is None else int(estimated_rows),
                is_base_table=is_base_table,
                # information_schema gives every view the comment "VIEW".
                comment=_text(comment or "") if is_base_table else "",
            )
        )
    return catalog


def read_table_info(
    connection: Connection, schema: str | None, table: str, variable: str
) -> MySQLTable:
    """Columns and key of one table or view."""
    schema = _schema(connection, schema, variable)
    columns = _columns(connection, schema, table).get(table)
    if not columns:
        raise SourceError(
            f"{variable}: table {schema}.{table} not found (the URL's database is "
            f"{_current_database(connection)!r}); check the URL, or the source's schema and "
            "tables in sources.yml"
        )
    keys = _primary_keys(connection, schema, table)
    return MySQLTable(schema, table, tuple(columns), keys.get(table, ()))
