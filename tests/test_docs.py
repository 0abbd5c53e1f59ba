"""Documentation for analysts: every mart and column described, `elt docs` serving dbt's site
(rendered by a real browser), and source freshness read from the loaders' ledger."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from commands import dbt, dbt_build
from conftest import declared_tables, source_urls, warehouse_env
from extract_load import Settings, load_sources
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _mart_nodes(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The manifest's mart models (models/marts/**), by unique id."""
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["path"].startswith("marts/")
    }


@pytest.fixture(scope="module")
def demo_urls(demo_sources_factory) -> tuple[str, str]:
    return demo_sources_factory()


@pytest.fixture(scope="module")
def built_duckdb(tmp_path_factory, new_database, demo_urls) -> dict[str, str]:
    """A DuckDB warehouse with every model built (tests left to test_transform)."""
    work = tmp_path_factory.mktemp("docs-duckdb")
    env = warehouse_env("duckdb", work, new_database)
    pagila_url, courses_url = demo_urls
    load_sources(Settings.from_env({**env, **source_urls(pagila_url, courses_url)}))
    build = dbt_build(env, work, "--exclude-resource-type", "test", "unit_test")
    assert build.returncode == 0, build.stdout[-4000:]
    return {**env, "_work": str(work)}


def _env(built: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in built.items() if not name.startswith("_")}


def test_every_mart_and_every_column_in_the_catalogue_is_described(built_duckdb):
    work = Path(built_duckdb["_work"]) / "generate"
    generated = dbt(_env(built_duckdb), work, "docs", "generate")
    assert generated.returncode == 0, generated.stdout[-4000:]
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    catalog = json.loads((work / "target" / "catalog.json").read_text())
    marts = _mart_nodes(manifest)
    assert {"dim_actors", "bridge_film_actors", "fct_rentals"} <= {
        node["name"] for node in marts.values()
    }
    missing = []
    for unique_id, node in sorted(marts.items()):
        if not node["description"].strip():
            missing.append(node["name"])
        assert unique_id in catalog["nodes"], f"{node['name']} is not in the catalogue"
        described = {
            name.lower(): column["description"] for name, column in node["columns"].items()
        }
        for column in catalog["nodes"][unique_id]["columns"]:
            if not described.get(column.lower(), "").strip():
                missing.append(f"{node['name']}.{column}")
    assert not missing, f"no description: {', '.join(missing)}"
    # The shared wording is rendered, not left as Jinja.
    assert not [
        node["name"]
        for node in marts.values()
        for column in node["columns"].values()
        if "{{" in column["description"]
    ]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    how = "headless chromium is needed: apt-get install chromium (.ci/run does it as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(how + " (CI=true: never skipped in CI)")
    pytest.skip(how)


def _start_docs(env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "elt"), "docs", *args],
        cwd=REPOSITORY,
        env={**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped by its id, children too
    )


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _address(lines: queue.Queue[str | None], timeout: float = 300) -> tuple[str, str]:
    """The address `elt docs` prints, and everything it printed up to there."""
    seen = ""
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"elt docs printed no address in {timeout} s:\n{seen[-3000:]}")
        if line is None:
            pytest.fail(f"elt docs ended before printing an address:\n{seen[-3000:]}")
        seen += line
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return found.group(0), seen


@pytest.fixture
def docs_server(built_duckdb, tmp_path) -> Iterator[tuple[str, Path]]:
    target = tmp_path / "target"
    process = _start_docs(_env(built_duckdb), "--port", "0", "--target-path", str(target))
    try:
        address, _ = _address(_lines(process))
        yield address, target
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_elt_docs_serves_a_site_that_lists_every_mart(docs_server, tmp_path):
    chromium = _chromium()
    address, target = docs_server
    rendered = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            address,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    # What the page shows, not the scripts it runs.
    shown = re.sub(r"<(script|style)\b.*?</\1>", "", rendered.stdout, flags=re.S | re.I)
    marts = {
        node["name"]
        for node in _mart_nodes(json.loads((target / "manifest.json").read_text())).values()
    }
    assert len(marts) >= 20
    assert not sorted(name for name in marts if name not in shown), shown[:2000]


def test_a_port_in_use_is_named_with_the_fix(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start_docs({}, "--port", str(port), "--target-path", str(tmp_path / "t"))
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 2, output
    assert f"port {port} on 127.0.0.1 is already in use" in output
    assert "--port N" in output and "--port 0" in output
    assert "Traceback" not in output


def _execute(env: Mapping[str, str], statement: str) -> None:
    if env["ELT_WAREHOUSE"] == "duckdb":
        connection = duckdb.connect(env["ELT_DUCKDB_PATH"])
        try:
            connection.execute(statement)
        finally:
            connection.close()
        return
    with psycopg.connect(env["ELT_POSTGRES_URL"], autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def test_source_freshness_comes_from_the_ledger(fresh_warehouse_env, demo_urls, tmp_path):
    """A static table loaded a month ago and unchanged since is fresh when its loads succeed:
    freshness is the ledger's latest succeeded batch, not the rows' _loaded_at."""
    env = fresh_warehouse_env
    pagila_url, courses_url = demo_urls
    settings = Settings.from_env({**env, **source_urls(pagila_url, courses_url)})
    load_sources(settings)
    # The first load happened a month ago.
    _execute(env, "update raw_pagila.language set _loaded_at = _loaded_at - interval '30 days'")
    _execute(
        env,
        "update elt.load_batches set started_at = started_at - interval '30 days', "
        "finished_at = finished_at - interval '30 days'",
    )
    load_sources(settings)  # nothing changed in the sources
    ((raw_loaded_at,),) = warehouse_query(env, "select max(_loaded_at) from raw_pagila.language")
    ((ledger_at,),) = warehouse_query(
        env,
        "select max(finished_at) from elt.load_batches where status = 'succeeded' "
        "and source = 'pagila' and table_name = 'language'",
    )
    assert (ledger_at - raw_loaded_at).days >= 29  # the table was left alone

    freshness = dbt(env, tmp_path, "source", "freshness")
    assert freshness.returncode == 0, freshness.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    assert len(results) == len(declared_tables({**env, **source_urls(pagila_url, courses_url)}))
    assert {result["status"] for result in results} == {"pass"}, [
        (result["unique_id"], result["status"]) for result in results
    ]
    (language,) = [r for r in results if r["unique_id"].endswith("pagila.language")]
    assert datetime.fromisoformat(language["max_loaded_at"]) == ledger_at
