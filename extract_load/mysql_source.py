"""Reading a MySQL or MariaDB source: connections, incremental filters, and Arrow reads of a
table (the catalog is in mysql_catalog.py, the types in mysql_types.py).

PyMySQL is used directly rather than through SQLAlchemy: with its decoders off, a streaming
(unbuffered) cursor hands over the server's text, which Arrow parses into exact types in bulk,
twice as fast as PyMySQL's own conversions or SQLAlchemy's rows. SQLAlchemy parses the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pymysql
import pymysql.connections
import pymysql.converters
from pymysql.constants import CR, ER
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigError, SourceError
from .mysql_catalog import MySQLTable, list_tables, read_table_info
from .mysql_read import CountingConnection, MySQLRead, error_reason
from .mysql_types import MySQLColumn, column_read, quote_mysql
from .settings import redact_url

__all__ = [
    "MySQLColumn",
    "MySQLRead",
    "MySQLTable",
    "check_mysql",
    "connect_mysql",
    "incremental_filter",
    "list_tables",
    "open_read",
    "read_table_info",
]

log = logging.getLogger("extract_load.mysql")

_SCHEMES = ("mysql", "mysql+pymysql", "mariadb", "mariadb+pymysql")
# URL query parameters passed on to PyMySQL; anything else is a mistake in the URL.
_URL_OPTIONS: dict[str, Callable[[str], object]] = {
    "unix_socket": str,
    "connect_timeout": int,
    "ssl_ca": str,
    "ssl_cert": str,
    "ssl_key": str,
    "ssl_verify_cert": lambda v: v.lower() in ("1", "true", "yes"),
    "ssl_verify_identity": lambda v: v.lower() in ("1", "true", "yes"),
    "charset": str,  # accepted for other tools' URLs; the loader always speaks utf8mb4
}
# Session settings the reads rely on. TIMESTAMP values pass through the session's zone: in UTC
# they are exact whatever the server's zone. An empty sql_mode rejects no zero date and keeps
# backslash escapes, which PyMySQL's quoting uses. The streaming reader may pause between
# batches while the warehouse writes: allow it.
_SESSION = (
    "SET NAMES utf8mb4",
    "SET SESSION time_zone = '+00:00'",
    "SET SESSION sql_mode = ''",
    "SET SESSION net_write_timeout = 3600",
)
_READ_ONLY = "SET SESSION TRANSACTION READ ONLY"
# PyMySQL's encoders (for parameters) without its decoders: values arrive as the server's text.
_RAW_TEXT = dict(pymysql.converters.encoders)
_FIXES = {
    ER.ACCESS_DENIED_ERROR: "check the user and password in the URL",
    ER.DBACCESS_DENIED_ERROR: "grant the user access to the database, or fix the URL",
    ER.BAD_DB_ERROR: "create the database, or fix its name in the URL",
    CR.CR_CONN_HOST_ERROR: "check that the server is running, and the URL's host and port",
    CR.CR_CONNECTION_ERROR: "check that the server is running, and the URL's unix_socket",
}


def _arguments(url: str, variable: str) -> dict[str, Any]:
    """PyMySQL's connection arguments from a `mysql://user:password@host:port/db?...` URL."""
    shown = redact_url(url)
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError) as error:
        raise SourceError(
            f"{variable}: {shown} is not a valid MySQL URL ({error}); write it as "
            "mysql://user:password@host:3306/dbname"
        ) from None
    if parsed.drivername not in _SCHEMES:
        raise SourceError(
            f"{variable}: {shown} is not a MySQL URL; write it as "
            "mysql://user:password@host:3306/dbname"
        )
    arguments: dict[str, Any] = {
        "host": parsed.host or "localhost",
        "port": port or 3306,
        "user": parsed.username or "",
        "password": parsed.password or "",
        "database": parsed.database or None,
        "connect_timeout": 15,
    }
    ssl: dict[str, Any] = {}
    for key, value in parsed.query.items():
        if key not in _URL_OPTIONS or not isinstance(value, str):
            known = ", ".join(sorted(_URL_OPTIONS))
            raise SourceError(
                f"{variable}: {shown}: unknown or repeated URL parameter {key!r}; the loader "
                f"knows {known}"
            )
        try:
            converted = _URL_OPTIONS[key](value)
        except ValueError:
            raise SourceError(f"{variable}: {shown}: {key}={value!r} is not valid") from None
        if key.startswith("ssl_"):
            ssl[key.removeprefix("ssl_")] = converted
        elif key != "charset":
            arguments[key] = converted
    if ssl:
        arguments["ssl"] = ssl
    return arguments


def _open(url: str, variable: str, raw_text: bool) -> CountingConnection:
    arguments = _arguments(url, variable)
    try:
        connection = CountingConnection(
            **arguments,
            charset="utf8mb4",
            autocommit=True,
            local_infile=False,
            conv=_RAW_TEXT if raw_text else None,  # type: ignore[arg-type]  # stubs: too narrow
        )
    except pymysql.err.MySQLError as error:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else -1
        fix = _FIXES.get(code, "check the URL, the server and the credentials")
        raise SourceError(
            f"{variable}: cannot connect to {redact_url(url)} ({error_reason(error)}); {fix}"
        ) from error
    try:
        with connection.cursor() as cursor:
            for statement in _SESSION:
                cursor.execute(statement)
            try:
                cursor.execute(_READ_ONLY)
            except pymysql.err.MySQLError as error:  # a proxy or an old server refuses it
                log.debug("%s: read-only session refused (%s)", variable, error_reason(error))
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def connect_mysql(url: str, variable: str) -> Iterator[pymysql.connections.Connection]:
    """A read-only connection in UTC with the session settings the reads rely on."""
    connection = _open(url, variable, raw_text=False)
    try:
        yield connection
    finally:
        if connection.open:
            connection.close()


def check_mysql(url: str, variable: str) -> None:
    """Fail fast, with one line naming the variable, if the source cannot be reached."""
    with connect_mysql(url, variable):
        pass


def _cursor_value(column: MySQLColumn, text: str) -> int | date | datetime:
    """The warehouse's text of max(cursor) as a parameter: an int, or a naive UTC date/time."""
    value = text.strip()
    if column.data_type not in ("date", "datetime", "timestamp"):
        return int(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:  # a TIMESTAMP lands as timestamptz; the session is UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def incremental_filter(
    column: MySQLColumn, cursor_before: str, lookback: timedelta
) -> tuple[str, tuple]:
    """`column >= cursor_before - lookback` (lookback ignored for integers), as SQL with `%s`
    placeholders (a literal `%` written `%%`) and its parameters."""
    if not column.orderable:
        raise ConfigError(
            f"cursor column {column.name!r} is {column.declared}; use a timestamp, date or "
            "integer column"
        )
    try:
        value = _cursor_value(column, cursor_before)
    except ValueError:
        raise ConfigError(
            f"cursor column {column.name!r}: the warehouse's last cursor value "
            f"{cursor_before!r} cannot be read as {column.declared}; reload the table in full"
        ) from None
    if isinstance(value, datetime):
        try:
            value = value - lookback
        except OverflowError:
            value = datetime.min
        if column.data_type == "date":
            # date >= a time of day: the next whole day.
            day = value.date()
            value = day if value.time() == datetime.min.time() else day + timedelta(days=1)
    return f"{quote_mysql(column.name).replace('%', '%%')} >= %s", (value,)


def open_read(
    url: str,
    variable: str,
    table: MySQLTable,
    columns: Sequence[str],
    where: tuple[str, tuple] | None,
    batch_rows: int = 50_000,
) -> MySQLRead:
    """Start `SELECT columns FROM schema.table [WHERE ...]` on a connection of its own.

    `where` is SQL with `%s` placeholders (a literal `%` written `%%`) and its parameters, as
    `incremental_filter` makes it. A column with no exact mapping is named in a warning.
    """
    reads = []
    for name in columns:
        column = table.column(name)
        if column is None:
            raise ConfigError(f"{table.schema}.{table.name} has no column {name!r}")
        read = column_read(column)
        if read.warning:
            log.warning("%s.%s: column %r %s", table.schema, table.name, name, read.warning)
        reads.append(read)
    select = ", ".join(read.select for read in reads)
    source = f"{quote_mysql(table.schema)}.{quote_mysql(table.name)}"
    # Names may hold `%`: PyMySQL fills the placeholders with Python's % operator.
    query = f"SELECT {select} FROM {source}".replace("%", "%%")
    params: tuple = ()
    if where is not None:
        query += f" WHERE {where[0]}"
        params = tuple(where[1])
    connection = _open(url, variable, raw_text=True)
    return MySQLRead(connection, variable, table, reads, (query, params), batch_rows)
