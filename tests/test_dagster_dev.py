"""`dagster dev` in the repository root serves one graph from every raw table to every mart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import declared_tables, demo_lake, source_urls
from dagster_server import ENDED, launch, status
from dagster_server import dagster_dev as running_dagster_dev
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory) -> Iterator[dict]:
    # the tests' landing: neither its runs nor the lake's sensor touch ./landing
    home = tmp_path_factory.mktemp("dagster-home")
    with running_dagster_dev(home, {"LAKE_URL": demo_lake()}) as served:
        yield served


def _marts() -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """Every mart, and those generated from nothing upstream (none: the date spine follows the
    facts)."""
    manifest = json.loads((REPOSITORY / "dbt_project/target/manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    ]
    generated = {("marts", node["name"]) for node in models if not node["depends_on"]["nodes"]}
    return {("marts", node["name"]) for node in models}, generated


def test_graph_runs_from_every_raw_table_to_every_mart(dagster_dev, demo_sources_factory):
    nodes = {tuple(node["assetKey"]["path"]): node for node in dagster_dev["assetNodes"]}
    pagila_url, courses_url = demo_sources_factory()
    tables = declared_tables(source_urls(pagila_url, courses_url))
    raw = {(s.raw_schema, t.name) for s, t in tables}
    marts, generated = _marts()
    assert len(marts) >= 15 and generated == set()
    assert raw <= set(nodes) and marts <= set(nodes)

    upstream = {
        key: {tuple(dep["path"]) for dep in node["dependencyKeys"]} for key, node in nodes.items()
    }

    def ancestors(key: tuple[str, ...]) -> set[tuple[str, ...]]:
        seen, todo = set(), [key]
        while todo:
            for parent in upstream.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    for mart in marts - generated:
        assert ancestors(mart) & raw, f"{mart} is not connected to any raw table"
    # Every raw table feeds the dbt graph (its staging model at least).
    has_downstream = {parent for parents in upstream.values() for parent in parents}
    assert raw <= has_downstream, f"raw tables nothing reads: {raw - has_downstream}"
    assert nodes[("raw_pagila", "rental")]["groupName"] == "raw_pagila"
    assert nodes[("marts", "fct_rentals")]["groupName"] == "marts"


def test_daily_schedule_at_midnight(dagster_dev):
    schedules = [
        schedule
        for repository in dagster_dev["repositoriesOrError"]["nodes"]
        for schedule in repository["schedules"]
    ]
    assert {"name": "daily_refresh", "cronSchedule": "0 0 * * *"} in schedules


def _step_times(home: str, run_id: str) -> tuple[float, float]:
    """When the run's first step started and its last step ended, from the run's event log."""
    import dagster as dg

    with dg.DagsterInstance.from_config(home) as instance:
        events = instance.all_logs(
            run_id,
            of_type={
                dg.DagsterEventType.STEP_START,
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            },
        )
    starts = [e.timestamp for e in events if e.dagster_event_type == dg.DagsterEventType.STEP_START]
    ends = [e.timestamp for e in events if e.dagster_event_type != dg.DagsterEventType.STEP_START]
    assert starts and ends, f"run {run_id} has no steps"
    return min(starts), max(ends)


def test_overlapping_runs_queue_on_the_warehouse_pool_and_both_succeed(dagster_dev):
    port = dagster_dev["_port"]
    run_ids = []
    for _ in range(2):
        run_ids.append(launch(port))
        time.sleep(3)  # seconds apart, as a schedule and a person clicking "materialize" would

    statuses: dict[str, str] = {}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        statuses = {run_id: status(port, run_id) for run_id in run_ids}
        if all(s in ENDED for s in statuses.values()):
            break
        time.sleep(3)
    assert list(statuses.values()) == ["SUCCESS", "SUCCESS"], statuses
    # the second run waited in the queue: its first step started after the first run's last
    # one ended (the loaders' wait for DuckDB's file lock would have let them interleave)
    first_started, first_ended = _step_times(dagster_dev["_home"], run_ids[0])
    second_started, _ = _step_times(dagster_dev["_home"], run_ids[1])
    assert first_started < first_ended <= second_started

    warehouse = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": dagster_dev["_duckdb_path"]}
    assert warehouse_query(
        warehouse, "select count(*) - count(distinct rental_id) from raw_pagila.rental"
    ) == [(0,)]
    assert warehouse_query(warehouse, "select count(*) from marts.fct_rentals") == warehouse_query(
        warehouse, "select count(*) from raw_pagila.rental"
    )
