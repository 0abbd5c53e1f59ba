"""PostgreSQL into DuckDB through DuckDB's own PostgreSQL extension: binary COPY, decoded in C++
straight into DuckDB's vectors, over ranges of a large table read by several connections.

The extension comes from the `duckdb-extension-postgres` wheel (PyPI has one per DuckDB
version up to 1.5.5; `INSTALL` would download it, which these machines cannot). Where it is
missing, `load_postgres_extension` says why and the warehouse reads CSV through psql instead.

The source says what to read (`SourceScan`: its query, its session, how it splits into ranges of
pages); this module measures the table, splits it where that pays, and runs the queries, each
connection one of the extension's pool, which `Attachments` keeps within ELT_MAX_WORKERS. The
casts that make every value exact are the type map's (`to_duckdb_scanned`), the same rules as
the CSV path's.
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

from .. import conninfo
from ..catalog_types import sql_text
from ..errors import connection_error_reason
from ..psql_copy import CopyFailed
from ..reads import SourceScan

__all__ = ["Attachments", "ScanFailed", "load_postgres_extension", "run_scan"]

log = logging.getLogger(__name__)


class ScanFailed(CopyFailed):
    """The extension's error (the server's message, or libpq's): a ConnectionFault, which the
    retry policy judges by its text as it judges psql's."""


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


class Budget:
    """`size` permits, taken one or several at once, first come first served (so that a scan
    waiting for several is not passed by ones taking one)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._next = 0  # the ticket the next to ask gets
        self._serving = 0  # the ticket whose turn it is
        self._turn = threading.Condition()

    @contextmanager
    def __call__(self, count: int = 1) -> Iterator[None]:
        count = min(count, self.size)
        with self._turn:
            ticket = self._next
            self._next += 1
            self._turn.wait_for(lambda: self._serving == ticket and self._free >= count)
            self._free -= count
            self._serving += 1
            self._turn.notify_all()
        try:
            yield
        finally:
            with self._turn:
                self._free += count
                self._turn.notify_all()


class Attachments:
    """One attached database per source; the extension gives each DuckDB transaction a
    connection of its own from the attachment's pool, which keeps up to `streams` idle ones
    for the next. Every transaction takes a permit of `budget` (ELT_MAX_WORKERS, all tables
    together) first: at most `streams` in use, and so at most `streams` open, idle or not;
    where several attachments reach one server, each transaction's start closes the others'
    idle connections (`_close_idle`).

    The pool's own limit ("wait" when all are in use) would bound them too, but it forgets
    a connection that failed: after the source's server restarted, it was measured waiting for
    two connections that no longer existed. The cursors reading now are kept to interrupt
    them all."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, streams: int) -> None:
        self._connection = connection
        self.streams = streams
        self.budget = Budget(streams)
        self._lock = threading.Lock()
        self._aliases: dict[tuple[str, str | None], str] = {}
        self._servers: dict[str, tuple[str, str]] = {}  # each attachment's server: host, port
        self._in_use: dict[str, int] = {}  # connections each attachment's transactions hold
        self._reading: list[duckdb.DuckDBPyConnection] = []

    @contextmanager
    def cursors(self, alias: str, count: int) -> Iterator[list[duckdb.DuckDBPyConnection]]:
        """`count` cursors of the warehouse's connection for transactions on `alias`, with
        `count` permits."""
        with self.budget(count):
            cursors = [self._connection.cursor() for _ in range(count)]
            with self._lock:
                self._reading += cursors
                self._in_use[alias] += count
                self._close_idle(self._servers[alias], alias)
            try:
                for cursor in cursors:
                    cursor.execute("SET TimeZone = 'UTC'")
                yield cursors
            finally:
                for cursor in cursors:
                    cursor.close()
                with self._lock:
                    for cursor in cursors:
                        self._reading.remove(cursor)
                    self._in_use[alias] -= count

    def _close_idle(self, server: tuple[str, str], opening: str | None) -> None:
        """Before `opening` (or a new attachment) opens a connection to `server`: the other
        attachments to that server (other databases, or logins) close their idle connections,
        which the permits do not count, and `opening`'s pool keeps idle ones again. A pool with
        none in use is turned off (0) until its next transaction turns it on: a connection in
        use always has its pool."""
        others = [a for a in self._in_use if a != opening and self._servers[a] == server]
        if not others:
            return
        if opening is not None:
            self._configure_pool(opening, self.streams)
        for other in others:
            self._configure_pool(other, self._in_use[other])

    def _configure_pool(self, alias: str, connections: int) -> None:
        # Lowering it closes the idle connections above it at once (measured).
        try:
            self._connection.execute(
                f"FROM postgres_configure_pool(catalog_name={sql_text(alias)}, "
                f"max_connections={connections})"
            ).fetchall()
        except duckdb.Error as error:  # the bound is loosened, the load goes on
            log.warning("could not set the connection pool of %s: %s", alias, _message(error))

    def query(self, scan_info: str, password: str | None, text: str) -> list[tuple[Any, ...]]:
        """`text`'s rows, run on the source in a transaction of its own (SourceQueries)."""
        alias = self._attach(scan_info, password, None)
        with self.cursors(alias, 1) as (cursor,):
            try:
                return _run_part(cursor, alias, (), _select(alias, text))
            except duckdb.Error as error:
                raise ScanFailed(_message(error)) from error

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
        if not attached:
            return
        import psycopg  # only to cancel: a load's reads do not need it

        for (scan_info, password), alias in attached:
            try:
                with psycopg.connect(
                    scan_info, password=password, autocommit=True, connect_timeout=5
                ) as source:
                    source.execute(
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = %s AND pid <> pg_backend_pid()",
                        (self._name(alias),),
                    )
            except psycopg.Error as error:  # the interrupt and the load's end still stop it
                log.warning("could not cancel the reads of %s: %s", alias, error)

    def alias(self, scan: SourceScan) -> str:
        return self._attach(scan.conninfo, scan.password, scan.label)

    def _attach(self, scan_info: str, password: str | None, label: str | None) -> str:
        """The alias of the source's attachment, attached on first use; `label` names the
        source in an error (by default its database and host)."""
        key = (scan_info, password)
        with self._lock:
            if key in self._aliases:
                return self._aliases[key]
        with self.budget(1), self._lock:  # its first connection takes a permit as any other
            if key not in self._aliases:
                params = conninfo.parse(scan_info)
                server = (
                    str(params.get("host") or params.get("hostaddr") or ""),
                    str(params.get("port") or ""),
                )
                self._close_idle(server, None)
                alias = f"__elt_pg_{len(self._aliases)}"
                # Its sessions are found by this name when they must be cancelled.
                named = conninfo.make(params | {"application_name": self._name(alias)})
                options = "TYPE postgres, READ_ONLY"
                if password is not None:
                    # The password in a secret of this process, never in the connection string,
                    # which the extension repeats in its error messages.
                    self._connection.execute(
                        f"CREATE OR REPLACE TEMPORARY SECRET {alias} "
                        f"(TYPE postgres, PASSWORD {sql_text(password)})"
                    )
                    options += f", SECRET {alias}"
                try:
                    # Without a pool (0) the process was measured aborting (an exception out
                    # of a destructor, "ROLLBACK" on a dead connection) when the source's
                    # server restarted mid-read.
                    self._connection.execute(f"SET pg_pool_max_connections = {self.streams}")
                    self._connection.execute(f"ATTACH {sql_text(named)} AS {alias} ({options})")
                except duckdb.Error as error:
                    # libpq's reason only: the extension's message repeats the conninfo.
                    reason = connection_error_reason(_message(error))
                    where = label or (
                        f"database {params.get('dbname', '')!r} on "
                        f"{params.get('host', 'localhost')}"
                    )
                    raise ScanFailed(f"{where}: cannot connect ({reason})") from None
                self._aliases[key] = alias
                self._servers[alias] = server
                self._in_use[alias] = 0
            return self._aliases[key]

    def close(self) -> None:
        with self._lock:
            for alias in self._aliases.values():
                with contextlib.suppress(duckdb.Error):  # the connection is closing anyway
                    self._connection.execute(f"DETACH {alias}")
            self._aliases.clear()
            self._servers.clear()
            self._in_use.clear()


def _message(error: duckdb.Error) -> str:
    """The server's or libpq's words, without DuckDB's prefix and the query it ran."""
    text = str(error)
    for prefix in ("IO Error: ", "Invalid Input Error: "):
        text = text.removeprefix(prefix)
    return text.split("\n\nCOPY (", 1)[0].strip()


def _table_function(alias: str, query: str) -> str:
    """The extension's table function reading `query`'s rows from the attached source."""
    return f"postgres_query('{alias}', {sql_text(query)})"


def _select(alias: str, query: str) -> str:
    return f"SELECT * FROM {_table_function(alias, query)}"


def _run_part(
    cursor: duckdb.DuckDBPyConnection,
    alias: str,
    setup: Sequence[str],
    statement: str,
    after_setup: Callable[[], None] = lambda: None,
    before_commit: Callable[[], None] = lambda: None,
) -> list[tuple[Any, ...]]:
    """`statement` in a transaction of its own (DuckDB's, and so the attached server's), after
    `setup` on the source."""
    cursor.begin()
    try:
        for command in setup:
            cursor.execute(f"CALL postgres_execute('{alias}', {sql_text(command)})")
        after_setup()
        result = cursor.execute(statement).fetchall()
        before_commit()
        cursor.commit()
    except BaseException:
        # The error that stopped the part is the one to judge; a rollback over a connection
        # that the server dropped fails too, and must not replace it.
        with contextlib.suppress(duckdb.Error):
            cursor.rollback()
        raise
    return result


def _inserted(result: list[tuple[Any, ...]]) -> int:
    return int(result[0][0]) if result else 0


def run_scan(
    attachments: Attachments,
    scan: SourceScan,
    insert: Callable[[str], str],
    progress: Callable[[int], None],
) -> int:
    """Read the scan's rows into the stage, by `insert(<the extension's table function reading
    them>)`: in one query, or, for a large table, in one part per stream over ranges of its
    pages in one snapshot; the rows inserted.

    DuckDB holds a transaction's rows in memory until its commit, so a part is committed as
    soon as it is in: the staging table is private, publishing is what must be atomic.
    """
    alias = attachments.alias(scan)
    queries: tuple[str, ...] = (scan.query,)
    if scan.ranges is not None and attachments.streams > 1:
        ((pages, version),) = attachments.query(
            scan.conninfo, scan.password, scan.ranges.pages_query
        )
        queries = scan.ranges.split(int(pages or 0), int(version), attachments.streams)
    try:
        if len(queries) == 1:
            with attachments.cursors(alias, 1) as (cursor,):
                statement = insert(_table_function(alias, queries[0]))
                rows = _inserted(_run_part(cursor, alias, scan.session, statement))
            progress(rows)
            return rows
        log.info("%s: reading in %d parts at once, in one snapshot", scan.label, len(queries))
        return _run_parts(attachments, alias, scan.session, queries, insert, progress)
    except duckdb.Error as error:
        raise ScanFailed(_message(error)) from error


class _Parts:
    """The parts of one table read at once in one snapshot, each on a connection of its own:
    the first part's transaction exports the snapshot, reads its own part, and ends only once
    every other part has taken the snapshot. So a table read in N parts holds N connections."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.state = threading.Condition()
        self.snapshot: str | None = None
        self.taken = 0
        self.rows = 0
        self.failures: list[BaseException] = []  # as they happened
        # A part that could not take the snapshot failed because the part that exported it
        # did (its transaction ended): that one's error is the cause, reported first.
        self.consequences: list[BaseException] = []
        # The parts in the snapshot: its exporter, and the parts that took it.
        self.holding: set[int] = {0}

    def failed_any(self) -> bool:
        return bool(self.failures or self.consequences)

    def exported(self, snapshot: str) -> None:
        with self.state:
            self.snapshot = snapshot
            self.state.notify_all()

    def wait_for_snapshot(self) -> str | None:
        """The snapshot, once exported; None if a part failed first."""
        with self.state:
            self.state.wait_for(lambda: self.snapshot is not None or self.failed_any())
            return self.snapshot

    def took(self, index: int) -> None:
        with self.state:
            self.taken += 1
            self.holding.add(index)
            self.state.notify_all()

    def wait_until_all_took(self) -> None:
        with self.state:
            self.state.wait_for(lambda: self.taken == self.count - 1 or self.failed_any())
            if self.failed_any():
                raise _OtherPartFailed

    def failed(self, index: int, error: BaseException) -> None:
        with self.state:
            (self.failures if index in self.holding else self.consequences).append(error)
            self.state.notify_all()

    def cause(self) -> BaseException | None:
        with self.state:
            return next(iter(self.failures + self.consequences), None)

    def inserted(self, rows: int) -> int:
        with self.state:
            self.rows += rows
            return self.rows


class _OtherPartFailed(Exception):
    """This part stopped because another failed (which is the error to report)."""


def _run_parts(
    attachments: Attachments,
    alias: str,
    session: Sequence[str],
    queries: Sequence[str],
    insert: Callable[[str], str],
    progress: Callable[[int], None],
) -> int:
    parts = _Parts(len(queries))

    def read(cursor: duckdb.DuckDBPyConnection, index: int) -> None:
        statement = insert(_table_function(alias, queries[index]))
        if index == 0:

            def export() -> None:
                ((snapshot,),) = cursor.execute(
                    _select(alias, "SELECT pg_export_snapshot()")
                ).fetchall()
                parts.exported(str(snapshot))

            result = _run_part(cursor, alias, session, statement, export, parts.wait_until_all_took)
        else:
            snapshot = parts.wait_for_snapshot()
            if snapshot is None:
                return
            setup = (f"SET TRANSACTION SNAPSHOT {sql_text(snapshot)}", *session)
            result = _run_part(cursor, alias, setup, statement, lambda: parts.took(index))
        progress(parts.inserted(_inserted(result)))

    with attachments.cursors(alias, len(queries)) as cursors:

        def run(index: int) -> None:
            try:
                read(cursors[index], index)
            except _OtherPartFailed:
                pass
            except BaseException as error:
                parts.failed(index, error)
                for other in cursors:  # the other parts are of no use now
                    if other is not cursors[index]:
                        other.interrupt()

        with ThreadPoolExecutor(len(queries), thread_name_prefix="elt-pg-scan") as pool:
            list(pool.map(run, range(len(queries))))
    cause = parts.cause()
    if cause is not None:
        raise cause
    return parts.rows
