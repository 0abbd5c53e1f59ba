"""Loading sources into the warehouse: one batch per table, tables in parallel."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Container, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .attempts import ProgressLog, TableResult, load_files_once, load_http_once, load_once
from .cancel import Cancellation
from .catalog import CatalogTable, resolve_tables
from .errors import ConfigError, EltError
from .faults import is_transient
from .settings import Settings
from .source_kinds import source_kind
from .tables import SourceSpec, TableSpec
from .warehouse import Warehouse, open_warehouse

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
        progress = ProgressLog(key, cancellation)
        if source.kind == "files":
            result, error = load_files_once(
                warehouse, source, spec, url, max_bad_fraction, months, reload_files, progress
            )
        elif source.kind == "http":
            result, error = load_http_once(
                warehouse, source, spec, url, max_bad_fraction, token, progress
            )
        else:
            result, error = load_once(
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
        # Each load holds one connection to the warehouse, on its own thread: so that there
        # are never more than max_workers, this thread's goes.
        warehouse.release_connection()
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
