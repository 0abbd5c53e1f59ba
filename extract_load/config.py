"""`sources.yml`: every source the warehouse loads, validated before anything connects.

The file says only what a catalog cannot: which system (kind, the variable holding its URL,
the schema), which tables (all by default; include/exclude glob patterns), and per table what
a catalog does not know (incremental cursor, lookback, a key where none is declared, columns
never to read, what to do with rows deleted in the source: `deletes`, `deletes_every`, for
incremental tables only, since a full copy drops deleted rows by itself). Keys and types come
from the source's catalog when a load starts.

Every message names the file, the line, the source and table, and the fix.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .file_columns import check_declared_type
from .http_config import HTTP_SOURCE_KEYS, HTTP_TABLE_KEYS, http_problems, http_source_spec
from .tables import DEFAULT_LANDING_URL, FileDataset, SourceSpec, TableOverride

__all__ = [
    "DEFAULT_SOURCES_FILE",
    "check_source_name",
    "load_sources_file",
    "parse_lookback",
    "sources_file_path",
]

DEFAULT_SOURCES_FILE = "sources.yml"
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,50}$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKBACK = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*$"
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def check_source_name(name: str, where: str) -> str:
    """A source's name makes its schema raw_<name>: plain lowercase only."""
    if not _SOURCE_NAME.match(name):
        raise ConfigError(
            f"{where}: source name {name!r} must be lowercase letters, digits and _ (it names "
            "the schema raw_<name>)"
        )
    return name


def parse_lookback(value: object) -> timedelta:
    """`1h`, `30 minutes`, `2 days`, or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    match = _LOOKBACK.match(str(value))
    if not match:
        raise ValueError(
            f"lookback {value!r} is not a duration such as '1h', '30 minutes' or '2 days'"
        )
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(**{_UNITS[unit[0]]: amount})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _PagingModel(_Strict):
    style: Literal["max_id", "cursor", "offset", "page", "link", "none"]
    max_id_path: str | None = None
    next_cursor: str | None = None
    cursor_param: str | None = None
    offset_param: str | None = None
    limit_param: str | None = None
    page_param: str | None = None
    size_param: str | None = None
    first_page: int | None = None
    page_size: int | None = Field(default=None, ge=1)


class _TableModel(_Strict):
    mode: Literal["full", "incremental"] | None = None
    cursor_column: str | None = None
    lookback: timedelta = timedelta(hours=1)
    primary_key: list[str] | None = None
    exclude_columns: list[str] = Field(default_factory=list)
    description: str = ""
    # Incremental tables only: what to do with rows deleted in the source, how often to look.
    deletes: Literal["soft", "hard", "ignore"] | None = None
    deletes_every: int | None = Field(default=None, ge=1, strict=True)
    # A dataset of a files source (kind: files) only.
    format: Literal["csv", "parquet", "jsonl"] | None = None
    delimiter: str | None = None
    header: bool | None = None
    columns: dict[str, str] | None = None
    # An endpoint of an HTTP source (kind: http) only: see http_spec.py.
    path: str | None = None
    records: str | None = None
    paging: _PagingModel | None = None
    params: dict[str, str | int | float | bool] | None = None
    since_param: str | None = None
    commit_every: int | None = Field(default=None, ge=0)

    @field_validator("lookback", mode="before")
    @classmethod
    def _lookback(cls, value: object) -> timedelta:
        return parse_lookback(value)

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 1 or value in '"\r\n'):
            raise ValueError(f"delimiter {value!r} must be one character (not a quote or newline)")
        return value

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        return {str(name): check_declared_type(kind) for name, kind in value.items()}


class _SourceModel(_Strict):
    kind: Literal["postgres", "mysql", "files", "http"]
    url_env: str | None = None
    landing_url: str | None = None
    schema_name: str | None = Field(default=None, alias="schema")
    demo: str | None = None
    description: str = ""
    include: list[str] = Field(default_factory=lambda: ["*"])
    exclude: list[str] = Field(default_factory=list)
    tables: dict[str, _TableModel | None] = Field(default_factory=dict)
    # An HTTP source (kind: http) only: see http_spec.HttpOptions.
    token_env: str | None = None
    rate_limit: float | None = Field(default=None, ge=0)
    max_attempts: int | None = Field(default=None, ge=1)
    backoff_seconds: float | None = Field(default=None, ge=0)
    max_backoff_seconds: float | None = Field(default=None, ge=0)
    timeout_seconds: float | None = Field(default=None, gt=0)

    @field_validator("url_env", "token_env")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        if value is not None and not _VARIABLE.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value


class _FileModel(_Strict):
    sources: dict[str, _SourceModel]


def sources_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """ELT_SOURCES_FILE, or sources.yml in the working directory."""
    env = os.environ if environ is None else environ
    raw = env.get("ELT_SOURCES_FILE", "").strip() or DEFAULT_SOURCES_FILE
    return Path(raw).expanduser().absolute()


def load_sources_file(path: Path) -> dict[str, SourceSpec]:
    """The sources of `path`, validated; a ConfigError with one line per problem otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file. Run from the repository root (it has sources.yml), or set "
            "ELT_SOURCES_FILE to your sources file"
        ) from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}{where}: YAML syntax error: {problem}") from None
    if not isinstance(data, dict) or "sources" not in data:
        raise ConfigError(f"{path}: expected a mapping with a 'sources:' key at the top")
    if data.get("sources") is None:
        data["sources"] = {}
    try:
        model = _FileModel.model_validate(data)
    except ValidationError as error:
        lines = [_describe(path, node, problem) for problem in error.errors()]
        raise ConfigError("\n".join(lines)) from None
    sources = {}
    problems = []
    for name, source in model.sources.items():
        check_source_name(name, f"{path}:{_line(node, ('sources', name))}")
        found = _kind_problems(name, source)
        problems += [f"{path}:{_line(node, loc)}: source {name!r}: {text}" for loc, text in found]
        if not found:
            sources[name] = _source_spec(name, source, path)
    if problems:
        raise ConfigError("\n".join(problems))
    return sources


_DATABASE_KEYS = (
    "mode",
    "cursor_column",
    "primary_key",
    "exclude_columns",
    "deletes",
    "deletes_every",
)
_FILE_KEYS = ("format", "delimiter", "header", "columns")


def _kind_problems(name: str, source: _SourceModel) -> list[tuple[tuple[str, ...], str]]:
    """(where in the file, what is wrong and the fix) for keys that do not suit the kind."""
    here = ("sources", name)
    problems: list[tuple[tuple[str, ...], str]] = []
    if source.kind != "http":
        used = [key for key in HTTP_SOURCE_KEYS if getattr(source, key) is not None]
        if used:
            problems.append((here, f"{', '.join(used)} are for kind: http sources only"))
        for table, config in source.tables.items():
            used = [key for key in HTTP_TABLE_KEYS if config and getattr(config, key) is not None]
            if used:
                problems.append(
                    (
                        (*here, "tables", table),
                        f"table {table!r}: {', '.join(used)} are for endpoints of a kind: http "
                        "source only",
                    )
                )
    if source.kind == "http" and source.url_env is None:
        problems.append((here, "'url_env' is required (the variable holding its base URL)"))
    if source.kind == "http":
        return problems + http_problems(name, source)
    if source.kind != "files":
        if source.url_env is None:
            problems.append((here, "'url_env' is required (the variable holding its URL)"))
        if source.landing_url is not None:
            problems.append(((*here, "landing_url"), "landing_url is for kind: files only"))
        for table, config in source.tables.items():
            used = [key for key in _FILE_KEYS if config and getattr(config, key) is not None]
            if used:
                problems.append(
                    (
                        (*here, "tables", table),
                        f"table {table!r}: {', '.join(used)} are for "
                        "datasets of a kind: files source only",
                    )
                )
        return problems
    for table, config in source.tables.items():
        where = (*here, "tables", table)
        if config is None or config.format is None:
            problems.append(
                (where, f"dataset {table!r}: declare its format (csv, parquet or jsonl)")
            )
            continue
        used = [key for key in _DATABASE_KEYS if key in config.model_fields_set]
        if used:
            problems.append(
                (
                    where,
                    f"dataset {table!r}: {', '.join(used)} do not apply to files (each "
                    "file is loaded whole, once); remove them",
                )
            )
        if config.format != "parquet" and not config.columns:
            problems.append(
                (
                    where,
                    f"dataset {table!r}: a {config.format} file is never type-guessed: "
                    "declare its columns, e.g. columns: {zip_code: text, amount: numeric(10,2)}",
                )
            )
        if config.format != "csv" and (config.delimiter is not None or config.header is not None):
            problems.append(
                (where, f"dataset {table!r}: delimiter and header are CSV options; remove them")
            )
    return problems


def _source_spec(name: str, source: _SourceModel, path: Path) -> SourceSpec:
    if source.kind == "files":
        return _files_spec(name, source, path)
    if source.kind == "http":
        return http_source_spec(name, source)
    assert source.url_env is not None, "_kind_problems() checks it"
    overrides = tuple(
        TableOverride(
            name=table,
            mode=config.mode if config else None,
            cursor_column=config.cursor_column if config else None,
            lookback=config.lookback if config else timedelta(hours=1),
            primary_key=tuple(config.primary_key) if config and config.primary_key else (),
            exclude_columns=tuple(config.exclude_columns) if config else (),
            description=config.description if config else "",
            deletes=config.deletes if config else None,
            deletes_every=config.deletes_every if config else None,
        )
        for table, config in source.tables.items()
    )
    return SourceSpec(
        name=name,
        kind=source.kind,
        url_env=source.url_env,
        source_schema=source.schema_name,
        demo=source.demo,
        description=source.description,
        include=tuple(source.include),
        exclude=tuple(source.exclude),
        overrides=overrides,
    )


def _files_spec(name: str, source: _SourceModel, path: Path) -> SourceSpec:
    datasets = []
    for table, config in source.tables.items():
        assert config is not None and config.format is not None, "_kind_problems() checks it"
        datasets.append(
            FileDataset(
                name=table,
                format=config.format,
                columns=tuple((config.columns or {}).items()),
                delimiter=config.delimiter or ",",
                header=True if config.header is None else config.header,
                description=config.description,
            )
        )
    landing = source.landing_url or DEFAULT_LANDING_URL
    if "://" not in landing and not Path(landing).expanduser().is_absolute():
        landing = str((path.parent / landing).resolve())  # relative to sources.yml
    return SourceSpec(
        name=name,
        kind="files",
        url_env=source.url_env or "",
        demo=source.demo,
        description=source.description,
        overrides=tuple(TableOverride(name=d.name, description=d.description) for d in datasets),
        landing_url=landing,
        datasets=tuple(datasets),
    )


_ALLOWED = {
    "file": set(_FileModel.model_fields),
    "source": {field.alias or name for name, field in _SourceModel.model_fields.items()},
    "table": set(_TableModel.model_fields),
}


def _describe(path: Path, node: yaml.Node | None, problem: Mapping[str, Any]) -> str:
    """One line: file:line, source and table, what is wrong and how to fix it."""
    loc = tuple(str(part) for part in problem["loc"])
    # pydantic adds the union member it tried ("_TableModel") to the path: drop it.
    loc = tuple(part for part in loc if not part.startswith("_"))
    where = f"{path}:{_line(node, loc)}"
    context = []
    if len(loc) >= 2 and loc[0] == "sources":
        context.append(f"source {loc[1]!r}")
    if len(loc) >= 4 and loc[2] == "tables":
        context.append(f"table {loc[3]!r}")
    key = loc[-1] if loc else ""
    if problem["type"] == "extra_forbidden":
        # The unknown key's level: the file (sources), a source, or a table.
        allowed = _ALLOWED[{1: "file", 3: "source"}.get(len(loc), "table")]
        close = difflib.get_close_matches(key, sorted(allowed), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(allowed))}"
        message = f"unknown key {key!r} ({hint})"
    elif problem["type"] == "missing":
        message = f"{key!r} is required"
    else:
        message = f"{key}: {problem['msg']}"
    return f"{where}: {', '.join(context) + ': ' if context else ''}{message}"


def _line(node: yaml.Node | None, loc: tuple[str, ...]) -> int:
    """The line of the value at `loc` in the composed YAML (that of its parent if absent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if str(key.value) == part:
                line, node = key.start_mark.line + 1, value
                break
        else:
            break
    return line
