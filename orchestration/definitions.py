"""The one Dagster entry point: `dagster dev` in the repository root finds it (pyproject)."""

from __future__ import annotations

import dagster as dg

from .loaders import loader_assets
from .transform import dbt_models, dbt_resource

__all__ = ["daily_schedule", "defs", "everything_job"]

everything_job = dg.define_asset_job(
    "everything",
    selection=dg.AssetSelection.all(),
    description="Load every source table, then build everything downstream of it.",
    # One process: steps run one after another (DuckDB has one writer) and start-up is paid once.
    executor_def=dg.in_process_executor,
)

daily_schedule = dg.ScheduleDefinition(
    name="daily_refresh",
    job=everything_job,
    cron_schedule="0 0 * * *",  # midnight, as the course notes schedule their ETL
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=[*loader_assets(), dbt_models],
    jobs=[everything_job],
    schedules=[daily_schedule],
    resources={"dbt": dbt_resource()},
)
