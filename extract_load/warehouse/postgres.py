"""The PostgreSQL warehouse: rows written by COPY on the load's own session.

A PostgreSQL source's table is piped in as binary COPY, never parsed (the fast path); Arrow
batches from any other source are written as CSV (extract_load/arrow_csv.py). A load holds one
connection to the warehouse, its session: its table's lock, its stage, its COPY and its
publishing transaction are all on it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

import psycopg
from psycopg import pq, sql
from psycopg.copy import QueuedLibpqWriter

from ..cancel import pause
from ..columns import fallback_warnings, postgres_compares_as_text, to_postgres
from ..errors import WarehouseError, connection_error_reason
from ..identifiers import qualified, quote_ident
from ..psql_copy import CopyFailed
from ..reads import ArrowRead, CopyRead
from ..settings import redact_url
from ..streams import Progress
from .base import StagePlan, Warehouse

__all__ = ["PostgresWarehouse"]

log = logging.getLogger(__name__)

# Bytes of COPY data written at a time: the most psycopg sends without copying them into
# smaller pieces first.
_PIECE = 128 << 10


class PostgresWarehouse(Warehouse):
    """One connection per thread (psycopg connections are not for concurrent use)."""

    kind = "postgres"

    def __init__(
        self,
        url: str,
        table_lock_wait_seconds: float = 3600,
        variable: str = "ELT_POSTGRES_URL",  # where `url` came from, for messages
    ) -> None:
        super().__init__()
        self.url = url
        self.variable = variable
        self.table_lock_wait_seconds = table_lock_wait_seconds
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._connection()  # fail now, with a clear message, if the URL is wrong

    def _connect(self, application_name: str) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self.url, autocommit=True, connect_timeout=15, application_name=application_name
            )
        except psycopg.OperationalError as error:
            reason = connection_error_reason(error)
            raise WarehouseError(
                f"{self.variable}: cannot connect to {redact_url(self.url)} ({reason}); "
                "check the URL, the server and the credentials"
            ) from error

    def _connection(self) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect(_app())
            connection.execute("SET TimeZone = 'UTC'")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection().cursor() as cursor:
            cursor.execute(statement, params or None)
            return cursor.fetchall() if cursor.description else []

    def query(self, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self._connection().cursor() as cursor:
            cursor.execute(statement)
            columns = [column.name for column in cursor.description or ()]
            return columns, cursor.fetchall()

    def _insert_count(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self._connection().cursor() as cursor:
            cursor.execute(statement, params or None)
            return cursor.rowcount

    @contextmanager
    def table_lock(self, schema: str, table: str) -> Iterator[None]:
        """A session advisory lock on the table's name, taken on the load's own session (a load
        holds one connection to the warehouse), which is named after the table meanwhile.
        Released when the load ends, and by the server if the session or the process dies:
        then the load cannot publish either, as it publishes on that session."""
        name = f"{schema}.{table}"
        connection = self._connection()
        key = _fetch_one(connection, "SELECT hashtextextended(%s, 0)", (f"elt-load {name}",))
        connection.execute("SELECT set_config('application_name', %s, false)", (_app(name),))
        try:
            deadline = time.monotonic() + self.table_lock_wait_seconds
            told = False
            while not _fetch_one(connection, "SELECT pg_try_advisory_lock(%s)", (key,)):
                holder = _lock_holder(connection, key)
                if time.monotonic() >= deadline:
                    raise WarehouseError(
                        f"{name}: another load of this table is running ({holder}); waited "
                        f"{self.table_lock_wait_seconds:.0f} s (ELT_TABLE_LOCK_WAIT_SECONDS). "
                        "Let it finish, or stop it, then load again"
                    )
                if not told:
                    log.warning(
                        "%s: another load of this table is running (%s); waiting for it, up to "
                        "%.0f s (ELT_TABLE_LOCK_WAIT_SECONDS)",
                        name,
                        holder,
                        self.table_lock_wait_seconds,
                    )
                    told = True
                pause(0.5)  # or less, if the load is cancelled meanwhile
            try:
                yield
            finally:
                _release(connection, "SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            _release(connection, "SELECT set_config('application_name', %s, false)", (_app(),))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._connection().transaction():
            yield

    def table_columns(self, schema: str, table: str) -> dict[str, str] | None:
        rows = self.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute AS a "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            (qualified(schema, table),),
        )
        return dict(rows) if rows else None

    def _row_json(self, alias: str) -> str:
        return f"row_to_json({alias})::text"

    def _compare_exprs(self, schema: str, table: str, columns: Sequence[str]) -> list[str]:
        types = self.table_columns(schema, table) or {}
        return [
            "{}." + quote_ident(c) + ("::text" if postgres_compares_as_text(types[c]) else "")
            for c in columns
        ]

    def _create_stage(self, plan: StagePlan, definitions: Sequence[tuple[str, str]]) -> str:
        """The staging table; the batch's metadata come from column defaults, so that a COPY
        carries the source's columns only (`_drop_defaults` once it is done)."""
        stage = qualified(plan.schema, plan.stage)
        columns = ", ".join(f"{quote_ident(name)} {kind}" for name, kind in definitions)
        self.execute(f"DROP TABLE IF EXISTS {stage}")
        create = sql.SQL(
            "CREATE TABLE {} ({}, _loaded_at timestamptz NOT NULL DEFAULT {}, "
            "_batch_id text NOT NULL DEFAULT {})"
        ).format(
            sql.SQL(stage),
            sql.SQL(columns),
            sql.Literal(plan.batch.started_at),
            sql.Literal(plan.batch.batch_id),
        )
        self.execute(create.as_string(self._connection()))
        return stage

    def _drop_defaults(self, stage: str) -> None:
        self.execute(f"ALTER TABLE {stage} ALTER COLUMN _loaded_at DROP DEFAULT")
        self.execute(f"ALTER TABLE {stage} ALTER COLUMN _batch_id DROP DEFAULT")

    def _write_copy(self, plan: StagePlan, read: CopyRead, progress: Progress) -> int:
        columns = [to_postgres(column) for column in read.columns]
        fallback_warnings(read.label, read.columns, columns)
        stage = self._create_stage(plan, [(c.name, c.pg_type) for c in columns])
        column_list = ", ".join(quote_ident(c.name) for c in columns)
        copy_in = f"COPY {stage} ({column_list}) FROM STDIN (FORMAT binary)"
        # Binary COPY out of the source (psql), written as it comes into binary COPY into the
        # stage on the load's own session: the rows are never parsed. Leaving the block early
        # kills psql and fails the COPY, and the stage (private until published) is dropped by
        # the caller.
        with read.copy([c.source_expr for c in columns], "FORMAT binary") as source:
            rows = self._copy_in(copy_in, _pieces(source.data), lambda size: progress(-1, size))
            rows_out = source.finish()
        if rows != rows_out:
            raise CopyFailed(f"{stage}: the source sent {rows_out:,} rows, {rows:,} arrived")
        self._drop_defaults(stage)
        return rows

    def _write_arrow(self, plan: StagePlan, read: ArrowRead, progress: Progress) -> int:
        from ..arrow_csv import arrow_csv  # pyarrow: only when a source sends Arrow

        stage = self._create_stage(plan, [(c.name, c.postgres_type) for c in read.columns])
        column_list = ", ".join(quote_ident(c.name) for c in read.columns)
        copy_in = f"COPY {stage} ({column_list}) FROM STDIN (FORMAT csv)"
        rows_in = 0

        def pieces() -> Iterator[bytes]:
            nonlocal rows_in
            for batch in read.batches():
                yield arrow_csv(batch)
                rows_in += batch.num_rows
                progress(rows_in, read.bytes_read)

        rows = self._copy_in(copy_in, pieces())
        rows_out = read.finish()
        if not rows == rows_in == rows_out:
            raise CopyFailed(
                f"{read.label}: the source sent {rows_out:,} rows, {rows:,} arrived in {stage}"
            )
        self._drop_defaults(stage)
        return rows

    def _copy_in(
        self,
        copy_in: str,
        pieces: Iterable[bytes],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """`COPY ... FROM STDIN` on the load's own session, fed `pieces`; the rows it took."""
        moved = 0
        with self._connection().cursor() as cursor:
            # The socket is written by a thread of psycopg's while this one reads the source.
            with cursor.copy(copy_in, writer=QueuedLibpqWriter(cursor)) as copy:
                for piece in pieces:
                    copy.write(piece)
                    moved += len(piece)
                    if progress is not None:
                        progress(moved)
            return cursor.rowcount

    def _rename(self, schema: str, stage: str, target: str) -> None:
        self.execute(f"ALTER TABLE {qualified(schema, stage)} RENAME TO {quote_ident(target)}")

    def _replace(self, schema: str, target: str, stage: str, columns: Sequence[str]) -> None:
        # Views over the table (dbt's staging layer) point at it by identity, so the table is
        # emptied and refilled rather than swapped; TRUNCATE is transactional here.
        column_list = ", ".join(quote_ident(c) for c in columns)
        self.execute(f"TRUNCATE {qualified(schema, target)}")
        self.execute(
            f"INSERT INTO {qualified(schema, target)} ({column_list}) "
            f"SELECT {column_list} FROM {qualified(schema, stage)}"
        )

    @contextmanager
    def _ddl(self) -> Iterator[None]:
        """A transaction that holds the warehouse's DDL lock: CREATE ... IF NOT EXISTS races
        with itself on PostgreSQL (two sessions both see no schema, and the second fails on the
        catalog's unique index), so processes starting together make the schemas one by one."""
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(hashtextextended('elt-ddl', 0))")
            yield

    def ensure_metadata(self) -> None:
        with self._ddl():
            super().ensure_metadata()

    def ensure_schema(self, schema: str) -> None:
        # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema
        # exists, which a loader does not have: its schemas are made by `elt warehouse init`.
        if self.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)):
            return
        try:
            with self._ddl():
                super().ensure_schema(schema)
        except psycopg.errors.InsufficientPrivilege:
            user = self.execute("SELECT current_user::text")[0][0]
            raise WarehouseError(
                f"schema {schema} does not exist, and {user} ({self.variable}) may not create "
                "it: run `elt warehouse init` as an administrator (ELT_POSTGRES_URL), which "
                "makes the schema of every source in sources.yml"
            ) from None

    def interrupt(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # A statement under way is cancelled; an idle connection is left as it is.
            with contextlib.suppress(psycopg.Error):
                connection.cancel_safe(timeout=5)

    def reset_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        # A COPY whose socket closed under it can leave the session in the COPY, not marked
        # broken: its next command fails with "another command is already in progress".
        if connection is not None and (
            connection.closed
            or connection.broken
            or connection.info.transaction_status != pq.TransactionStatus.IDLE
        ):
            self._discard_connection()

    def release_connection(self) -> None:
        self._discard_connection()

    def _discard_connection(self) -> None:
        """Close and forget this thread's connection; the next use opens a new one."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            return
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)
        self._local.connection = None
        connection.close()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """An unbuffered byte stream (PsqlCopy's pipe) in pieces of up to _PIECE bytes, as they come:
    an unbuffered read returns what the pipe holds, without waiting to fill the piece."""
    while piece := stream.read(_PIECE):
        yield piece


def _app(table: str | None = None) -> str:
    """The application name of the loader's sessions, with the table a session is loading."""
    return f"elt-loader {table}"[:63] if table else "elt-loader"


def _release(connection: psycopg.Connection, statement: str, params: Sequence[Any]) -> None:
    """Undo what a load set on its session, unless the session broke (and took it along)."""
    if not (connection.closed or connection.broken):
        with contextlib.suppress(psycopg.Error):
            connection.execute(statement, params)


def _fetch_one(connection: psycopg.Connection, statement: str, params: Sequence[Any]) -> Any:
    row = connection.execute(statement, params).fetchone()
    assert row is not None, "the statement returns one row"
    return row[0]


def _lock_holder(connection: psycopg.Connection, key: int) -> str:
    """Who holds the advisory lock `key`: its backend, application and since when."""
    row = connection.execute(
        # A bigint key is stored as two halves: classid the high 32 bits, objid the low.
        "SELECT activity.pid, activity.application_name, activity.backend_start "
        "FROM pg_locks AS locks INNER JOIN pg_stat_activity AS activity USING (pid) "
        "WHERE locks.locktype = 'advisory' AND locks.granted AND locks.objsubid = 1 "
        "AND locks.classid = ((%s >> 32) & 4294967295)::bigint::oid "
        "AND locks.objid = (%s & 4294967295)::bigint::oid",
        (key, key),
    ).fetchone()
    if row is None:
        return "it has just ended"
    pid, application, since = row
    return f"PostgreSQL backend {pid}, {application or 'unnamed'}, since {since:%H:%M:%S} UTC"
