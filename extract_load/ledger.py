"""The load ledger and cursors: what every batch did, in the warehouse's `elt` schema."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from .schemas import METADATA_SCHEMA

__all__ = [
    "CANCELLED",
    "CURSORS",
    "LOADED_FILES",
    "LOAD_BATCHES",
    "METADATA_DDL",
    "QUARANTINE",
    "Batch",
    "Execute",
    "FileRecord",
    "commit_batch",
    "finish_batch",
    "loaded_file",
    "loads_since_key_check",
    "new_batch_id",
    "read_cursor",
    "record_file",
    "start_batch",
]

# A warehouse's `execute`: one statement with `%s` placeholders, its rows if any. Both
# warehouses write the ledger through it, in the SQL they share.
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

LOAD_BATCHES = f"{METADATA_SCHEMA}.load_batches"  # one row per batch
QUARANTINE = f"{METADATA_SCHEMA}.quarantine"  # rows that could not be loaded, with the reason
CURSORS = f"{METADATA_SCHEMA}.cursors"  # per incremental table, how far it is loaded
LOADED_FILES = f"{METADATA_SCHEMA}.loaded_files"  # per landed file, its content and counts
# The status of a batch whose rows were published.
SUCCEEDED = "succeeded"
# A batch's status while it works, and once found left so by a process that died.
RUNNING = "running"
ABANDONED = "abandoned"
# A batch stopped because its process was told to stop (SIGTERM, Ctrl-C, a cancelled run).
CANCELLED = "cancelled"

# Written in the SQL both warehouses share, in the schema METADATA_SCHEMA (which the warehouse
# makes first). No key constraints: DuckDB's indexes make updates of indexed tables awkward,
# and the loader is the only writer.
METADATA_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {LOAD_BATCHES} (
        batch_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        mode VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        rows_read BIGINT,
        rows_loaded BIGINT,
        rows_quarantined BIGINT,
        rows_changed BIGINT,
        values_nulled BIGINT,
        rows_deleted BIGINT,
        cursor_column VARCHAR,
        cursor_before VARCHAR,
        cursor_after VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        seconds DOUBLE PRECISION,
        error VARCHAR
    )""",
    # Ledgers made before these columns existed get them.
    f"ALTER TABLE {LOAD_BATCHES} ADD COLUMN IF NOT EXISTS rows_quarantined BIGINT",
    f"ALTER TABLE {LOAD_BATCHES} ADD COLUMN IF NOT EXISTS rows_changed BIGINT",
    f"ALTER TABLE {LOAD_BATCHES} ADD COLUMN IF NOT EXISTS values_nulled BIGINT",
    f"ALTER TABLE {LOAD_BATCHES} ADD COLUMN IF NOT EXISTS rows_deleted BIGINT",
    f"""CREATE TABLE IF NOT EXISTS {QUARANTINE} (
        batch_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        key_value VARCHAR,
        row_data VARCHAR NOT NULL,
        quarantined_at TIMESTAMPTZ NOT NULL
    )""",
    # A file's bad lines: its path under the landing and the line's number in it.
    f"ALTER TABLE {QUARANTINE} ADD COLUMN IF NOT EXISTS file VARCHAR",
    f"ALTER TABLE {QUARANTINE} ADD COLUMN IF NOT EXISTS line BIGINT",
    f"""CREATE TABLE IF NOT EXISTS {LOADED_FILES} (
        source VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        size BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        batch_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        error VARCHAR,
        loaded_at TIMESTAMPTZ NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {CURSORS} (
        source VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        cursor_column VARCHAR NOT NULL,
        cursor_value VARCHAR,
        batch_id VARCHAR NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
)


def new_batch_id(started_at: datetime) -> str:
    """`20261122T035910-0713fa4c`: when, and a random part. Every raw row carries it, so it is
    short (source and table are in the ledger row): at 46 characters it made a narrow
    table's rows half as wide again and its PostgreSQL load 20 % slower (bench/load.py)."""
    return f"{started_at:%Y%m%dT%H%M%S}-{uuid4().hex[:8]}"


@dataclass
class Batch:
    """One table's load in one run; becomes one row of elt.load_batches."""

    source: str
    table: str
    mode: str
    cursor_column: str | None = None
    cursor_before: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    batch_id: str = ""
    rows_read: int = 0  # read from the source
    rows_quarantined: int = 0  # set aside in elt.quarantine (rows_read = loaded + quarantined)
    rows_loaded: int = 0  # accepted: raw now holds them as the source does
    rows_changed: int = 0  # of those, new or different rows actually written
    # Values the source could not express, loaded as NULL (MySQL's zero dates), each column
    # named in a warning.
    values_nulled: int = 0
    # Raw rows whose key is gone from the source, marked or removed (deletes: soft, hard);
    # None when this batch did not compare key sets.
    rows_deleted: int | None = None
    cursor_after: str | None = None
    status: str = RUNNING
    error: str | None = None

    def __post_init__(self) -> None:
        if not self.batch_id:
            self.batch_id = new_batch_id(self.started_at)

    @property
    def seconds(self) -> float:
        return (datetime.now(UTC) - self.started_at).total_seconds()


def read_cursor(execute: Execute, source: str, table: str) -> str | None:
    """The cursor value the last good batch of this table reached; None before the first."""
    rows = execute(
        f"SELECT cursor_value FROM {CURSORS} WHERE source = %s AND table_name = %s",
        (source, table),
    )
    return rows[0][0] if rows else None


def loads_since_key_check(execute: Execute, source: str, table: str) -> int | None:
    """Succeeded batches of the table since the last one that compared key sets (its
    rows_deleted is set); None if none ever did."""
    done = f"source = %s AND table_name = %s AND status = {_literal(SUCCEEDED)}"
    ((last,),) = execute(
        f"SELECT max(started_at) FROM {LOAD_BATCHES} WHERE {done} AND rows_deleted IS NOT NULL",
        (source, table),
    )
    if last is None:
        return None
    ((count,),) = execute(
        f"SELECT count(*) FROM {LOAD_BATCHES} WHERE {done} AND started_at > %s",
        (source, table, last),
    )
    return int(count)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def start_batch(execute: Execute, batch: Batch) -> None:
    """The batch's ledger row, `running` until it is finished."""
    execute(
        f"INSERT INTO {LOAD_BATCHES} (batch_id, source, table_name, mode, status, "
        "cursor_column, cursor_before, started_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            batch.batch_id,
            batch.source,
            batch.table,
            batch.mode,
            RUNNING,
            batch.cursor_column,
            batch.cursor_before,
            batch.started_at,
        ),
    )


def abandon_running_batches(execute: Execute, source: str, table: str) -> list[str]:
    """Mark `abandoned` the table's batches still `running`, and return their ids. Called by
    a load that holds the table (its lock, or DuckDB's file): no live load owns them, so their
    process died before they ended; nothing of them was published."""
    rows = execute(
        f"UPDATE {LOAD_BATCHES} SET status = %s, finished_at = %s, error = %s "
        "WHERE source = %s AND table_name = %s AND status = %s RETURNING batch_id",
        (
            ABANDONED,
            datetime.now(UTC),
            "its process ended before the batch did (killed?); nothing of it was published",
            source,
            table,
            RUNNING,
        ),
    )
    return sorted(batch_id for (batch_id,) in rows)


def finish_batch(execute: Execute, batch: Batch) -> None:
    """The batch's ledger row as the batch ends: its status, counts, cursor and timing."""
    execute(
        f"UPDATE {LOAD_BATCHES} SET status = %s, rows_read = %s, rows_loaded = %s, "
        "rows_quarantined = %s, rows_changed = %s, values_nulled = %s, rows_deleted = %s, "
        "cursor_after = %s, finished_at = %s, seconds = %s, error = %s WHERE batch_id = %s",
        (
            batch.status,
            batch.rows_read,
            batch.rows_loaded,
            batch.rows_quarantined,
            batch.rows_changed,
            batch.values_nulled,
            batch.rows_deleted,
            batch.cursor_after,
            datetime.now(UTC),
            batch.seconds,
            batch.error,
            batch.batch_id,
        ),
    )


def commit_batch(execute: Execute, batch: Batch) -> None:
    """Inside the publishing transaction: the new cursor and the succeeded ledger row."""
    batch.status = SUCCEEDED
    if batch.cursor_column:
        execute(
            f"DELETE FROM {CURSORS} WHERE source = %s AND table_name = %s",
            (batch.source, batch.table),
        )
        execute(
            f"INSERT INTO {CURSORS} (source, table_name, cursor_column, cursor_value, "
            "batch_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                batch.source,
                batch.table,
                batch.cursor_column,
                batch.cursor_after,
                batch.batch_id,
                datetime.now(UTC),
            ),
        )
    finish_batch(execute, batch)


@dataclass(frozen=True)
class FileRecord:
    """One landed file as `elt.loaded_files` records it (one row per source, table and path:
    its last load)."""

    source: str
    table: str
    path: str
    size: int
    sha256: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    batch_id: str
    status: str  # succeeded, refused (too many bad lines), failed or cancelled
    error: str | None = None


def loaded_file(execute: Execute, source: str, table: str, path: str) -> tuple[str, str] | None:
    """(sha256, status) of the file's last load; None if it was never loaded."""
    rows = execute(
        f"SELECT sha256, status FROM {LOADED_FILES} "
        "WHERE source = %s AND table_name = %s AND path = %s",
        (source, table, path),
    )
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def record_file(execute: Execute, record: FileRecord) -> None:
    """The file's row in elt.loaded_files (inside its publishing transaction when it loaded)."""
    execute(
        f"DELETE FROM {LOADED_FILES} WHERE source = %s AND table_name = %s AND path = %s",
        (record.source, record.table, record.path),
    )
    execute(
        f"INSERT INTO {LOADED_FILES} (source, table_name, path, size, sha256, rows_read, "
        "rows_loaded, rows_quarantined, batch_id, status, error, loaded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            record.source,
            record.table,
            record.path,
            record.size,
            record.sha256,
            record.rows_read,
            record.rows_loaded,
            record.rows_quarantined,
            record.batch_id,
            record.status,
            record.error,
            datetime.now(UTC),
        ),
    )
