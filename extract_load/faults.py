"""Which failures are worth retrying: passing faults (a dropped connection, a server restarting)
are; the others (a wrong password, a missing table, a malformed URL) fail at once."""

from __future__ import annotations

import psycopg

__all__ = ["is_transient"]

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


def is_transient(error: BaseException) -> bool:
    """True for a fault that a later attempt may not meet; follows the `__cause__` chain."""
    seen: BaseException | None = error
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:  # `raise e from e` makes a loop
        visited.add(id(seen))
        if isinstance(seen, psycopg.Error):
            code = seen.sqlstate
            if code is not None:
                return code.startswith(_TRANSIENT_CLASSES) or code in _TRANSIENT_CODES
            if isinstance(seen, psycopg.OperationalError | psycopg.InterfaceError):
                text = str(seen).lower()
                return any(message in text for message in _TRANSIENT_MESSAGES)
        seen = seen.__cause__
    return False
