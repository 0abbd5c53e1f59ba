"""The Dagster definitions load, and the whole graph materialises on a small demo."""

from __future__ import annotations

import dagster as dg

from extract_load import SOURCES
from table_contents import warehouse_query


def _raw_keys() -> set[dg.AssetKey]:
    return {
        dg.AssetKey([source.raw_schema, table.name])
        for source in SOURCES.values()
        for table in source.tables
    }


def test_definitions_have_one_asset_per_raw_table_grouped_by_source():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert _raw_keys() <= keys
    for key in _raw_keys():
        assert graph.get(key).group_name == key.path[0]
    assert defs.resolve_job_def("everything") is not None


def test_everything_job_materialises_every_raw_table(monkeypatch, tmp_path, demo_sources_factory):
    pagila_url, courses_url = demo_sources_factory()
    env = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
    for name, value in {**env, "PAGILA_URL": pagila_url, "COURSES_URL": courses_url}.items():
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
    assert _raw_keys() <= set(materialised)
    rentals = warehouse_query(env, "select count(*) from raw_pagila.rental")[0][0]
    assert materialised[dg.AssetKey(["raw_pagila", "rental"])]["rows_read"].value == rentals > 0
