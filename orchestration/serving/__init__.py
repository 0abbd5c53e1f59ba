"""Serving analysts: who may read what (roles per layer, on a PostgreSQL warehouse) and what
they read (marts published only after their tests pass: write, audit, publish)."""

from __future__ import annotations

from .publish import analyst_location, publish_marts, published_duckdb_path
from .roles import ANALYST_ROLE, init_warehouse

__all__ = [
    "ANALYST_ROLE",
    "analyst_location",
    "init_warehouse",
    "publish_marts",
    "published_duckdb_path",
]
