"""The `kind: http` entries of sources.yml: which keys they take, what is wrong with one, and
the `SourceSpec` each makes. config.py validates the file and calls these for its http
sources."""

from __future__ import annotations

from typing import Any

from .errors import ConfigError
from .http_spec import HttpEndpoint, HttpOptions, Paging
from .tables import SourceSpec, TableOverride

__all__ = ["HTTP_SOURCE_KEYS", "HTTP_TABLE_KEYS", "http_problems", "http_source_spec"]

# Keys that only an http source (or its endpoints) may have.
HTTP_SOURCE_KEYS = (
    "token_env",
    "rate_limit",
    "max_attempts",
    "backoff_seconds",
    "max_backoff_seconds",
    "timeout_seconds",
)
HTTP_TABLE_KEYS = ("path", "records", "paging", "params", "since_param", "commit_every")
_FILE_KEYS = ("format", "delimiter", "header")
_ID_TYPES = ("integer", "bigint")

Problems = list[tuple[tuple[str, ...], str]]


def http_problems(name: str, source: Any) -> Problems:
    """(where in the file, what is wrong and the fix) for an http source's entry."""
    here = ("sources", name)
    problems: Problems = []
    if source.landing_url is not None:
        problems.append(((*here, "landing_url"), "landing_url is for kind: files only"))
    if not source.tables:
        problems.append(
            (here, "declare its endpoints under tables: (path, paging, primary_key, columns)")
        )
    for table, config in source.tables.items():
        where = (*here, "tables", table)
        if config is None or config.path is None:
            problems.append((where, f"endpoint {table!r}: declare its path (e.g. /v0/items)"))
            continue
        used = [key for key in _FILE_KEYS if getattr(config, key) is not None]
        if used:
            problems.append(
                (where, f"endpoint {table!r}: {', '.join(used)} are for files; remove them")
            )
        columns = config.columns or {}
        if not config.primary_key:
            problems.append(
                (where, f"endpoint {table!r}: declare primary_key (the field(s) naming a record)")
            )
        cursor = config.cursor_column
        style = config.paging.style if config.paging else "none"
        if style == "max_id" and (cursor is None or columns.get(cursor) not in _ID_TYPES):
            problems.append(
                (
                    where,
                    f"endpoint {table!r}: max_id paging is incremental by id: set cursor_column "
                    "to the id field, declared integer or bigint",
                )
            )
        needs_cursor = [
            key for key in ("since_param", "commit_every") if getattr(config, key) and not cursor
        ]
        if needs_cursor:
            problems.append(
                (
                    where,
                    f"endpoint {table!r}: {', '.join(needs_cursor)} need a cursor_column (the "
                    "incremental field)",
                )
            )
        try:
            _endpoint(table, config)
        except ConfigError as error:
            problems.append((where, str(error)))
    try:
        _options(source)
    except ConfigError as error:
        problems.append((here, str(error)))
    return problems


def _options(source: Any) -> HttpOptions:
    return HttpOptions(
        token_env=source.token_env,
        rate_limit=source.rate_limit if source.rate_limit is not None else 0.0,
        max_attempts=source.max_attempts if source.max_attempts is not None else 6,
        backoff_seconds=source.backoff_seconds if source.backoff_seconds is not None else 0.5,
        max_backoff_seconds=(
            source.max_backoff_seconds if source.max_backoff_seconds is not None else 30.0
        ),
        timeout_seconds=source.timeout_seconds if source.timeout_seconds is not None else 30.0,
    )


def _endpoint(table: str, config: Any) -> HttpEndpoint:
    paging = Paging(**config.paging.model_dump(exclude_none=True)) if config.paging else Paging()
    return HttpEndpoint(
        name=table,
        path=config.path,
        columns=tuple((config.columns or {}).items()),
        paging=paging,
        records=config.records or "",
        params=tuple((str(k), str(v)) for k, v in (config.params or {}).items()),
        since_param=config.since_param,
        commit_every=config.commit_every or 0,
        description=config.description,
    )


def http_source_spec(name: str, source: Any) -> SourceSpec:
    """The spec of an http source whose entry `http_problems` found nothing wrong with."""
    endpoints = tuple(_endpoint(table, config) for table, config in source.tables.items())
    overrides = tuple(
        TableOverride(
            name=table,
            mode="incremental" if config.cursor_column else "full",
            cursor_column=config.cursor_column,
            lookback=config.lookback,
            primary_key=tuple(config.primary_key or ()),
            exclude_columns=tuple(config.exclude_columns),
            description=config.description,
        )
        for table, config in source.tables.items()
    )
    return SourceSpec(
        name=name,
        kind="http",
        url_env=source.url_env,
        demo=source.demo,
        description=source.description,
        include=tuple(source.include),
        exclude=tuple(source.exclude),
        overrides=overrides,
        endpoints=endpoints,
        http=_options(source),
    )
