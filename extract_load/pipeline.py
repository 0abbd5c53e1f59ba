"""Loading sources into the warehouse: one batch per table, tables in parallel."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Container, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

from .cancel import Cancellation, LoadCancelled
from .catalog import CatalogTable, resolve_tables
from .deletes import key_check_due
from .errors import ConfigError, EltError, SchemaDriftError
from .faults import is_transient
from .files_load import load_dataset
from .http_load import load_endpoint
from .ledger import CANCELLED, RUNNING, Batch, commit_batch
from .reads import ArrowRead
from .settings import Settings
from .source_kinds import SourceTable, source_kind
from .tables import SourceSpec, TableSpec
from .warehouse import StagePlan, Warehouse, open_warehouse

__all__ = [
    "LoadFailed",
    "RetryPolicy",
    "TableResult",
    "load_sources",
    "load_table",
    "plan_tables",
    "read_catalog",
    "resolve_source",
    "resolve_source_url",
]

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


class LoadFailed(EltError):
    """Some tables failed; the others were published."""

    def __init__(self, results: Sequence[TableResult]) -> None:
        self.results = list(results)
        failed = [r for r in results if r.status == "failed"]
        lines = "; ".join(f"{r.key}: {r.error}" for r in failed)
        super().__init__(f"{len(failed)} of {len(results)} table(s) failed to load: {lines}")


def resolve_source_url(source: SourceSpec, settings: Settings) -> str:
    """The source's URL, from the variable sources.yml names for it."""
    url = settings.source_urls.get(source.url_env)
    if url:
        return url
    if source.kind == "files":
        return source.landing_url
    demo = (
        f" (or leave it unset for the demo {source.demo!r} under `elt`/Dagster)"
        if source.demo
        else ""
    )
    what = f"base URL of the {source.name} API" if source.kind == "http" else None
    raise ConfigError(
        f"{source.url_env} is not set: set it to the {what or f'URL of the {source.name} database'}"
        f"{demo}"
    )


def read_catalog(source: SourceSpec, url: str) -> list[CatalogTable]:
    """Every table of the source's schema, as its catalog describes it."""
    return source_kind(source).catalog(source, url)


class _ProgressLog:
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


@dataclass(frozen=True)
class RetryPolicy:
    """Passing faults are retried `attempts` times in all, waiting base, 2 x base, ... seconds."""

    attempts: int = 4
    base_seconds: float = 1.0
    max_seconds: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.base_seconds * 2 ** (attempt - 1), self.max_seconds)


def load_table(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float = 0.01,
    retry: RetryPolicy | None = None,
    psql: str | None = None,
    months: Container[str] | None = None,
    reload_files: bool = False,
    token: str | None = None,
    cancellation: Cancellation | None = None,
) -> TableResult:
    """Load one table; a passing fault (a dropped connection, a restarting server) is retried
    with exponential backoff, each attempt a batch of its own in the ledger. Once
    `cancellation` is set, the load stops at its next piece of data, its batch `cancelled`."""
    retry = retry or RetryPolicy()
    cancellation = cancellation or Cancellation()
    key = f"{source.name}.{spec.name}"
    for attempt in range(1, retry.attempts + 1):
        cancellation.check()
        progress = _ProgressLog(key, cancellation)
        if source.kind == "files":
            result, error = _load_files_once(
                warehouse, source, spec, url, max_bad_fraction, months, reload_files, progress
            )
        elif source.kind == "http":
            result, error = _load_http_once(
                warehouse, source, spec, url, max_bad_fraction, token, progress
            )
        else:
            result, error = _load_once(
                warehouse, source, spec, url, max_bad_fraction, psql, progress
            )
        if error is None or not is_transient(error) or attempt == retry.attempts:
            if error is not None and attempt > 1:
                log.error("%s: failed after %d attempt(s): %s", key, attempt, result.error)
            return result
        delay = retry.delay(attempt)
        log.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.0f s",
            key,
            attempt,
            retry.attempts,
            result.error,
            delay,
        )
        warehouse.reset_connection()
        cancellation.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns")


def _load_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    psql: str | None,
    progress: _ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading one table as one batch; the ledger records it either way."""
    key = f"{source.name}.{spec.name}"
    schema = source.raw_schema
    batch = Batch(source=source.name, table=spec.name, mode=spec.mode)
    plan: StagePlan | None = None
    keys: StagePlan | None = None
    with ExitStack() as held:
        try:
            table = source_kind(source, psql).table(source, spec.name, url)
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
    progress = _ProgressLog(f"{key} (keys)", cancellation)
    warehouse.write_stage(keys, table.read_keys(primary_key), progress)
    return keys


def _drop_quietly(warehouse: Warehouse, plan: StagePlan) -> None:
    try:
        warehouse.drop_stage(plan)
    except Exception:  # a leftover stage is replaced by the next load; the batch matters more
        log.exception("could not drop %s.%s", plan.schema, plan.stage)


def _load_files_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    months: Container[str] | None,
    reload_files: bool,
    progress: _ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading the new and changed files of one dataset, as one batch."""
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


def _load_http_once(
    warehouse: Warehouse,
    source: SourceSpec,
    spec: TableSpec,
    url: str,
    max_bad_fraction: float,
    token: str | None,
    progress: _ProgressLog,
) -> tuple[TableResult, Exception | None]:
    """One attempt at loading an HTTP endpoint, as batches each published with its cursor."""
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


def resolve_source(settings: Settings, source: SourceSpec) -> tuple[list[TableSpec], list[str]]:
    """The tables the source's entry selects in its live catalog, and every problem."""
    catalog = read_catalog(source, resolve_source_url(source, settings))
    return resolve_tables(source, catalog, str(settings.sources_file))


def plan_tables(
    settings: Settings,
    sources: Iterable[str] | None = None,
    tables: Iterable[str] | None = None,
) -> list[tuple[SourceSpec, TableSpec]]:
    """(source, table) pairs to load, resolved against each source's catalog; tables may be
    `name` or `source.name`. Every problem of the declaration stops it, before any write."""
    chosen = (
        list(settings.sources.values())
        if sources is None
        else [settings.source(name) for name in sources]
    )
    pairs: list[tuple[SourceSpec, TableSpec]] = []
    problems: list[str] = []
    for source in chosen:
        specs, found = resolve_source(settings, source)
        problems += found
        pairs += [(source, spec) for spec in specs]
    if problems:
        raise ConfigError("\n".join(problems))
    if tables is not None:
        wanted = set(tables)
        pairs = [(s, t) for s, t in pairs if t.name in wanted or f"{s.name}.{t.name}" in wanted]
        found_names = {t.name for _, t in pairs} | {f"{s.name}.{t.name}" for s, t in pairs}
        unknown = sorted(wanted - found_names)
        if unknown:
            raise ConfigError(f"unknown table(s) {unknown}; see `elt tables`")
    return pairs


def _token(settings: Settings, source: SourceSpec) -> str | None:
    token_env = source.http.token_env if source.http else None
    return settings.source_tokens.get(token_env) if token_env else None


def load_sources(
    settings: Settings,
    pairs: Sequence[tuple[SourceSpec, TableSpec]] | None = None,
    *,
    raise_on_failure: bool = True,
    on_result: Callable[[TableResult], None] | None = None,
    months: Container[str] | None = None,
    reload_files: bool = False,
) -> list[TableResult]:
    """Load the given tables (all by default), `settings.max_workers` at a time. Files sources
    load the files of `months` (all by default) that are new or changed, or with
    `reload_files` every one of them again, each replacing its own rows.

    An exception in the calling thread while it waits (KeyboardInterrupt, SIGTERM raised as
    one, Dagster's interrupt of a cancelled run) cancels every load: each stops at its next
    piece of data, publishes nothing and records its batch `cancelled`; then it is re-raised.
    """
    pairs = list(pairs if pairs is not None else plan_tables(settings))
    sources = {source.name: source for source, _ in pairs}
    warehouse = open_warehouse(settings)
    lock = threading.Lock()
    cancellation = Cancellation()
    try:
        urls = {name: resolve_source_url(source, settings) for name, source in sources.items()}
        for name, source in sources.items():
            source_kind(source).check(source, urls[name])
            warehouse.ensure_schema(source.raw_schema)
        # Incremental (usually the largest) tables first, so the pool ends evenly.
        ordered = sorted(pairs, key=lambda pair: pair[1].mode != "incremental")

        def run(pair: tuple[SourceSpec, TableSpec]) -> TableResult:
            with cancellation.watching():
                result = load_table(
                    warehouse,
                    pair[0],
                    pair[1],
                    urls[pair[0].name],
                    settings.max_bad_rows_fraction,
                    RetryPolicy(settings.max_attempts, settings.retry_base_seconds),
                    settings.psql,
                    months,
                    reload_files,
                    _token(settings, pair[0]),
                    cancellation,
                )
            if on_result is not None:
                with lock:
                    on_result(result)
            return result

        with (
            cancellation.on_cancel(warehouse.interrupt),
            ThreadPoolExecutor(settings.max_workers, thread_name_prefix="elt-load") as pool,
        ):
            futures = [pool.submit(run, pair) for pair in ordered]
            try:
                finished = [future.result() for future in futures]
            except BaseException as stop:
                # The pool's exit waits for the loads under way: make them end now.
                for future in futures:
                    future.cancel()
                cancellation.cancel(type(stop).__name__)
                raise
    finally:
        warehouse.close()
    order = {(s.name, t.name): i for i, (s, t) in enumerate(pairs)}
    results = sorted(finished, key=lambda r: order[(r.source, r.table)])
    if raise_on_failure and any(r.status == "failed" for r in results):
        raise LoadFailed(results)
    return results
