"""A real MariaDB server for the MySQL source's tests: a private one in a temporary folder
(`mariadb-install-db` and `mariadbd`, on a unix socket, no network), or the server that
ELT_TEST_MYSQL_URL names (a user that may create and drop databases)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest

from demo_sources.mariadb import HOW_TO_INSTALL, admin_connection, mariadb_binaries, private_mariadb

__all__ = ["admin_connection", "mysql_server", "new_mysql_database"]

# The private server runs in a zone that is not UTC, so that every test shows that TIMESTAMP
# values are read exactly whatever the server's zone.
SERVER_TIME_ZONE = "+05:30"
_HOW_TO_ENABLE = (
    "no MariaDB server binary (mariadbd) found and ELT_TEST_MYSQL_URL is unset: run "
    f"`{HOW_TO_INSTALL}` (the tests start a private server, never the system's), "
    "or set ELT_TEST_MYSQL_URL=mysql://user:password@host:3306/ to a server where the tests "
    "may create databases"
)


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[str]:
    """A `mysql://` URL (no database) of a server where the tests may create databases."""
    url = os.environ.get("ELT_TEST_MYSQL_URL")
    if url:
        yield url
        return
    if mariadb_binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(_HOW_TO_ENABLE + " (CI=true: never skipped in CI)")
        pytest.skip(_HOW_TO_ENABLE)
    folder = Path(tempfile.mkdtemp(prefix="elt-mysql-", dir="/tmp"))
    try:
        with private_mariadb(folder, time_zone=SERVER_TIME_ZONE) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def with_database(url: str, database: str) -> str:
    """The same server's URL with another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@pytest.fixture
def new_mysql_database(mysql_server: str) -> Iterator[str]:
    """The URL of a fresh, empty database on the test server, dropped after the test."""
    database = f"elt_test_{uuid.uuid4().hex[:8]}"
    with admin_connection(mysql_server) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    try:
        yield with_database(mysql_server, database)
    finally:
        with admin_connection(mysql_server) as connection, connection.cursor() as cursor:
            # A read the test left open would hold a lock that DROP DATABASE waits for.
            cursor.execute(
                "SELECT ID FROM information_schema.PROCESSLIST "
                "WHERE DB = %s AND ID <> connection_id()",
                (database,),
            )
            for (thread,) in cursor.fetchall():
                with contextlib.suppress(pymysql.err.OperationalError):  # it ended meanwhile
                    cursor.execute(f"KILL {int(thread)}")
            cursor.execute("SET SESSION lock_wait_timeout = 30")
            cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
