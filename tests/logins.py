"""Logins with passwords that the tests' own embedded server really checks."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

PASSWORD = "Kn0wn-S3cret-xyz"
WRONG_PASSWORD = "Wr0ng-S3cret-abc"


def as_login(url: str, user: str, password: str | None = PASSWORD) -> str:
    """The same server and database, as another user (with a password)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def query(url: str, statement: str, params: tuple | None = None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


@contextlib.contextmanager
def password_authentication(admin_url: str, logins: list[str]) -> Iterator[bool]:
    """scram-sha-256 for these logins on the tests' embedded server; yields whether it is on.

    Only the embedded server the tests started is touched (never ELT_TEST_POSTGRES_URL's), and
    only for these role names; the file is restored afterwards."""
    hba = Path(query(admin_url, "show hba_file")[0][0])
    if os.environ.get("ELT_TEST_POSTGRES_URL") or not os.access(hba, os.W_OK):
        yield False
        return
    original = hba.read_text()
    lines = "".join(
        f"local all {login} scram-sha-256\nhost all {login} all scram-sha-256\n" for login in logins
    )
    hba.write_text(lines + original)
    try:
        query(admin_url, "select pg_reload_conf()")
        assert not query(admin_url, "select error from pg_hba_file_rules where error is not null")
        deadline = time.monotonic() + 10
        while True:  # the reload is asynchronous: wait until a wrong password is refused
            try:
                psycopg.connect(as_login(admin_url, logins[0], WRONG_PASSWORD)).close()
            except psycopg.OperationalError:
                break
            assert time.monotonic() < deadline, "password authentication did not take effect"
            time.sleep(0.1)
        yield True
    finally:
        hba.write_text(original)
        query(admin_url, "select pg_reload_conf()")
