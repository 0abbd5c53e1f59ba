"""Extract-load: copy PostgreSQL sources, exactly, into a DuckDB or PostgreSQL warehouse."""

from __future__ import annotations

from .errors import ConfigError, EltError, SchemaDriftError, SourceError, WarehouseError
from .pipeline import (
    LoadFailed,
    RetryPolicy,
    TableResult,
    load_sources,
    load_table,
    resolve_source_url,
)
from .settings import Settings
from .sources import SOURCES
from .tables import SourceSpec, TableSpec

__all__ = [
    "SOURCES",
    "ConfigError",
    "EltError",
    "LoadFailed",
    "RetryPolicy",
    "SchemaDriftError",
    "Settings",
    "SourceError",
    "SourceSpec",
    "TableResult",
    "TableSpec",
    "WarehouseError",
    "load_sources",
    "load_table",
    "resolve_source_url",
]
