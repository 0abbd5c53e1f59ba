"""The one Dagster entry point: `dagster dev` in the repository root finds it (pyproject)."""

from __future__ import annotations

import dagster as dg

from .loaders import loader_assets

__all__ = ["defs", "everything_job"]

everything_job = dg.define_asset_job(
    "everything",
    selection=dg.AssetSelection.all(),
    description="Load every source table, then build everything downstream of it.",
    # One process: steps run one after another (DuckDB has one writer) and start-up is paid once.
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=loader_assets(),
    jobs=[everything_job],
)
