"""The Dagster definitions load, and the whole graph materialises on a small demo."""

from __future__ import annotations

import dagster as dg

from conftest import declared_tables, source_urls
from table_contents import warehouse_query


def _raw_keys(pagila_url: str, courses_url: str) -> set[dg.AssetKey]:
    """The tables sources.yml selects in these databases, keyed as the loaders' assets."""
    tables = declared_tables(source_urls(pagila_url, courses_url))
    return {dg.AssetKey([source.raw_schema, table.name]) for source, table in tables}


def test_definitions_have_one_asset_per_raw_table_grouped_by_source(demo_sources_factory):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    raw_keys = _raw_keys(*demo_sources_factory())
    assert {key for key in keys if key.path[0].startswith("raw_")} == raw_keys
    for key in raw_keys:
        assert graph.get(key).group_name == key.path[0]
    # the daily job builds every asset of the graph, not a part of it
    everything = defs.resolve_job_def("everything")
    assert everything.asset_layer.selected_asset_keys == set(graph.materializable_asset_keys)


def test_everything_job_materialises_every_raw_table(monkeypatch, tmp_path, demo_sources_factory):
    pagila_url, courses_url = demo_sources_factory()
    env = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
    for name, value in {**env, **source_urls(pagila_url, courses_url)}.items():
        monkeypatch.setenv(name, value)
    from orchestration.definitions import defs

    result = defs.resolve_job_def("everything").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    materialised = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert _raw_keys(pagila_url, courses_url) <= set(materialised)
    rentals = warehouse_query(env, "select count(*) from raw_pagila.rental")[0][0]
    assert materialised[dg.AssetKey(["raw_pagila", "rental"])]["rows_read"].value == rentals > 0
