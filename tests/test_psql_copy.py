"""The psql processes that run the loaders' COPY streams: errors, secrets, and early exits."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from extract_load import ConfigError
from extract_load.faults import is_transient
from extract_load.psql_copy import CopyFailed, PsqlCopy, error_from_psql, find_psql

PSQL_ERRORS = [
    (
        'ERROR:  42P01: relation "public.nope" does not exist\nLOCATION:  parserOpenTable',
        psycopg.errors.UndefinedTable,
        False,
    ),
    (
        "FATAL:  57P01: terminating connection due to administrator command\n"
        "server closed the connection unexpectedly",
        psycopg.errors.AdminShutdown,
        True,
    ),
    (  # as psql prints it for a script on stdin: file and line first
        "psql:<stdin>:8: FATAL:  57P01: terminating connection due to administrator command",
        psycopg.errors.AdminShutdown,
        True,
    ),
    (
        "FEHLER:  57P01: Verbindung wird abgebrochen aufgrund von Anweisung des Administrators",
        psycopg.errors.AdminShutdown,
        True,
    ),
    (
        'psql: error: connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: '
        "No such file or directory",
        psycopg.OperationalError,
        True,
    ),
    (
        'psql: error: connection to server at "db" (10.0.0.1), port 5432 failed: FATAL:  '
        '28P01: password authentication failed for user "loader"',
        psycopg.errors.InvalidPassword,
        False,
    ),
]


@pytest.mark.parametrize(("stderr", "error_class", "transient"), PSQL_ERRORS)
def test_psql_errors_become_the_errors_a_connection_raises(stderr, error_class, transient):
    error = error_from_psql(stderr, 1)
    assert type(error) is error_class
    assert is_transient(error) is transient


def test_a_psql_that_died_silently_is_a_failure():
    error = error_from_psql("", -9)
    assert isinstance(error, CopyFailed) and "-9" in str(error)


def test_a_psql_that_is_not_there_is_named():
    with pytest.raises(ConfigError, match="ELT_PSQL"):
        find_psql("/nowhere/psql")
    assert Path(find_psql()).name == "psql"


def _table_url(new_database, name: str) -> str:
    url = new_database(name)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("drop table if exists copied")
        connection.execute("create table copied (n integer)")
    return url


def test_the_password_is_never_on_psqls_command_line(new_database):
    url = _table_url(new_database, "psql_secret")
    params = conninfo_to_dict(url)
    params["password"] = "pa ss'word-7f3a"  # the test server trusts; the password is unused
    with PsqlCopy(
        find_psql(),
        make_conninfo(**params),
        "COPY (SELECT n FROM generate_series(1, 3000000) AS n) TO STDOUT",
    ) as copy:
        process = copy._process
        assert process is not None
        # psql blocks on its full pipe until read, so it is alive here; a loaded machine may
        # show an empty command line for a moment around exec.
        deadline = time.monotonic() + 10
        command_line = b""
        while not command_line and time.monotonic() < deadline:
            command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            time.sleep(0.05)
        environment = Path(f"/proc/{process.pid}/environ").read_bytes()
        while copy.data.read(1 << 20):
            pass
        assert copy.finish() == 3_000_000
    assert b"pa ss'word" not in command_line and b"psql_secret" in command_line
    assert b"PGPASSWORD=pa ss'word-7f3a" in environment


def test_a_failing_copy_raises_the_servers_error(new_database):
    url = _table_url(new_database, "psql_failing")
    with PsqlCopy(find_psql(), url, "COPY (SELECT * FROM nope) TO STDOUT") as copy:
        assert copy.data.read() == b""
        with pytest.raises(psycopg.errors.UndefinedTable, match="nope"):
            copy.finish()


def test_a_psql_that_cannot_start_leaves_no_cancel_hook_behind(new_database):
    """A cancelled load kills its psql processes through hooks; one that never started must
    not leave its hook (with its files) on the load for the rest of the run."""
    from extract_load.cancel import Cancellation

    cancellation = Cancellation()
    with cancellation.watching():
        with (
            pytest.raises(OSError),
            PsqlCopy("/nowhere/psql", new_database("x"), "COPY x TO STDOUT"),
        ):
            pass
        assert cancellation._hooks == []
