"""Warehouses the loaders write to: DuckDB (default) and PostgreSQL."""

from __future__ import annotations

from ..settings import Settings
from .base import StagePlan, Warehouse

__all__ = ["StagePlan", "Warehouse", "open_warehouse"]


def open_warehouse(settings: Settings) -> Warehouse:
    """Connect to the warehouse the settings name and make sure its `elt` schema exists."""
    warehouse: Warehouse
    if settings.warehouse == "postgres":
        from .postgres import PostgresWarehouse

        assert settings.loader, "Settings.from_env() checks this"
        warehouse = PostgresWarehouse(
            settings.loader.url,
            settings.table_lock_wait_seconds,
            settings.loader.variable,
        )
    else:
        from .duckdb import DuckDBWarehouse

        warehouse = DuckDBWarehouse(
            settings.duckdb_path,
            settings.block_bytes,
            settings.duckdb_memory_limit,
            settings.duckdb_lock_wait_seconds,
            settings.duckdb_postgres_reader,
            settings.max_workers,
        )
    warehouse.ensure_metadata()
    return warehouse
