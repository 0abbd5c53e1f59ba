"""SIGTERM to `elt load` stops it within seconds, even while its source sends nothing: nothing
partial is published, no psql process outlives it, and its batch is recorded `cancelled`.

The source's backends are stopped (SIGSTOP) mid-table, as a hung network would leave a load:
no rows arrive, so nothing between pieces of data can notice. DuckDB's postgres extension
cannot be interrupted while it waits for a source that sends nothing (README: "What happens
when things go wrong"): there, the source is only slowed, stopped and resumed in turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import warehouse_env
from source_stalls import big_source, held, streaming_load
from table_contents import warehouse_query

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]
ROWS = 2_000_000


@pytest.fixture(scope="module")
def source(new_database, tmp_path_factory) -> dict[str, str]:
    return big_source(new_database("big"), tmp_path_factory.mktemp("big"), ROWS)


def _children(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _batches(env: dict[str, str]) -> list[tuple[str, int | None]]:
    return warehouse_query(
        env,
        "select status, rows_loaded from elt.load_batches where table_name = 'events' "
        "order by started_at",
    )


@pytest.mark.parametrize("kind", ["duckdb", "duckdb-psql", "postgres"])
def test_sigterm_stops_a_stalled_load_at_once_publishing_nothing(
    kind, source, tmp_path, new_database
):
    env = {**warehouse_env(kind, tmp_path, new_database), **source}
    with (
        streaming_load(env, source["BIG_URL"]) as process,
        held(source["BIG_URL"], "events", throttle=kind == "duckdb"),
    ):
        children = _children(process.pid)
        time.sleep(1)
        assert process.poll() is None, "the load ended before it was told to stop"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - signalled
    assert process.returncode == 143, stderr
    assert "elt: terminated" in stderr
    assert took < 10, f"{took:.1f} s from SIGTERM to exit"
    assert not [pid for pid in children if _alive(pid)], "a psql outlived the load"
    assert _batches(env) == [("cancelled", 0)]
    tables = warehouse_query(
        env,
        "select table_name from information_schema.tables where table_schema = 'raw_big'",
    )
    assert tables == [], "a staging or raw table was left"
    # and the next load does the whole job
    rerun = subprocess.run(
        [str(BIN / "elt"), "load"],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _batches(env) == [("cancelled", 0), ("succeeded", ROWS)]
    assert warehouse_query(env, "select count(*) from raw_big.events") == [(ROWS,)]


def test_a_cancellation_wakes_waits_and_calls_the_hooks_registered_then():
    from extract_load.cancel import Cancellation, LoadCancelled, current, pause

    cancellation = Cancellation()
    called: list[str] = []
    with cancellation.on_cancel(lambda: called.append("during")):
        pass
    with cancellation.watching():
        assert current() is cancellation
        threading.Timer(0.2, cancellation.cancel, ["SIGTERM"]).start()
        started = time.monotonic()
        with pytest.raises(LoadCancelled, match="SIGTERM"):
            pause(30)
        assert time.monotonic() - started < 5
    assert current() is None
    with cancellation.on_cancel(lambda: called.append("after")):
        pass
    assert called == ["after"]  # a hook that left before the cancellation is never called
