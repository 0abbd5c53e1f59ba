"""A full comparison of raw tables with their sources: what incremental loads cannot see.

An update that does not move the cursor column (a fix made by hand, a trigger that was off) is
invisible to incremental loads. The comparison reads the whole source table through the same
typed path as a load, into a scratch table beside the raw one, and counts the rows that differ.
Raw rows marked deleted (`_deleted_at`, deletes: soft) are left out, as staging leaves them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .deletes import DELETED_AT
from .errors import EltError
from .identifiers import qualified
from .ledger import Batch
from .pipeline import resolve_source_url
from .schemas import raw_schema
from .settings import Settings
from .source_kinds import source_kind
from .tables import SourceSpec, TableSpec
from .warehouse import StagePlan, Warehouse, open_warehouse

__all__ = ["Comparison", "compare_sources", "compare_table"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comparison:
    source: str
    table: str
    source_rows: int
    raw_rows: int
    missing_in_raw: int  # source rows with no equal row in raw
    not_in_source: int  # raw rows with no equal row in the source

    @property
    def matches(self) -> bool:
        return self.missing_in_raw == 0 and self.not_in_source == 0

    @property
    def raw_table(self) -> str:
        return f"{raw_schema(self.source)}.{self.table}"

    def describe(self) -> str:
        if self.matches:
            return f"{self.raw_table} equals the source ({self.raw_rows:,} rows)"
        return (
            f"{self.raw_table} differs from the source: "
            f"{self.missing_in_raw:,} source row(s) not in raw, "
            f"{self.not_in_source:,} raw row(s) not in the source"
        )


def compare_table(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    psql: str | None = None,
) -> Comparison:
    """Compare one raw table with its source, column by column, every row. It holds the
    table's lock, as a load does: a load of it waits, and the lake reads its rows back."""
    with warehouse.table_lock(source.raw_schema, spec.name):
        return _compare_held(warehouse, source, spec, url, psql)


def _compare_held(
    warehouse: Warehouse, source: SourceSpec, spec: TableSpec, url: str, psql: str | None
) -> Comparison:
    schema = source.raw_schema
    raw_columns = warehouse.table_columns(schema, spec.name)
    if raw_columns is None:
        raise EltError(f"{schema}.{spec.name} is not loaded yet: run `elt load` first")
    live = f"{DELETED_AT} IS NULL" if DELETED_AT in raw_columns else ""
    table = source_kind(source, psql).table(source, spec.name, url)
    names = [name for name in table.column_names if name not in spec.exclude_columns]
    batch = Batch(source=source.name, table=spec.name, mode="compare")
    plan = StagePlan(schema, spec.name, batch, purpose="compare")
    try:
        source_rows = warehouse.write_stage(
            plan, table.read(spec.exclude_columns), lambda rows, size: None
        )
        comparison = Comparison(
            source=source.name,
            table=spec.name,
            source_rows=source_rows,
            raw_rows=warehouse.row_count(schema, spec.name, live),
            missing_in_raw=warehouse.count_rows_not_in(
                schema, plan.stage, spec.name, names, other_where=live
            ),
            not_in_source=warehouse.count_rows_not_in(
                schema, spec.name, plan.stage, names, table_where=live
            ),
        )
    finally:
        warehouse.execute(f"DROP TABLE IF EXISTS {qualified(schema, plan.stage)}")
    (log.info if comparison.matches else log.warning)("%s", comparison.describe())
    return comparison


def compare_sources(
    settings: Settings, pairs: list[tuple[SourceSpec, TableSpec]]
) -> list[Comparison]:
    """Compare each given raw table with its source, one after another."""
    warehouse = open_warehouse(settings)
    try:
        urls = {source.name: resolve_source_url(source, settings) for source, _ in pairs}
        return [
            compare_table(warehouse, source, spec, urls[source.name], settings.psql)
            for source, spec in pairs
        ]
    finally:
        warehouse.close()
