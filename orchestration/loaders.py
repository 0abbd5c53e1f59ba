# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
"""One Dagster asset per raw table, keyed `raw_<source>/<table>`, grouped by source."""

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from extract_load import LoadFailed, Settings, SourceSpec, load_sources, plan_tables
from extract_load.compare import compare_sources
from extract_load.config import load_sources_file, sources_file_path

from .dbt_project import dbt_project
from .dbt_sources import manifest_source_tables, raw_asset_key
from .demo import with_demo_sources
from .instance import WAREHOUSE_POOL, require_queued_warehouse_runs
from .lake_partitions import LANDING_MONTHS, landing_listing, months_of_run, register_months

__all__ = [
    "SOURCE_COMPARISON_CHECK",
    "files_sources",
    "loader_assets",
    "raw_asset_key",
    "source_comparison_checks",
]


@functools.cache
def _raw_tables() -> list[tuple[SourceSpec, list[dict[str, Any]]]]:
    """Each source of sources.yml with the tables dbt's sources list for it (`elt sources
    dbt` writes them from the catalog): the raw-table assets, known without connecting."""
    sources = load_sources_file(sources_file_path())
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    tables = manifest_source_tables(manifest)
    return [(source, tables.get(name, [])) for name, source in sources.items()]


def _settings(source: SourceSpec) -> Settings:
    return with_demo_sources(Settings.from_env(), [source.name])


def _pairs(settings: Settings, source: SourceSpec, names: set[str]) -> list[Any]:
    return plan_tables(settings, [source.name], [f"{source.name}.{name}" for name in names])


def files_sources() -> list[tuple[SourceSpec, list[dict[str, Any]]]]:
    """The files sources with their datasets: the ones partitioned by month."""
    return [
        (source, tables) for source, tables in _raw_tables() if tables and source.kind == "files"
    ]


def _source_assets(source: SourceSpec, tables: Sequence[Mapping[str, Any]]) -> dg.AssetsDefinition:
    by_month = source.kind == "files"
    specs = [
        dg.AssetSpec(
            raw_asset_key(source.name, table["name"]),
            description=(
                f"{source.name}.{table['name']} as the source has it, plus _loaded_at and "
                f"_batch_id. {table.get('description') or ''}"
            ).strip(),
            group_name=source.raw_schema,
            kinds={source.kind, "python"},
            skippable=True,
            metadata={"source_variable": source.url_env},
        )
        for table in tables
    ]

    @dg.multi_asset(
        name=f"load_{source.name}",
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description=f"Load {source.description or source.name} into raw_{source.name}.",
        # Files by month; a backfill of many months is one run, loading them in one go.
        partitions_def=LANDING_MONTHS if by_month else None,
        backfill_policy=dg.BackfillPolicy.single_run() if by_month else None,
    )
    def load(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        require_queued_warehouse_runs(context)
        settings = _settings(source)
        wanted = {key.path[-1] for key in context.selected_asset_keys}
        months = months_of_run(context) if by_month else None
        if by_month and months is None:  # every month: each becomes a partition to reload
            found = {file.month for file in landing_listing(settings, source)}
            register_months(context.instance, found)
        results = load_sources(
            settings, _pairs(settings, source, wanted), raise_on_failure=False, months=months
        )
        for result in results:
            if result.status == "failed":
                continue
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(result.source, result.table),
                metadata={
                    "mode": result.mode,
                    "rows_read": result.rows_read,
                    "rows_loaded": result.rows_loaded,
                    "rows_quarantined": result.rows_quarantined,
                    "rows_changed": result.rows_changed,
                    "values_nulled": result.values_nulled,
                    # rows deleted in the source; -1: key sets not compared this time
                    "rows_deleted": -1 if result.rows_deleted is None else result.rows_deleted,
                    "seconds": round(result.seconds, 3),
                    "batch_id": result.batch_id,
                    "cursor_after": result.cursor_after or "",
                    "warehouse": settings.warehouse_label(),
                    **(
                        {"months": ", ".join(sorted(months)) if months else "all"}
                        if by_month
                        else {}
                    ),
                },
            )
        if any(result.status == "failed" for result in results):
            raise dg.Failure(description=str(LoadFailed(results)))

    return load


def loader_assets() -> list[dg.AssetsDefinition]:
    return [_source_assets(source, tables) for source, tables in _raw_tables() if tables]


SOURCE_COMPARISON_CHECK = "matches_source"


def _source_comparison_check(
    source: SourceSpec, tables: Sequence[Mapping[str, Any]]
) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            SOURCE_COMPARISON_CHECK,
            asset=raw_asset_key(source.name, table["name"]),
            description="Every row equals the source's (catches updates that did not move "
            "the cursor column). Reads the whole source table: run periodically.",
        )
        for table in tables
    ]

    @dg.multi_asset_check(
        name=f"compare_{source.name}", specs=specs, can_subset=True, pool=WAREHOUSE_POOL
    )
    def compare(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        require_queued_warehouse_runs(context)
        wanted = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
        settings = _settings(source)
        for comparison in compare_sources(settings, _pairs(settings, source, wanted)):
            yield dg.AssetCheckResult(
                asset_key=raw_asset_key(source.name, comparison.table),
                check_name=SOURCE_COMPARISON_CHECK,
                passed=comparison.matches,
                severity=dg.AssetCheckSeverity.WARN,
                description=comparison.describe(),
                metadata={
                    "source_rows": comparison.source_rows,
                    "raw_rows": comparison.raw_rows,
                    "missing_in_raw": comparison.missing_in_raw,
                    "not_in_source": comparison.not_in_source,
                },
            )

    return compare


def source_comparison_checks() -> list[dg.AssetChecksDefinition]:
    # Files and APIs have no table to compare with: each file reconciles in elt.loaded_files.
    return [
        _source_comparison_check(source, tables)
        for source, tables in _raw_tables()
        if tables and source.kind not in ("files", "http")
    ]
