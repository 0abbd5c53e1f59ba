"""A source with a table large enough to catch its load mid-stream, and a source that stops
sending, as a hung network or an overloaded server leaves a load: the backends reading a table
are stopped (SIGSTOP), or stopped most of the time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

SOURCES = """
sources:
  big:
    kind: postgres
    url_env: BIG_URL
    schema: public
    tables:
      events: {}
"""


def big_source(url: str, folder: Path, rows: int) -> dict[str, str]:
    """The table `events` of `rows` rows in the database `url`, declared as the source `big`
    in a sources file in `folder`; the variables that point the project at it."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("create table events (id bigint primary key, note text)")
        connection.execute(
            "insert into events select i, md5(i::text) || md5((i * 7)::text) "
            "from generate_series(1, %s) as i",
            (rows,),
        )
    sources = folder / "sources.yml"
    sources.write_text(SOURCES)
    return {"BIG_URL": url, "ELT_SOURCES_FILE": str(sources)}


def source_readers(url: str, table: str) -> list[int]:
    """The backends of the source's database running a COPY of `table` (the load's reads)."""
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "select pid from pg_stat_activity where datname = current_database() "
            "and pid <> pg_backend_pid() and query ilike %s and state = 'active'",
            (f"%copy%{table}%",),
        ).fetchall()
    return [row[0] for row in rows]


@contextmanager
def streaming_load(env: Mapping[str, str], url: str) -> Iterator[subprocess.Popen[str]]:
    """`elt load` on `env`, once the rows of `events` stream through the database `url` (the
    source's COPY out, or the warehouse's COPY into the stage), and some are on their way;
    killed on the way out if it still runs."""
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "elt"), "load"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not source_readers(url, "events"):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the load never started streaming"
            time.sleep(0.05)
        time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            process.kill()


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):  # its query ended
            os.kill(pid, signum)


@contextmanager
def held(url: str, table: str, throttle: bool) -> Iterator[None]:
    """The source's readers stopped while inside; or, with `throttle`, stopped 90 % of the
    time (the readers change as the extension reads part after part)."""
    done = threading.Event()
    stopped = source_readers(url, table)
    signal_all(stopped, signal.SIGSTOP)

    def cycle() -> None:
        nonlocal stopped
        while not done.wait(0.2):
            signal_all(stopped, signal.SIGCONT)
            time.sleep(0.02)
            stopped = source_readers(url, table)
            signal_all(stopped, signal.SIGSTOP)

    cycler = threading.Thread(target=cycle, daemon=True)
    if throttle:
        cycler.start()
    try:
        yield
    finally:
        done.set()
        if throttle:
            cycler.join()
        signal_all(stopped, signal.SIGCONT)
