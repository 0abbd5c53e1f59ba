"""The one Dagster entry point: `dagster dev` in the repository root finds it (pyproject)."""

from __future__ import annotations

import dagster as dg

from .lake_partitions import landing_sensor, months_job
from .loaders import files_sources, loader_assets, source_comparison_checks
from .transform import dbt_models, dbt_resource, published_marts

__all__ = [
    "compare_job",
    "daily_schedule",
    "defs",
    "everything_job",
    "landing_sensors",
    "months_jobs",
    "weekly_comparison",
]

comparisons = source_comparison_checks()

everything_job = dg.define_asset_job(
    "everything",
    # The full comparisons with the sources read whole tables: they have their own job.
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*comparisons),
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

compare_job = dg.define_asset_job(
    "compare_with_sources",
    selection=dg.AssetSelection.checks(*comparisons),
    description="Compare every raw table with its source, row by row.",
    executor_def=dg.in_process_executor,
)

weekly_comparison = dg.ScheduleDefinition(
    name="weekly_comparison",
    job=compare_job,
    cron_schedule="0 3 * * 0",  # Sundays 03:00, after the nightly refresh
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# Files sources by month: a job each (its datasets and what is downstream) and a sensor on
# its landing. The everything job above runs them with no partition: every month's new files.
months_jobs = [months_job(source, tables) for source, tables in files_sources()]
landing_sensors = [
    landing_sensor(source, job)
    for (source, _), job in zip(files_sources(), months_jobs, strict=True)
]

defs = dg.Definitions(
    assets=[*loader_assets(), dbt_models, published_marts],
    asset_checks=comparisons,
    jobs=[everything_job, compare_job, *months_jobs],
    schedules=[daily_schedule, weekly_comparison],
    sensors=landing_sensors,
    resources={"dbt": dbt_resource()},
)
