"""A full comparison of raw tables with their sources: what incremental loads cannot see.

An update that does not move the cursor column (a fix made by hand, a trigger that was off) is
invisible to incremental loads. The comparison reads the whole source table through the same
typed path as a load, into a scratch table beside the raw one, and counts the rows that differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .errors import EltError
from .identifiers import qualified
from .ledger import Batch
from .pipeline import resolve_source_url
from .postgres_source import connect_source, read_table_info
from .schemas import raw_schema
from .settings import Settings
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
    warehouse: Warehouse, source: SourceSpec, spec: TableSpec, url: str
) -> Comparison:
    """Compare one raw table with its source, column by column, every row."""
    schema = source.raw_schema
    if warehouse.table_columns(schema, spec.name) is None:
        raise EltError(f"{schema}.{spec.name} is not loaded yet: run `elt load` first")
    with connect_source(url, source.url_env) as connection:
        info = read_table_info(connection, source.schema or "", spec.name, source.url_env)
        columns = tuple(c for c in info.columns if c.name not in spec.exclude_columns)
        batch = Batch(source=source.name, table=spec.name, mode="compare")
        plan = StagePlan(schema, spec.name, info, columns, None, batch, purpose="compare")
        try:
            source_rows = warehouse.write_stage(plan, url, lambda rows, size: None)
            names = [column.name for column in columns]
            comparison = Comparison(
                source=source.name,
                table=spec.name,
                source_rows=source_rows,
                raw_rows=warehouse.row_count(schema, spec.name),
                missing_in_raw=warehouse.count_rows_not_in(schema, plan.stage, spec.name, names),
                not_in_source=warehouse.count_rows_not_in(schema, spec.name, plan.stage, names),
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
        return [compare_table(warehouse, source, spec, urls[source.name]) for source, spec in pairs]
    finally:
        warehouse.close()
