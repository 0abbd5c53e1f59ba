"""A real MariaDB server for the MySQL source's tests: a private one in a temporary folder
(`mariadb-install-db` and `mariadbd`, on a unix socket, no network), or the server that
ELT_TEST_MYSQL_URL names (a user that may create and drop databases)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest
from sqlalchemy.engine import make_url

__all__ = ["admin_connection", "mysql_server", "new_mysql_database"]

# The private server runs in a zone that is not UTC, so that every test shows that TIMESTAMP
# values are read exactly whatever the server's zone.
SERVER_TIME_ZONE = "+05:30"
_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"]
)
_HOW_TO_ENABLE = (
    "no MariaDB server binary (mariadbd) found and ELT_TEST_MYSQL_URL is unset: run "
    "`apt-get install mariadb-server` (the tests start a private server, never the system's), "
    "or set ELT_TEST_MYSQL_URL=mysql://user:password@host:3306/ to a server where the tests "
    "may create databases"
)


def admin_connection(url: str, **options) -> pymysql.Connection:
    """A plain read-write PyMySQL connection for building test data (not the loader's)."""
    parsed = make_url(url)
    return pymysql.connect(
        host=parsed.host or "localhost",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=parsed.database or None,
        unix_socket=parsed.query.get("unix_socket"),
        charset="utf8mb4",
        autocommit=True,
        **options,
    )


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name, path=_SEARCH_PATH)
        if found:
            return found
    return None


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"mariadbd exited with code {process.returncode}:\n{tail}")
        try:
            admin_connection(url, connect_timeout=2).close()
            return
        except pymysql.err.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[str]:
    """A `mysql://` URL (no database) of a server where the tests may create databases."""
    url = os.environ.get("ELT_TEST_MYSQL_URL")
    if url:
        yield url
        return
    server = _binary("mariadbd", "mysqld")
    install = _binary("mariadb-install-db", "mysql_install_db")
    if server is None or install is None:
        if os.environ.get("CI") == "true":
            pytest.fail(_HOW_TO_ENABLE + " (CI=true: never skipped in CI)")
        pytest.skip(_HOW_TO_ENABLE)
    folder = Path(tempfile.mkdtemp(prefix="elt-mysql-", dir="/tmp"))
    data, socket, log = folder / "data", folder / "mysql.sock", folder / "server.log"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_root,
        ],
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            server,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={socket}",
            f"--pid-file={folder / 'mysql.pid'}",
            f"--log-error={log}",
            "--skip-networking",
            f"--default-time-zone={SERVER_TIME_ZONE}",
            "--innodb-buffer-pool-size=64M",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"mysql://root@localhost/?unix_socket={socket}"
    try:
        _wait_until_ready(process, url, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
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
