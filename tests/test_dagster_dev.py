"""`dagster dev` in the repository root serves one graph from every raw table to every mart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from commands import elt
from conftest import declared_tables, demo_lake, source_urls
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
QUERY = """
{
  assetNodes { assetKey { path } groupName dependencyKeys { path } }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { schedules { name cronSchedule } } }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory) -> dict:
    # An instance of its own, as the README tells users to keep run history: it reads only
    # $DAGSTER_HOME/dagster.yaml, which `elt dagster-home` gives the warehouse's settings.
    home = tmp_path_factory.mktemp("dagster-home")
    prepared = elt({"DAGSTER_HOME": str(home)}, "dagster-home")
    assert prepared.returncode == 0, prepared.stderr
    port = _free_port()
    log = (home / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPOSITORY,
        env={
            **os.environ,
            "DAGSTER_HOME": str(home),
            "ELT_DUCKDB_PATH": str(home / "warehouse.duckdb"),
            # the tests' landing: neither its runs nor the lake's sensor touch ./landing
            "LAKE_URL": demo_lake(),
            # dagster-dbt runs `dbt` from PATH: this environment's, however pytest was started.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that it stops when told
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (home / "dagster-dev.log").read_text()[-3000:]
            try:
                data = _graphql(port)
                if data["assetNodes"]:
                    break
            except (urllib.error.URLError, ConnectionError, KeyError, TypeError):
                pass
            assert time.monotonic() < deadline, "dagster dev did not answer in 180 s"
            time.sleep(2)
        yield {
            **data,
            "_port": port,
            "_duckdb_path": str(home / "warehouse.duckdb"),
            "_home": str(home),
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


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


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""
STATUS = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def _post(port: int, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


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
    params = {
        "selector": {
            "repositoryLocationName": "elt_warehouse",
            "repositoryName": "__repository__",
            "jobName": "everything",
        },
        "runConfigData": {},
    }
    run_ids = []
    for _ in range(2):
        launched = _post(port, LAUNCH, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_ids.append(launched["run"]["runId"])
        time.sleep(3)  # seconds apart, as a schedule and a person clicking "materialize" would

    statuses: dict[str, str] = {}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        statuses = {
            run_id: _post(port, STATUS, {"id": run_id})["runOrError"]["status"]
            for run_id in run_ids
        }
        if all(s in ("SUCCESS", "FAILURE", "CANCELED") for s in statuses.values()):
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
