"""Which failures are worth retrying: passing faults (a dropped connection, a server restarting)
are; the others (a wrong password, a missing table, a malformed URL) fail at once."""

from __future__ import annotations

import sys

__all__ = ["ConnectionFault", "is_transient"]


class ConnectionFault(Exception):
    """A failure that a client reports in libpq's words, with no SQLSTATE (psql killed, a read
    through DuckDB's PostgreSQL extension cut): it passes when the words are a lost
    connection's, as a psycopg OperationalError's do."""


# SQLSTATE classes and codes of faults that pass: the connection, the server's state, load.
_TRANSIENT_CLASSES = ("08",)  # connection exception
_TRANSIENT_CODES = {
    "57P01",  # admin_shutdown: the server is stopping or a DBA ended the session
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: the server is starting
    "53300",  # too_many_connections
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
}
# Connection failures with no SQLSTATE that a restart or a network blip causes.
_TRANSIENT_MESSAGES = (
    "server closed the connection unexpectedly",
    "connection refused",
    "could not receive data from server",
    "could not send data to server",
    "consuming input failed",
    "the database system is starting up",
    "the database system is shutting down",
    "terminating connection",
    "connection timeout expired",
    "no such file or directory",  # the socket of a server that is restarting
    "the connection is closed",
    "the connection is lost",
    "connection socket closed",  # a warehouse connection cut while COPY was writing to it
)


# MySQL/MariaDB error numbers of faults that pass (client 2xxx, server 1xxx).
_MYSQL_TRANSIENT = {
    2002,  # can't connect through the socket (a server restarting)
    2003,  # can't connect to the server
    2006,  # server has gone away
    2013,  # lost connection during query
    2055,  # lost connection at reading
    1040,  # too many connections
    1053,  # server shutdown in progress
    1205,  # lock wait timeout
    1213,  # deadlock
}


def _mysql_transient(error: BaseException) -> bool | None:
    """For a PyMySQL error, whether it passes; None for any other error."""
    pymysql = sys.modules.get("pymysql")  # not imported: no PyMySQL error can exist
    if pymysql is None or not isinstance(error, pymysql.err.MySQLError):
        return None
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    return code in _MYSQL_TRANSIENT


def _lost_connection(error: BaseException) -> bool:
    text = str(error).lower()
    return any(message in text for message in _TRANSIENT_MESSAGES)


def is_transient(error: BaseException) -> bool:
    """True for a fault that a later attempt may not meet; follows the `__cause__` chain."""
    seen: BaseException | None = error
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:  # `raise e from e` makes a loop
        visited.add(id(seen))
        verdict = _mysql_transient(seen)
        if verdict is not None:
            return verdict
        if isinstance(seen, ConnectionFault):
            return _lost_connection(seen)
        psycopg = sys.modules.get("psycopg")  # not imported: no psycopg error can exist
        if psycopg is not None and isinstance(seen, psycopg.Error):
            code = seen.sqlstate
            if code is not None:
                return code.startswith(_TRANSIENT_CLASSES) or code in _TRANSIENT_CODES
            if isinstance(seen, psycopg.OperationalError | psycopg.InterfaceError):
                return _lost_connection(seen)
        seen = seen.__cause__
    return False
