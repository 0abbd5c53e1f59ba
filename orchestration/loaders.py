# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
"""One Dagster asset per raw table, keyed `raw_<source>/<table>`, grouped by source."""

from collections.abc import Iterator

import dagster as dg

from extract_load import SOURCES, LoadFailed, Settings, SourceSpec, load_sources
from extract_load.compare import compare_sources

__all__ = [
    "SOURCE_COMPARISON_CHECK",
    "WAREHOUSE_POOL",
    "loader_assets",
    "raw_asset_key",
    "source_comparison_checks",
]

# Every asset that writes the warehouse shares this pool; with a limit of one (dagster.yaml),
# overlapping runs queue instead of fighting over DuckDB's single-writer lock.
WAREHOUSE_POOL = "warehouse"


def raw_asset_key(source: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([f"raw_{source}", table])


def _source_assets(source: SourceSpec) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            raw_asset_key(source.name, table.name),
            description=(
                f"{source.name}.{table.name} as the source has it ({table.mode} load"
                + (
                    f" on {table.cursor_column}, merged on {', '.join(table.primary_key)}"
                    if table.mode == "incremental"
                    else ", swapped in whole"
                )
                + "), plus _loaded_at and _batch_id."
            ),
            group_name=f"raw_{source.name}",
            kinds={"postgres", "python"},
            skippable=True,
            metadata={"source_variable": source.url_env, "mode": table.mode},
        )
        for table in source.tables
    ]

    @dg.multi_asset(
        name=f"load_{source.name}",
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description=f"Load {source.description or source.name} into raw_{source.name}.",
    )
    def load(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        settings = Settings.from_env()
        wanted = {key.path[-1] for key in context.selected_asset_keys}
        pairs = [(source, table) for table in source.tables if table.name in wanted]
        results = load_sources(settings, pairs, raise_on_failure=False)
        for result in results:
            if result.status == "failed":
                continue
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(result.source, result.table),
                metadata={
                    "rows_read": result.rows_read,
                    "rows_loaded": result.rows_loaded,
                    "rows_quarantined": result.rows_quarantined,
                    "rows_changed": result.rows_changed,
                    "seconds": round(result.seconds, 3),
                    "batch_id": result.batch_id,
                    "cursor_after": result.cursor_after or "",
                    "warehouse": settings.warehouse_label(),
                },
            )
        if any(result.status == "failed" for result in results):
            raise dg.Failure(description=str(LoadFailed(results)))

    return load


def loader_assets() -> list[dg.AssetsDefinition]:
    return [_source_assets(source) for source in SOURCES.values()]


SOURCE_COMPARISON_CHECK = "matches_source"


def _source_comparison_check(source: SourceSpec) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            SOURCE_COMPARISON_CHECK,
            asset=raw_asset_key(source.name, table.name),
            description="Every row equals the source's (catches updates that did not move "
            "the cursor column). Reads the whole source table: run periodically.",
        )
        for table in source.tables
    ]

    @dg.multi_asset_check(
        name=f"compare_{source.name}", specs=specs, can_subset=True, pool=WAREHOUSE_POOL
    )
    def compare(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        wanted = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
        pairs = [(source, table) for table in source.tables if table.name in wanted]
        for comparison in compare_sources(Settings.from_env(), pairs):
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
    return [_source_comparison_check(source) for source in SOURCES.values()]
