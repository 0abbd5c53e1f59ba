# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
"""Files sources by month: one Dagster partition per landed month, and a sensor on the landing.

The months are those found in the landing (`<dataset>/YYYY-MM/<files>`), not a calendar: a
landing's first month is not known in advance, nor whether every month has files. So the
partitions are dynamic, one set `landing_months` shared by every files source (so that one job
can hold them all), added by the sensor as months appear and by a run that loads everything.

A run of one or more partitions loads exactly those months' new and changed files, through the
same selection as `elt load --month`; a backfill of many months is one run (single-run policy),
so the dbt models downstream are built once, incrementally, for the files it loaded.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from extract_load import Settings, SourceSpec
from extract_load.errors import SourceError
from extract_load.files_source import LandedFile, Landing
from extract_load.pipeline import resolve_source_url

from .dbt_sources import raw_asset_key

if TYPE_CHECKING:  # what define_asset_job returns; dagster does not export the name
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

__all__ = [
    "LANDING_MONTHS",
    "changed_months",
    "landing_listing",
    "landing_sensor",
    "month_fingerprints",
    "months_job",
    "months_of_run",
    "register_months",
]

_MONTHS = "landing_months"
LANDING_MONTHS = dg.DynamicPartitionsDefinition(name=_MONTHS)


def month_fingerprints(files: Iterable[LandedFile]) -> dict[str, str]:
    """Per month, a digest of its files' paths, sizes and versions (entity tag or mtime): it
    changes when a file of the month is added, removed or replaced, and nothing is read."""
    listed: dict[str, list[tuple[str, int, str]]] = {}
    for file in files:
        listed.setdefault(file.month, []).append((file.path, file.size, file.version))
    return {
        month: hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()
        for month, entries in sorted(listed.items())
    }


def changed_months(before: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The months whose files are new or changed since `before` (a month gone is not a change
    to load)."""
    return sorted(month for month, digest in now.items() if before.get(month) != digest)


def months_of_run(context: dg.AssetExecutionContext) -> frozenset[str] | None:
    """The months a run loads: its partitions (one, or a backfill's range), or every month
    when the run has none (the whole-graph job)."""
    if context.has_partition_key or context.has_partition_key_range:
        return frozenset(context.partition_keys)
    return None


def landing_listing(settings: Settings, source: SourceSpec) -> list[LandedFile]:
    """Every file of the source's datasets, from listings of its landing (nothing read)."""
    landing = Landing(resolve_source_url(source, settings), source.name)
    landing.check(source.demo)
    return [file for dataset in source.datasets for file in landing.files(dataset)]


def register_months(instance: dg.DagsterInstance, months: Iterable[str]) -> list[str]:
    """Add the months not yet partitions of LANDING_MONTHS; return those added."""
    known = set(instance.get_dynamic_partitions(_MONTHS))
    new = sorted(set(months) - known)
    if new:
        instance.add_dynamic_partitions(_MONTHS, new)
    return new


def months_job(
    source: SourceSpec, tables: Sequence[Mapping[str, Any]]
) -> "UnresolvedAssetJobDefinition":
    """The source's datasets and everything downstream of them, by month."""
    keys = [raw_asset_key(source.name, table["name"]) for table in tables]
    return dg.define_asset_job(
        f"{source.name}_by_month",
        selection=dg.AssetSelection.assets(*keys).downstream(),
        partitions_def=LANDING_MONTHS,
        description=f"Load the chosen months of {source.name}'s files, then rebuild what "
        "depends on them (the dbt models incrementally, by file).",
        executor_def=dg.in_process_executor,
    )


def landing_sensor(source: SourceSpec, job: "UnresolvedAssetJobDefinition") -> dg.SensorDefinition:
    """Lists the source's landing; starts a run of `job` for each month whose files appeared
    or changed since the last look (the cursor: each month's fingerprint). Its first look only
    takes note of the landing (and adds its months as partitions): what was there before the
    sensor is loaded by the daily run or a backfill, not by a burst of runs at start-up."""

    @dg.sensor(
        name=f"{source.name}_landing",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches {source.name}'s landing; a new or changed month's files start a "
        "run for that month.",
    )
    def watch(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        # No demo is written here: a sensor only looks (the first load writes it).
        try:
            now = month_fingerprints(landing_listing(Settings.from_env(), source))
        except SourceError as error:  # no landing yet, or unreadable: said on the tick
            return dg.SensorResult(skip_reason=str(error))
        months = changed_months(json.loads(context.cursor), now) if context.cursor else []
        known = set(context.instance.get_dynamic_partitions(_MONTHS))
        new = [month for month in sorted(now) if month not in known]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(run_key=f"{month}:{now[month][:16]}", partition_key=month)
                for month in months
            ],
            dynamic_partitions_requests=[LANDING_MONTHS.build_add_request(new)] if new else [],
            cursor=json.dumps(now, sort_keys=True),
        )

    return watch
