"""Warehouses the loaders write to: DuckDB (default), PostgreSQL, and the lake that Spark reads."""

from __future__ import annotations

from typing import Any

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
        duckdb: dict[str, Any] = {
            "block_bytes": settings.block_bytes,
            "memory_limit": settings.duckdb_memory_limit,
            "lock_wait_seconds": settings.duckdb_lock_wait_seconds,
            "postgres_reader": settings.duckdb_postgres_reader,
            "streams": settings.max_workers,
        }
        if settings.warehouse == "spark":
            from .lake import LakeWarehouse

            warehouse = LakeWarehouse(settings.lake_url, settings.lake_metadata_path, **duckdb)
        else:
            from .duckdb import DuckDBWarehouse

            warehouse = DuckDBWarehouse(settings.duckdb_path, **duckdb)
    warehouse.ensure_metadata()
    return warehouse
