"""What both warehouses do the same way: staging, publishing, the ledger and cursors.

A batch is written into a staging table next to its target, then published in one
transaction together with its ledger row and cursor: a full table is replaced, an incremental
one gets the new and changed rows merged on its primary key. A loader killed at any point
leaves the previous table whole; its rerun finishes the job with no duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import ledger
from ..cancel import LoadCancelled
from ..deletes import DELETED_AT
from ..drift import drift_verdict
from ..errors import BadRowsError
from ..identifiers import qualified, quote_ident
from ..ledger import METADATA_DDL, QUARANTINE, Batch
from ..reads import ArrowRead, CopyRead, SourceQueries, SourceRead
from ..schemas import METADATA_SCHEMA
from ..streams import Progress
from ..tables import DeletePolicy
from .deletes import apply_deletes, deleted_at_ddl

__all__ = ["StagePlan", "Warehouse", "stage_name", "within_bad_rows_limit"]

log = logging.getLogger(__name__)

METADATA_COLUMNS = ("_loaded_at", "_batch_id")


# PostgreSQL cuts identifiers to 63 bytes (NAMEDATALEN - 1), silently.
_MAX_NAME_BYTES = 63


def within_bad_rows_limit(bad: int, rows_read: int, max_fraction: float) -> bool:
    """Whether a batch (or a file) with `bad` of `rows_read` rows set aside may still be
    published (ELT_MAX_BAD_ROWS_FRACTION)."""
    return bad <= max_fraction * rows_read


def stage_name(table: str, purpose: str = "stage") -> str:
    """`__stage_<table>`; for a long name, a prefix of it and a hash of the whole, so that the
    name stays within PostgreSQL's 63 bytes and two long tables never share a stage."""
    name = f"__{purpose}_{table}"
    if len(name.encode()) <= _MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(table.encode()).hexdigest()[:12]
    room = _MAX_NAME_BYTES - len(f"__{purpose}_") - len(digest) - 1
    prefix = table.encode()[:room].decode(errors="ignore")  # never half a character
    return f"__{purpose}_{prefix}_{digest}"


@dataclass(frozen=True)
class StagePlan:
    """Where one batch is staged: the warehouse's side only (the source's is a `SourceRead`)."""

    schema: str  # the warehouse schema, raw_<source>
    table: str
    batch: Batch
    purpose: str = "stage"  # names the staging table: __stage_<table>, __compare_<table>

    @property
    def stage(self) -> str:
        return stage_name(self.table, self.purpose)


class Warehouse(ABC):
    """A destination. Subclasses supply the connection, the SQL dialect and the stage writer."""

    kind: str

    def __init__(self) -> None:
        # Failures that could not be recorded (the warehouse's server was away): the next
        # batch of their table records them.
        self._unrecorded: list[Batch] = []
        self._unrecorded_lock = threading.Lock()

    # -- what each warehouse supplies -------------------------------------------------------
    @abstractmethod
    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (placeholders `%s`) and return its rows, if any."""

    @abstractmethod
    def query(self, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a query; its column names and rows."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A transaction on this thread's connection."""

    @abstractmethod
    def table_columns(self, schema: str, table: str) -> dict[str, str] | None:
        """Column name -> type as the warehouse describes it; None if there is no such table."""

    def write_stage(self, plan: StagePlan, read: SourceRead, progress: Progress) -> int:
        """Create the staging table, stream the source's rows into it, return the row count."""
        if isinstance(read, ArrowRead):
            with read:
                return self._write_arrow(plan, read, progress)
        return self._write_copy(plan, read, progress)

    @abstractmethod
    def _write_arrow(self, plan: StagePlan, read: ArrowRead, progress: Progress) -> int:
        """Stage Arrow record batches, typed as `read.columns` says for this warehouse."""

    @abstractmethod
    def _write_copy(self, plan: StagePlan, read: CopyRead, progress: Progress) -> int:
        """Stage a PostgreSQL table's COPY stream: the fast path."""

    @abstractmethod
    def _replace(self, schema: str, target: str, stage: str, columns: Sequence[str]) -> None:
        """Inside a transaction: make `stage` the content of `target`."""

    @abstractmethod
    def _rename(self, schema: str, stage: str, target: str) -> None:
        """Inside a transaction: turn `stage` into the new table `target`."""

    @abstractmethod
    def _compare_exprs(self, schema: str, table: str, columns: Sequence[str]) -> list[str]:
        """Per column, an expression `{}`-aliased that can be compared for equality."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def interrupt(self) -> None:
        """Stop the statements running now, from another thread (a cancelled load). The loads
        stop between pieces of data by themselves; this is for work that gives no progress
        until it ends."""

    @abstractmethod
    def reset_connection(self) -> None:
        """Forget this thread's connection if it broke, so that the next use reconnects."""

    @abstractmethod
    def release_connection(self) -> None:
        """Close this thread's connection, if the warehouse has one per thread: the calling
        thread's, once it hands the loads to threads that have their own."""

    def source_queries(self) -> SourceQueries | None:
        """How this warehouse runs a query on a PostgreSQL source on its own connections to it,
        so that a load reads the source's catalog there too and holds no other; None where the
        source module connects itself."""
        return None

    def table_lock(self, schema: str, table: str) -> AbstractContextManager[None]:
        """Held by a load of `schema.table` from reading its cursor to publishing, so that a
        load of the same table by another process waits for it instead of interleaving.
        DuckDB needs nothing more: one process holds the whole file (its writer lock)."""
        return nullcontext()

    # -- shared --------------------------------------------------------------------------
    def ensure_metadata(self) -> None:
        self.ensure_schema(METADATA_SCHEMA)
        for statement in METADATA_DDL:
            self.execute(statement)

    def ensure_schema(self, schema: str) -> None:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")

    def read_cursor(self, source: str, table: str) -> str | None:
        return ledger.read_cursor(self.execute, source, table)

    def loads_since_key_check(self, source: str, table: str) -> int | None:
        return ledger.loads_since_key_check(self.execute, source, table)

    def drop_stage(self, plan: StagePlan) -> None:
        self.execute(f"DROP TABLE IF EXISTS {qualified(plan.schema, plan.stage)}")

    def start_batch(self, batch: Batch) -> None:
        """The batch's ledger row; first, the failures of its table's earlier attempts that
        could not be recorded then are, and batches of its table that a dead process left
        `running` become `abandoned` (the caller holds the table's lock)."""
        with self._unrecorded_lock:
            earlier = [
                b for b in self._unrecorded if (b.source, b.table) == (batch.source, batch.table)
            ]
            self._unrecorded = [b for b in self._unrecorded if b not in earlier]
        for failed in earlier:
            self._finish_batch(failed)
        abandoned = ledger.abandon_running_batches(self.execute, batch.source, batch.table)
        if abandoned:
            log.warning(
                "%s.%s: batch(es) %s were left running by a process that ended; marked %s",
                batch.source,
                batch.table,
                ", ".join(abandoned),
                ledger.ABANDONED,
            )
        ledger.start_batch(self.execute, batch)

    def _finish_batch(self, batch: Batch) -> None:
        ledger.finish_batch(self.execute, batch)

    def fail_batch(self, plan: StagePlan, error: BaseException) -> None:
        """Record the failure (or the cancellation) and drop the staging table; the published
        table is untouched."""
        plan.batch.status = ledger.CANCELLED if isinstance(error, LoadCancelled) else "failed"
        plan.batch.error = f"{type(error).__name__}: {error}"[:4000]
        try:
            self.execute(f"DROP TABLE IF EXISTS {qualified(plan.schema, plan.stage)}")
            self._finish_batch(plan.batch)
        except Exception as error:  # the original error matters more than this one
            log.warning(
                "could not record the failure of batch %s yet (%s); the next load of %s will",
                plan.batch.batch_id,
                error,
                plan.table,
            )
            with self._unrecorded_lock:
                self._unrecorded.append(plan.batch)

    def row_count(self, schema: str, table: str, where: str = "") -> int:
        """Rows of the table (those meeting the SQL condition `where`, if given)."""
        condition = f" WHERE {where}" if where else ""
        return int(
            self.execute(f"SELECT count(*) FROM {qualified(schema, table)}{condition}")[0][0]
        )

    def publish(
        self,
        plan: StagePlan,
        mode: str,
        primary_key: Sequence[str],
        max_bad_fraction: float = 0.01,
        check_keys: bool = True,
        deletes: DeletePolicy = "soft",
        keys: StagePlan | None = None,
    ) -> Batch:
        """Publish the staged batch in one transaction with its ledger row and cursor.

        Rows whose primary key is NULL or not unique go to elt.quarantine in the same
        transaction; more than `max_bad_fraction` of them refuses the batch. An incremental
        table has `_deleted_at`; with the source's key set staged (`keys`), its rows deleted
        in the source are dealt with as `deletes` says, in the same transaction.
        """
        batch, schema, stage, target = plan.batch, plan.schema, plan.stage, plan.table
        bad = self._count_bad_keys(schema, stage, primary_key) if check_keys else 0
        if bad:
            problem = (
                f"{schema}.{target}: {bad:,} of {batch.rows_read:,} row(s) have a NULL or "
                f"duplicate primary key ({', '.join(primary_key)})"
            )
            if not within_bad_rows_limit(bad, batch.rows_read, max_bad_fraction):
                raise BadRowsError(
                    f"{problem}: more than {max_bad_fraction:.1%} of the batch, so nothing was "
                    "published. Fix the source, or raise ELT_MAX_BAD_ROWS_FRACTION"
                )
            log.warning("%s: quarantined in %s", problem, QUARANTINE)
        batch.rows_quarantined = bad
        batch.rows_loaded = batch.rows_read - bad
        staged = self.table_columns(schema, stage)
        assert staged is not None, "write_stage() creates the staging table"
        existing = self.table_columns(schema, target)
        source_columns = [name for name in staged if name not in METADATA_COLUMNS]
        if batch.cursor_column and batch.rows_read:
            (cursor_after,) = self.execute(
                f"SELECT CAST(max({quote_ident(batch.cursor_column)}) AS VARCHAR) "
                f"FROM {qualified(schema, stage)}"
            )[0]
            batch.cursor_after = cursor_after
        else:
            batch.cursor_after = batch.cursor_before

        if existing is None:
            if mode == "incremental":  # on the private stage: DuckDB refuses to alter a table
                self.execute(deleted_at_ddl(schema, stage))  # a transaction has modified
            with self.transaction():
                self._quarantine(plan, primary_key, bad)
                self._rename(schema, stage, target)
                batch.rows_changed = batch.rows_loaded
                self._commit_batch(batch)
            return batch

        added, dropped = self._check_drift(schema, target, existing, staged)
        if (
            mode == "full"
            and not bad
            and not added
            and not dropped
            and self._same_rows(schema, stage, target, source_columns, batch.rows_read)
        ):
            with self.transaction():
                batch.rows_changed = 0
                self._commit_batch(batch)
            self.execute(f"DROP TABLE IF EXISTS {qualified(schema, stage)}")
            return batch

        if mode == "full":  # a dropped column stays, NULL from now on
            for name in dropped:
                self.execute(
                    f"ALTER TABLE {qualified(schema, stage)} "
                    f"ADD COLUMN {quote_ident(name)} {existing[name]}"
                )
            source_columns += dropped
        for name in added:  # a new source column: NULL in the rows loaded before it existed
            self.execute(
                f"ALTER TABLE {qualified(schema, target)} "
                f"ADD COLUMN {quote_ident(name)} {staged[name]}"
            )
        if mode == "incremental":
            self.execute(deleted_at_ddl(schema, target))
        columns = [*source_columns, *METADATA_COLUMNS]
        with self.transaction():
            self._quarantine(plan, primary_key, bad)
            if mode == "full":
                self._replace(schema, target, stage, columns)
                batch.rows_changed = batch.rows_loaded
            else:
                batch.rows_changed = self._merge(schema, target, stage, source_columns, primary_key)
                batch.rows_deleted = apply_deletes(
                    self._insert_count,
                    schema,
                    target,
                    primary_key,
                    deletes,
                    batch,
                    datetime.now(UTC),
                    stage,
                    keys.stage if keys is not None else None,
                )
            self._commit_batch(batch)
        self.execute(f"DROP TABLE IF EXISTS {qualified(schema, stage)}")
        return batch

    def stage_files(self, plan: StagePlan, reads: Iterator[ArrowRead], progress: Progress) -> int:
        """Stage several files as one, where this warehouse reads them itself: it takes files
        from `reads` while they fit the first (the first that does not is dropped: stage it
        again); how many it staged, 0 if it cannot read the first itself (`write_stage` it)."""
        return 0

    def publish_files(
        self,
        plan: StagePlan,
        files: Mapping[str, Sequence[tuple[int, str, str]]],
        record: Callable[[], None],
    ) -> None:
        """Publish staged files in one transaction: the rows of each file's earlier load
        (`_file` = its path) and their quarantined lines are replaced by its staged rows and
        its bad lines (`files`: path -> (line, reason, raw text) each), and `record` writes
        their ledger rows. Drift between files follows the policy of `publish`."""
        schema, stage, target = plan.schema, plan.stage, plan.table
        staged = self.table_columns(schema, stage)
        assert staged is not None, "write_stage() creates the staging table"
        existing = self.table_columns(schema, target)
        if existing is not None:
            added, _ = self._check_drift(schema, target, existing, staged)
            for name in added:
                self.execute(
                    f"ALTER TABLE {qualified(schema, target)} "
                    f"ADD COLUMN {quote_ident(name)} {staged[name]}"
                )
        batch = plan.batch
        columns = ", ".join(quote_ident(name) for name in staged)
        rows = self._file_rows(plan)
        paths = list(files)
        among = ", ".join(["%s"] * len(paths))
        with self.transaction():
            self.execute(
                f"DELETE FROM {QUARANTINE} WHERE source = %s AND table_name = %s "
                f"AND file IN ({among})",
                (batch.source, batch.table, *paths),
            )
            now = datetime.now(UTC)
            meta = (batch.batch_id, batch.source, batch.table)
            lines = [(path, *line) for path, bad in files.items() for line in bad]
            for start in range(0, len(lines), 500):
                chunk = lines[start : start + 500]
                self.execute(
                    f"INSERT INTO {QUARANTINE} (batch_id, source, table_name, reason, row_data, "
                    "quarantined_at, file, line) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk)),
                    [
                        value
                        for path, line, reason, raw in chunk
                        for value in (*meta, reason, raw, now, path, line)
                    ],
                )
            if existing is None:
                self._rename(schema, stage, target)
            else:
                self.execute(
                    f"DELETE FROM {qualified(schema, target)} WHERE _file IN ({among})", paths
                )
            if existing is not None or rows is not None:
                self.execute(
                    f"INSERT INTO {qualified(schema, target)} ({columns}) "
                    f"SELECT {columns} FROM {rows or qualified(schema, stage)}"
                )
            record()
        if existing is not None:
            self.execute(f"DROP TABLE IF EXISTS {qualified(schema, stage)}")

    def _file_rows(self, plan: StagePlan) -> str | None:
        """Where a staged file's rows are, if not in its staging table (SQL: a subquery, its
        columns named as the staging table's): a warehouse that reads the file itself while
        publishing it leaves the staging table empty."""
        return None

    def _count_bad_keys(self, schema: str, stage: str, primary_key: Sequence[str]) -> int:
        if not primary_key:
            return 0
        (count,) = self.execute(
            f"SELECT count(*) FROM ({_bad_key_rows(schema, stage, primary_key)}) AS bad"
        )[0]
        return int(count)

    def _quarantine(self, plan: StagePlan, primary_key: Sequence[str], bad: int) -> None:
        """Inside the publishing transaction: move rows with a bad key to elt.quarantine."""
        if not bad:
            return
        keys = [quote_ident(k) for k in primary_key]
        stage = qualified(plan.schema, plan.stage)
        null_key = " OR ".join(f"bad.{k} IS NULL" for k in keys)
        key_text = ", ".join(f"CAST(bad.{k} AS VARCHAR)" for k in keys)
        self.execute(
            f"INSERT INTO {QUARANTINE} (batch_id, source, table_name, reason, key_value, "
            "row_data, quarantined_at) "
            f"SELECT %s, %s, %s, CASE WHEN {null_key} THEN 'NULL primary key' "
            f"ELSE 'duplicate primary key' END, concat_ws(', ', {key_text}), "
            f"{self._row_json('bad')}, %s "
            f"FROM ({_bad_key_rows(plan.schema, plan.stage, primary_key)}) AS bad",
            (plan.batch.batch_id, plan.batch.source, plan.batch.table, datetime.now(UTC)),
        )
        self.execute(f"DELETE FROM {stage} WHERE {' OR '.join(f'{k} IS NULL' for k in keys)}")
        group = ", ".join(keys)
        self.execute(
            f"DELETE FROM {stage} AS s USING (SELECT {group} FROM {stage} GROUP BY {group} "
            f"HAVING count(*) > 1) AS d WHERE " + " AND ".join(f"s.{k} = d.{k}" for k in keys)
        )

    @abstractmethod
    def _row_json(self, alias: str) -> str:
        """SQL turning the row `alias` into JSON text."""

    def _commit_batch(self, batch: Batch) -> None:
        """Inside the publishing transaction: the cursor and the ledger row."""
        ledger.commit_batch(self.execute, batch)

    def _check_drift(
        self, schema: str, table: str, existing: dict[str, str], staged: dict[str, str]
    ) -> tuple[list[str], list[str]]:
        """The drift verdict (drift.py), with a warning for each kind of change."""
        drift = drift_verdict(
            f"{schema}.{table}", existing, staged, (*METADATA_COLUMNS, DELETED_AT)
        )
        added, dropped = list(drift.added), list(drift.dropped)
        if added:
            log.warning("%s.%s: new source column(s) %s are added", schema, table, added)
        if dropped:
            log.warning(
                "%s.%s: column(s) %s are gone from the source; they stay, NULL from now on",
                schema,
                table,
                dropped,
            )
        return added, dropped

    def _same_rows(
        self, schema: str, stage: str, target: str, columns: Sequence[str], staged_rows: int
    ) -> bool:
        if self.row_count(schema, target) != staged_rows:
            return False
        return self.count_rows_not_in(schema, stage, target, columns) == 0

    def count_rows_not_in(
        self,
        schema: str,
        table: str,
        other: str,
        columns: Sequence[str],
        table_where: str = "",
        other_where: str = "",
    ) -> int:
        """Rows of `table` with no equal row in `other` (as multisets), on these columns; each
        table's rows limited to those meeting its SQL condition, if given."""
        table_exprs = ", ".join(e.format("a") for e in self._compare_exprs(schema, table, columns))
        other_exprs = ", ".join(e.format("b") for e in self._compare_exprs(schema, other, columns))
        table_filter = f" WHERE {table_where}" if table_where else ""
        other_filter = f" WHERE {other_where}" if other_where else ""
        (count,) = self.execute(
            f"SELECT count(*) FROM (SELECT {table_exprs} FROM {qualified(schema, table)} AS a"
            f"{table_filter} EXCEPT ALL SELECT {other_exprs} FROM {qualified(schema, other)} "
            f"AS b{other_filter}) AS d"
        )[0]
        return int(count)

    def _merge(
        self,
        schema: str,
        target: str,
        stage: str,
        columns: Sequence[str],
        primary_key: Sequence[str],
    ) -> int:
        """Replace changed rows and add new ones; rows that did not change keep their batch."""
        key_match = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in primary_key)
        compare = self._compare_exprs(schema, target, columns)
        target_row = ", ".join(e.format("t") for e in compare)
        stage_row = ", ".join(e.format("s") for e in compare)
        self.execute(
            f"DELETE FROM {qualified(schema, target)} AS t USING {qualified(schema, stage)} AS s "
            f"WHERE {key_match} AND ({target_row}) IS DISTINCT FROM ({stage_row})"
        )
        column_list = ", ".join(quote_ident(c) for c in (*columns, *METADATA_COLUMNS))
        inserted = self._insert_count(
            f"INSERT INTO {qualified(schema, target)} ({column_list}) "
            f"SELECT {column_list} FROM {qualified(schema, stage)} AS s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {qualified(schema, target)} AS t WHERE {key_match})"
        )
        return inserted

    @abstractmethod
    def _insert_count(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT, UPDATE or DELETE and return how many rows it wrote."""


def _bad_key_rows(schema: str, table: str, primary_key: Sequence[str]) -> str:
    """A query of the rows whose key has a NULL or is shared with another row."""
    keys = [quote_ident(k) for k in primary_key]
    group = ", ".join(keys)
    nulls = " OR ".join(f"{k} IS NULL" for k in keys)
    return (
        f"SELECT * FROM (SELECT t.*, count(*) OVER (PARTITION BY {group}) AS _elt_key_rows "
        f"FROM {qualified(schema, table)} AS t) AS k WHERE {nulls} OR _elt_key_rows > 1"
    )
