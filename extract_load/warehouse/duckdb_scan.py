"""PostgreSQL into DuckDB through DuckDB's own PostgreSQL extension: binary COPY, decoded in C++
straight into DuckDB's vectors, over ranges of a large table read by several connections.

The extension comes from the `duckdb-extension-postgres` wheel (PyPI has one per DuckDB
version up to 1.5.5; `INSTALL` would download it, which these machines cannot). Where it is
missing, `load_postgres_extension` says why and the warehouse reads CSV through psql instead.

The source says what to read (`SourceScan`: its queries, the snapshot they share, its session);
this module only runs the queries. The casts that make every value exact are the type map's
(`to_duckdb_scanned`), the same rules as the CSV path's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg.conninfo import make_conninfo

from ..catalog_types import sql_text
from ..errors import connection_error_reason
from ..psql_copy import CopyFailed
from ..reads import SourceScan

__all__ = ["Attachments", "ScanFailed", "load_postgres_extension", "run_scan"]

log = logging.getLogger(__name__)


class ScanFailed(CopyFailed):
    """The extension's error (the server's message, or libpq's): a psycopg OperationalError,
    so that the retry policy judges it by its text as it judges psql's."""


def load_postgres_extension(connection: duckdb.DuckDBPyConnection) -> str | None:
    """Load the extension from its wheel; None when loaded, else why it cannot be."""
    spec = importlib.util.find_spec("duckdb_extension_postgres")
    folders = list(spec.submodule_search_locations or []) if spec else []
    version = duckdb.__version__
    found = [
        Path(folder) / "extensions" / f"v{version}" / "postgres.duckdb_extension"
        for folder in folders
    ]
    found = [path for path in found if path.is_file()]
    if not found:
        return (
            f"no duckdb-extension-postgres wheel for DuckDB {version} is installed "
            f"(pip install duckdb-extension-postgres=={version}, where one exists)"
        )
    # LOAD takes the extension's name from the file's: the wheel's file is named postgres,
    # the extension postgres_scanner. A link with that name, removed once loaded.
    folder = tempfile.mkdtemp(prefix="elt-duckdb-ext-")
    try:
        link = Path(folder) / "postgres_scanner.duckdb_extension"
        os.symlink(found[0], link)
        connection.execute(f"LOAD {sql_text(str(link))}")
    except duckdb.Error as error:
        return f"DuckDB could not load {found[0]} ({error})"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return None


class Attachments:
    """One attached database per source (the extension gives each DuckDB transaction a
    connection of its own, so the streams of a table read in parallel); the permits that
    bound how many parts are read at once, by all tables together (ELT_MAX_WORKERS); and the
    cursors reading now, to interrupt them all."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, streams: int) -> None:
        self._connection = connection
        self.streams = streams
        self.permits = threading.Semaphore(streams)
        self._lock = threading.Lock()
        self._aliases: dict[tuple[str, str | None], str] = {}
        self._reading: list[duckdb.DuckDBPyConnection] = []

    @contextmanager
    def cursors(self, count: int) -> Iterator[list[duckdb.DuckDBPyConnection]]:
        """`count` cursors of the warehouse's connection for one scan's streams."""
        cursors = [self._connection.cursor() for _ in range(count)]
        with self._lock:
            self._reading += cursors
        try:
            for cursor in cursors:
                cursor.execute("SET TimeZone = 'UTC'")
            yield cursors
        finally:
            with self._lock:
                for cursor in cursors:
                    self._reading.remove(cursor)
            for cursor in cursors:
                cursor.close()

    @staticmethod
    def _name(alias: str) -> str:
        return f"elt-scan-{os.getpid()}-{alias.removeprefix('__elt_pg_')}"

    def interrupt(self) -> None:
        """Stop every part being read now (a cancelled load). DuckDB's interrupt does not
        reach the extension while it waits for rows: the source's server cancels their
        queries, found by the attachment's application name."""
        with self._lock:
            for cursor in self._reading:
                cursor.interrupt()
            attached = list(self._aliases.items())
        for (conninfo, password), alias in attached:
            try:
                with psycopg.connect(
                    conninfo, password=password, autocommit=True, connect_timeout=5
                ) as source:
                    source.execute(
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = %s AND pid <> pg_backend_pid()",
                        (self._name(alias),),
                    )
            except psycopg.Error as error:  # the interrupt and the load's end still stop it
                log.warning("could not cancel the reads of %s: %s", alias, error)

    def alias(self, scan: SourceScan) -> str:
        key = (scan.conninfo, scan.password)
        with self._lock:
            if key not in self._aliases:
                alias = f"__elt_pg_{len(self._aliases)}"
                # Its sessions are found by this name when they must be cancelled.
                conninfo = make_conninfo(scan.conninfo, application_name=self._name(alias))
                options = "TYPE postgres, READ_ONLY"
                if scan.password is not None:
                    # The password in a secret of this process, never in the connection string,
                    # which the extension repeats in its error messages.
                    self._connection.execute(
                        f"CREATE OR REPLACE TEMPORARY SECRET {alias} "
                        f"(TYPE postgres, PASSWORD {sql_text(scan.password)})"
                    )
                    options += f", SECRET {alias}"
                try:
                    # The extension's pool keeps up to pg_pool_max_connections (4) idle
                    # connections for the next reads. Without it (0) the process was measured
                    # aborting (an exception out of a destructor, "ROLLBACK" on a dead
                    # connection) when the source's server restarted mid-read.
                    self._connection.execute(f"ATTACH {sql_text(conninfo)} AS {alias} ({options})")
                except duckdb.Error as error:
                    # libpq's reason only: the extension's message repeats the conninfo.
                    reason = connection_error_reason(_message(error))
                    raise ScanFailed(f"{scan.label}: cannot connect ({reason})") from None
                self._aliases[key] = alias
            return self._aliases[key]

    def close(self) -> None:
        with self._lock:
            for alias in self._aliases.values():
                with contextlib.suppress(duckdb.Error):  # the connection is closing anyway
                    self._connection.execute(f"DETACH {alias}")
            self._aliases.clear()


def _message(error: duckdb.Error) -> str:
    """The server's or libpq's words, without DuckDB's prefix and the query it ran."""
    text = str(error)
    for prefix in ("IO Error: ", "Invalid Input Error: "):
        text = text.removeprefix(prefix)
    return text.split("\n\nCOPY (", 1)[0].strip()


def _run_part(
    cursor: duckdb.DuckDBPyConnection,
    alias: str,
    setup: Sequence[str],
    query: str,
    insert: Callable[[str], str],
) -> list[tuple[Any, ...]]:
    """One query in a transaction of its own (DuckDB's, and so the attached server's)."""
    cursor.begin()
    try:
        for statement in setup:
            cursor.execute(f"CALL postgres_execute('{alias}', {sql_text(statement)})")
        result = cursor.execute(insert(f"postgres_query('{alias}', {sql_text(query)})")).fetchall()
        cursor.commit()
    except BaseException:
        # The error that stopped the part is the one to judge; a rollback over a connection
        # that the server dropped fails too, and must not replace it.
        with contextlib.suppress(duckdb.Error):
            cursor.rollback()
        raise
    return result


def run_scan(
    attachments: Attachments,
    scan: SourceScan,
    insert: Callable[[str], str],
    progress: Callable[[int], None],
) -> int:
    """Run the scan's queries, as many at once as there are streams, each into the stage by
    `insert(<the extension's table function reading it>)` in a transaction of its own; the
    rows inserted.

    DuckDB holds a transaction's rows in memory until its commit, so a part is committed as
    soon as it is in: the staging table is private, publishing is what must be atomic.
    """
    streams = max(1, min(attachments.streams, len(scan.queries)))
    pending = list(scan.queries)
    lock = threading.Lock()
    done = [0]
    failures: list[BaseException] = []  # in the order they happened: the first is the cause

    alias = attachments.alias(scan)

    def stream_worker(cursor: duckdb.DuckDBPyConnection) -> None:
        while True:
            with lock:
                if not pending or failures:
                    return
                query = pending.pop(0)
            with attachments.permits:
                result = _run_part(cursor, alias, scan.setup, query, insert)
            with lock:
                done[0] += int(result[0][0]) if result else 0
                total = done[0]
            progress(total)

    with attachments.cursors(streams) as cursors:

        def run(stream: int) -> None:
            try:
                stream_worker(cursors[stream])
            except BaseException as error:
                with lock:
                    failures.append(error)
                for other in cursors:  # the other streams' parts are of no use now
                    if other is not cursors[stream]:
                        other.interrupt()

        if streams == 1:
            run(0)
        else:
            with ThreadPoolExecutor(streams, thread_name_prefix="elt-pg-scan") as pool:
                list(pool.map(run, range(streams)))
    if failures:
        first = failures[0]
        if isinstance(first, duckdb.Error):
            raise ScanFailed(_message(first)) from first
        raise first
    return done[0]
