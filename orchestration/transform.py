"""Every dbt model as a Dagster asset, downstream of the raw-table assets; tests as checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from extract_load import Settings
from extract_load.schemas import MARTS_SCHEMA, PUBLISHED_SCHEMA, SNAPSHOTS_SCHEMA

from .dbt_project import dbt_executable, dbt_project, prepare_dbt_environment
from .dbt_sources import raw_asset_key
from .instance import WAREHOUSE_POOL, require_queued_warehouse_runs
from .serving.publish import publish_marts
from .spark import require_java

__all__ = ["dbt_models", "dbt_resource", "published_marts"]


class Translator(DagsterDbtTranslator):
    """Groups models by layer (staging, intermediate, marts), snapshots in a group of their
    own. A source table's key is derived from its source and table names, the loaders' key, so
    the graph is connected."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw_asset_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return str(dbt_resource_props["fqn"][1])
        if dbt_resource_props["resource_type"] == "snapshot":
            return SNAPSHOTS_SCHEMA
        return super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=Translator(),
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """`dbt build` of the selected models: run, then test, model by model."""
    require_queued_warehouse_runs(context)
    prepare_dbt_environment()
    if Settings.from_env().warehouse == "spark":
        require_java()  # one line on how to get one, not a JVM's traceback
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


@dg.asset(
    key=[PUBLISHED_SCHEMA, "published_marts"],
    deps=[key for key in dbt_models.keys if key.path[0] == MARTS_SCHEMA],
    group_name=PUBLISHED_SCHEMA,
    pool=WAREHOUSE_POOL,
    kinds={"python"},
    description="The marts as analysts see them (schema analytics): replaced only after a dbt "
    "build whose tests all passed; on DuckDB a file of its own, on PostgreSQL one transaction.",
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    require_queued_warehouse_runs(context)
    published = publish_marts(Settings.from_env())
    return dg.MaterializeResult(
        metadata={
            "tables": len(published.tables),
            "rows": sum(published.tables.values()),
            "rows_by_table": dg.MetadataValue.json(published.tables),
            "analysts_connect_to": published.location,
        }
    )
