"""Extract-load: copy the sources of sources.yml, exactly, into a DuckDB or PostgreSQL warehouse."""

from __future__ import annotations

from .errors import ConfigError, EltError, SchemaDriftError, SourceError, WarehouseError
from .pipeline import (
    LoadFailed,
    RetryPolicy,
    TableResult,
    load_sources,
    load_table,
    plan_tables,
    resolve_source_url,
)
from .settings import Settings
from .tables import SourceSpec, TableSpec

__all__ = [
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
    "plan_tables",
    "resolve_source_url",
]
