"""One attempt at loading one table, for each kind of source: its batch (or batches), its
ledger rows, and what it did (`TableResult`). `pipeline.load_table` retries attempts;
a cancelled one says so."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Container, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from .cancel import Cancellation, LoadCancelled
from .deletes import key_check_due
from .errors import EltError, SchemaDriftError
from .faults import is_transient
from .ledger import CANCELLED, RUNNING, Batch, commit_batch
from .reads import ArrowRead
from .source_kinds import SourceTable, source_kind
from .tables import SourceSpec, TableSpec
from .warehouse import StagePlan, Warehouse

__all__ = ["ProgressLog", "TableResult", "load_files_once", "load_http_once", "load_once"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableResult:
    """What one table's batch did; the same facts as its row in elt.load_batches."""

    source: str
    table: str
    mode: str
    status: str
    rows_read: int
    rows_loaded: int  # accepted: rows_read = rows_loaded + rows_quarantined
    seconds: float
    batch_id: str
    cursor_before: str | None = None
    cursor_after: str | None = None
    error: str | None = None
    rows_quarantined: int = 0
    rows_changed: int = 0  # new or different rows written (0 when the source did not change)
    values_nulled: int = 0  # values the source could not express, loaded as NULL
    rows_deleted: int | None = None  # gone from the source; None: key sets not compared

    @property
    def key(self) -> str:
        return f"{self.source}.{self.table}"


class ProgressLog:
    """Logs a table's progress every few seconds while it streams; called between pieces of
    data, it is also where a cancelled load stops."""

    def __init__(self, key: str, cancellation: Cancellation, interval: float = 5.0) -> None:
        self.key = key
        self.cancellation = cancellation
        self.interval = interval
        self.started = time.monotonic()
        self.last = self.started

    def __call__(self, rows: int, bytes_read: int) -> None:
        self.cancellation.check()
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        elapsed = now - self.started
        if bytes_read < 0:  # a reader that counts rows only (DuckDB's postgres extension)
            log.info("%s: %s rows read in %.0f s", self.key, f"{rows:,}", elapsed)
            return
        done = f"{rows:,} rows, " if rows >= 0 else ""
        log.info(
            "%s: %s%.1f MB read in %.0f s (%.1f MB/s)",
            self.key,
            done,
            bytes_read / 1e6,
            elapsed,
            bytes_read / 1e6 / max(elapsed, 1e-9),
        )


def _check_config(spec: TableSpec, table: SourceTable) -> None:
    names = set(table.column_names)
    missing_key = [k for k in spec.primary_key if k not in names]
    if missing_key:
        raise SchemaDriftError(
            f"{table.label}: primary key column(s) {missing_key} are not in the "
            "source table; nothing was written. Fix primary_key in sources.yml"
        )
    if spec.cursor_column and spec.cursor_column not in names:
        raise SchemaDriftError(
            f"{table.label}: cursor column {spec.cursor_column!r} is not in the "
            "source table; nothing was written. Fix cursor_column in sources.yml"
        )


def load_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    psql: str | None,
    progress: ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading one table as one batch; the ledger records it either way."""
    key = f"{source.name}.{spec.name}"
    schema = source.raw_schema
    batch = Batch(source=source.name, table=spec.name, mode=spec.mode)
    plan: StagePlan | None = None
    keys: StagePlan | None = None
    with ExitStack() as held:
        try:
            table = source_kind(source, psql, warehouse.source_queries).table(
                source, spec.name, url
            )
            _check_config(spec, table)
            # From the cursor read to the publish (or the failure's cleanup): a load of the
            # same table by another process waits.
            held.enter_context(warehouse.table_lock(schema, spec.name))
            # Dated from here: raw rows' _loaded_at (the batch's start) then orders a table's
            # batches as they publish, which incremental models rely on.
            batch = Batch(source=source.name, table=spec.name, mode=spec.mode)
            exists = warehouse.table_columns(schema, spec.name) is not None
            if spec.mode == "incremental":
                batch.cursor_column = spec.cursor_column
                if exists:
                    batch.cursor_before = warehouse.read_cursor(source.name, spec.name)
            read = table.read(
                spec.exclude_columns, batch.cursor_column, batch.cursor_before, spec.lookback
            )
            plan = StagePlan(schema, spec.name, batch)
            warehouse.start_batch(batch)
            log.info(
                "%s: reading (%s%s)",
                key,
                spec.mode,
                f" from {batch.cursor_column} >= {batch.cursor_before} - {spec.lookback}"
                if batch.cursor_before
                else "",
            )
            batch.rows_read = warehouse.write_stage(plan, read, progress)
            if isinstance(read, ArrowRead):
                batch.values_nulled = read.values_nulled
            # Without a configured key, the source's declared one guards against duplicates. When
            # the source enforces exactly that key, its rows cannot break it: skip the check (a
            # sort of the whole batch in the warehouse).
            primary_key = spec.primary_key or table.primary_key
            enforced = bool(table.primary_key) and set(primary_key) == set(table.primary_key)
            if spec.mode == "incremental":
                keys = _stage_keys(
                    warehouse, table, spec, plan, primary_key, exists, progress.cancellation
                )
            warehouse.publish(
                plan,
                spec.mode,
                primary_key,
                max_bad_fraction,
                check_keys=not enforced,
                deletes=spec.deletes,
                keys=keys,
            )
        except Exception as raised:
            error = _cancelled_or(raised, progress.cancellation)
            if plan is not None:
                warehouse.fail_batch(plan, error)
            if keys is not None:
                _drop_quietly(warehouse, keys)
            message = _failure_message(key, error)
            return _result(batch, spec, _status_of(error), message), error
    if keys is not None:
        _drop_quietly(warehouse, keys)
    log.info(
        "%s: %s rows read, %s changed%s%s in %.1f s",
        key,
        f"{batch.rows_read:,}",
        f"{batch.rows_changed:,}",
        f", {batch.rows_quarantined:,} quarantined" if batch.rows_quarantined else "",
        f", {batch.rows_deleted:,} deleted in the source" if batch.rows_deleted else "",
        batch.seconds,
    )
    return _result(batch, spec, batch.status, None), None


def _stage_keys(
    warehouse: Warehouse,
    table: SourceTable,
    spec: TableSpec,
    plan: StagePlan,
    primary_key: Sequence[str],
    exists: bool,
    cancellation: Cancellation,
) -> StagePlan | None:
    """The source's key set, staged as `__keys_<table>` when this load compares key sets
    (deletes.py); read after the batch's rows, so that a row deleted in between is found."""
    due = key_check_due(
        spec.deletes,
        spec.deletes_every,
        warehouse.loads_since_key_check(plan.batch.source, spec.name) if exists else None,
    )
    if not due:
        return None
    if not exists:  # a first load: nothing in raw can be gone
        plan.batch.rows_deleted = 0
        return None
    keys = StagePlan(plan.schema, spec.name, plan.batch, purpose="keys")
    key = f"{plan.batch.source}.{spec.name}"
    log.info("%s: reading the source's keys to find deleted rows", key)
    progress = ProgressLog(f"{key} (keys)", cancellation)
    warehouse.write_stage(keys, table.read_keys(primary_key), progress)
    return keys


def _drop_quietly(warehouse: Warehouse, plan: StagePlan) -> None:
    try:
        warehouse.drop_stage(plan)
    except Exception:  # a leftover stage is replaced by the next load; the batch matters more
        log.exception("could not drop %s.%s", plan.schema, plan.stage)


def load_files_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    months: Container[str] | None,
    reload_files: bool,
    progress: ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading the new and changed files of one dataset, as one batch."""
    from .files_load import load_dataset  # pyarrow and fsspec: only a files load needs them

    key = f"{source.name}.{spec.name}"
    batch = Batch(source=source.name, table=spec.name, mode="files")
    plan = StagePlan(source.raw_schema, spec.name, batch)
    started = False
    with ExitStack() as held:
        try:
            # Until the batch's end: a load of the same dataset by another process waits.
            held.enter_context(warehouse.table_lock(plan.schema, spec.name))
            # dated from here, as in _load_once
            batch = Batch(source=source.name, table=spec.name, mode="files")
            plan = StagePlan(source.raw_schema, spec.name, batch)
            warehouse.start_batch(batch)
            started = True
            load_dataset(
                warehouse,
                source,
                plan,
                url,
                max_bad_fraction,
                months,
                progress,
                reload_files,
            )
            with warehouse.transaction():
                commit_batch(warehouse.execute, batch)
        except Exception as raised:
            error = _cancelled_or(raised, progress.cancellation)
            if started:
                warehouse.fail_batch(plan, error)
            message = _failure_message(key, error)
            failed = _result(batch, spec, _status_of(error), message)
            # Files published before the failure stay published: count them.
            return dataclasses.replace(
                failed,
                rows_loaded=batch.rows_loaded,
                rows_quarantined=batch.rows_quarantined,
                rows_changed=batch.rows_changed,
            ), error
    log.info(
        "%s: %s rows read from new or changed files%s in %.1f s",
        key,
        f"{batch.rows_read:,}",
        f", {batch.rows_quarantined:,} quarantined" if batch.rows_quarantined else "",
        batch.seconds,
    )
    return _result(batch, spec, batch.status, None), None


def load_http_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    token: str | None,
    progress: ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading an HTTP endpoint, as batches each published with its cursor."""
    from .http_load import load_endpoint  # httpx: only an HTTP load needs it

    key = f"{source.name}.{spec.name}"
    batches: list[Batch] = []
    error: Exception | None = None
    with ExitStack() as held:
        try:
            # Until the last batch: a load of the same endpoint by another process waits.
            held.enter_context(warehouse.table_lock(source.raw_schema, spec.name))
            load_endpoint(warehouse, source, spec, url, token, max_bad_fraction, progress, batches)
        except Exception as failure:
            error = _cancelled_or(failure, progress.cancellation)
            if batches and batches[-1].status == RUNNING:
                warehouse.fail_batch(StagePlan(source.raw_schema, spec.name, batches[-1]), error)
    published = [b for b in batches if b.status not in ("failed", CANCELLED)]
    last = batches[-1] if batches else Batch(source=source.name, table=spec.name, mode=spec.mode)
    result = TableResult(
        source=source.name,
        table=spec.name,
        mode=spec.mode,
        status=_status_of(error) if error else "succeeded",
        rows_read=sum(b.rows_read for b in batches),
        rows_loaded=sum(b.rows_loaded for b in published),
        seconds=sum(b.seconds for b in batches[:1]),
        batch_id=last.batch_id,
        cursor_before=batches[0].cursor_before if batches else None,
        cursor_after=published[-1].cursor_after if published else None,
        error=_failure_message(key, error) if error else None,
        rows_quarantined=sum(b.rows_quarantined for b in published),
        rows_changed=sum(b.rows_changed for b in published),
    )
    if error is None:
        log.info(
            "%s: %s records read in %d batch(es), %s changed, in %.1f s",
            key,
            f"{result.rows_read:,}",
            len(batches),
            f"{result.rows_changed:,}",
            result.seconds,
        )
    return result, error


def _cancelled_or(error: Exception, cancellation: Cancellation) -> Exception:
    """What stopped an attempt: once the load is cancelled, whatever the cancellation caused
    (an interrupted query, a pipe closed under a reader) is the cancellation."""
    if cancellation.cancelled and not isinstance(error, LoadCancelled):
        try:
            cancellation.check()
        except LoadCancelled as cancelled:
            cancelled.__cause__ = error
            return cancelled
    return error


def _status_of(error: Exception) -> str:
    return CANCELLED if isinstance(error, LoadCancelled) else "failed"


def _failure_message(key: str, error: Exception) -> str:
    """A failed attempt's one-line message; an error nobody foresaw is logged with its
    traceback too."""
    if not isinstance(error, EltError) and not is_transient(error):
        log.exception("%s: failed", key)
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


def _result(batch: Batch, spec: TableSpec, status: str, error: str | None) -> TableResult:
    failed = status in ("failed", CANCELLED)
    return TableResult(
        source=batch.source,
        table=batch.table,
        mode=batch.mode,
        status=status,
        rows_read=batch.rows_read,
        rows_loaded=0 if failed else batch.rows_loaded,
        seconds=batch.seconds,
        batch_id=batch.batch_id,
        cursor_before=batch.cursor_before,
        cursor_after=batch.cursor_before if failed else batch.cursor_after,
        error=error,
        rows_quarantined=0 if failed else batch.rows_quarantined,
        rows_changed=0 if failed else batch.rows_changed,
        values_nulled=0 if failed else batch.values_nulled,
        rows_deleted=None if failed else batch.rows_deleted,
    )
