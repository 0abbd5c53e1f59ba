"""Dagster as the tests drive it: `dagster dev` in the repository root, started as a user
starts it, and its GraphQL API (what the UI calls); a sensor's tick as the daemon runs it."""

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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from commands import elt

REPOSITORY = Path(__file__).resolve().parents[1]
GRAPH = """
{
  assetNodes { assetKey { path } groupName dependencyKeys { path } }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { schedules { name cronSchedule } } }
  }
}
"""
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
# What the UI's "Terminate" button sends.
TERMINATE = """
mutation Terminate($id: String!) {
  terminateRun(runId: $id) {
    __typename
    ... on TerminateRunFailure { message }
    ... on PythonError { message }
  }
}
"""
ENDED = ("SUCCESS", "FAILURE", "CANCELED")
# The UI's "add partition" of a dynamic partitions set.
ADD_PARTITION = """
mutation Add($repo: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on PythonError { message }
  }
}
"""
# What the UI's "Materialize" dialog sends for a range of partitions of some assets.
BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""
BACKFILL_STATUS = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
}
"""
CODE_LOCATION = {"repositoryLocationName": "elt_warehouse", "repositoryName": "__repository__"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, query: str, variables: Mapping[str, object] | None = None) -> dict:
    """A GraphQL request to the server on `port`; its `data`."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": dict(variables or {})}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def launch(port: int, job: str = "everything", assets: list[list[str]] | None = None) -> str:
    """Launch `job` (only `assets`, if given) as the UI does; the run's id."""
    selector: dict[str, object] = {**CODE_LOCATION, "jobName": job}
    if assets is not None:
        selector["assetSelection"] = [{"path": path} for path in assets]
    launched = post(port, LAUNCH, {"params": {"selector": selector, "runConfigData": {}}})
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    return launched["launchRun"]["run"]["runId"]


def status(port: int, run_id: str) -> str:
    return post(port, STATUS, {"id": run_id})["runOrError"]["status"]


def add_partition(port: int, partitions: str, key: str) -> str:
    """Add `key` to the dynamic partitions `partitions` as the UI does; the answer's type."""
    variables = {"repo": CODE_LOCATION, "name": partitions, "key": key}
    return post(port, ADD_PARTITION, variables)["addDynamicPartition"]["__typename"]


def backfill(port: int, assets: list[list[str]], partitions: list[str]) -> str:
    """Launch a backfill of `partitions` of `assets` as the UI does; the backfill's id."""
    params = {
        "assetSelection": [{"path": path} for path in assets],
        "partitionNames": partitions,
        "fromFailure": False,
    }
    launched = post(port, BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def backfill_status(port: int, backfill_id: str) -> str:
    return post(port, BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]


@contextmanager
def dagster_dev(home: Path, env: Mapping[str, str] | None = None) -> Iterator[dict]:
    """`dagster dev` on an instance of its own in `home` (as the README tells users to keep
    run history: it reads only $DAGSTER_HOME/dagster.yaml, which `elt dagster-home` gives the
    warehouse's settings), the warehouse a DuckDB file in `home` unless `env` says otherwise;
    the graph it serves, with `_port`, `_home` and `_duckdb_path`."""
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
            # dagster-dbt runs `dbt` from PATH: this environment's, however pytest was started.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **(env or {}),
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
                data = post(port, GRAPH)
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


def sensor_tick(
    sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None
) -> tuple[list[str | None], str | None]:
    """One evaluation of the sensor, its new partitions added as the daemon adds them; the
    partitions it asks runs for, and its new cursor."""
    from orchestration.definitions import defs

    # as the daemon builds it: with the instance's ref, through which run requests' partitions
    # are checked
    context = dg.build_sensor_context(
        instance=instance, instance_ref=instance.get_ref(), cursor=cursor, definitions=defs
    )
    data = sensor.evaluate_tick(context)
    for request in data.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return [request.partition_key for request in data.run_requests or []], data.cursor
