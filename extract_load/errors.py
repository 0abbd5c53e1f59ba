"""Errors a user can cause and fix: each message names the input and what to do about it."""

from __future__ import annotations

__all__ = [
    "BadRowsError",
    "ConfigError",
    "EltError",
    "SchemaDriftError",
    "SourceError",
    "WarehouseError",
    "connection_error_reason",
]


class EltError(Exception):
    """Base class: the CLI prints these as one line, without a traceback."""


class ConfigError(EltError):
    """A setting (an environment variable, a table list) is wrong."""


class SourceError(EltError):
    """A source database cannot be reached or does not hold what the configuration says."""


class WarehouseError(EltError):
    """The warehouse cannot be reached or refused a write."""


class BadRowsError(EltError):
    """Too many rows of a batch cannot be loaded (NULL or duplicate keys): nothing published."""


class SchemaDriftError(EltError):
    """A source table changed in a way the load policy does not accept (type change, lost key)."""


def connection_error_reason(error: Exception | str) -> str:
    """The useful line of a libpq connection error, without the host list around it."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    # "connection failed: connection to server at "h", port 1 failed: Connection refused"
    return lines[0].rsplit(" failed: ", 1)[-1]
