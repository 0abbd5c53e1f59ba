"""What to load from a source: its tables, keys, cursors and excluded columns.

`SourceSpec` is a source as `sources.yml` declares it; `TableSpec` is one table as it will be
loaded, once the declaration has been resolved against the source's catalog (`catalog.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from .errors import ConfigError
from .http_spec import HttpEndpoint, HttpOptions
from .schemas import raw_schema

__all__ = [
    "DELETE_POLICIES",
    "DeletePolicy",
    "FileDataset",
    "FileFormat",
    "LoadMode",
    "SourceKind",
    "SourceSpec",
    "TableOverride",
    "TableSpec",
]

LoadMode = Literal["full", "incremental"]
# What a load does with rows gone from an incremental table's source (deletes.py).
DeletePolicy = Literal["soft", "hard", "ignore"]
DELETE_POLICIES: tuple[DeletePolicy, ...] = ("soft", "hard", "ignore")
SourceKind = Literal["postgres", "mysql", "files", "http"]
FileFormat = Literal["csv", "parquet", "jsonl"]
# Where a files source's landing location is when its entry names none.
DEFAULT_LANDING_URL = "./landing"
# The schema a source is read from when its entry names none.
DEFAULT_SCHEMA = {"postgres": "public"}


def _check_name(name: str, what: str) -> None:
    # Names are taken as the source has them (mixed case, spaces, reserved words) and always
    # quoted; only what no database allows in a name is refused.
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ConfigError(f"{what} {name!r} is empty or contains a NUL character")


@dataclass(frozen=True)
class TableOverride:
    """What `sources.yml` says about one table: only what the catalog cannot know."""

    name: str
    mode: LoadMode | None = None
    cursor_column: str | None = None
    lookback: timedelta = timedelta(hours=1)
    primary_key: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    description: str = ""
    deletes: DeletePolicy | None = None  # None: not declared (soft, for incremental tables)
    deletes_every: int | None = None


@dataclass(frozen=True)
class TableSpec:
    """One source table as it is loaded.

    `full` tables are copied whole and swapped in; `incremental` tables read only rows whose
    `cursor_column` is newer than the saved cursor minus `lookback`, and merge them on
    `primary_key`. Columns in `exclude_columns` are never read (secrets such as passwords).
    Rows deleted in the source of an incremental table are found by comparing key sets every
    `deletes_every` loads, and then marked (`soft`: raw's `_deleted_at`), removed (`hard`) or
    kept (`ignore`); a full copy drops them by itself.
    """

    name: str
    mode: LoadMode = "full"
    primary_key: tuple[str, ...] = ()
    cursor_column: str | None = None
    lookback: timedelta = timedelta(hours=1)
    exclude_columns: tuple[str, ...] = ()
    description: str = ""
    deletes: DeletePolicy = "soft"
    deletes_every: int = 1

    def __post_init__(self) -> None:
        _check_name(self.name, "table name")
        if self.deletes not in DELETE_POLICIES:
            raise ConfigError(
                f"table {self.name!r}: deletes {self.deletes!r} must be one of "
                f"{', '.join(DELETE_POLICIES)}"
            )
        every = self.deletes_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(
                f"table {self.name!r}: deletes_every {every!r} must be a whole number of loads, "
                "1 or more"
            )
        for column in (*self.primary_key, *self.exclude_columns):
            _check_name(column, f"column name in table {self.name!r}")
        if self.mode not in ("full", "incremental"):
            raise ConfigError(f"table {self.name!r}: mode must be 'full' or 'incremental'")
        if self.mode == "incremental":
            if not self.primary_key or not self.cursor_column:
                raise ConfigError(
                    f"table {self.name!r} is incremental: it needs a primary key (declared in "
                    "the source, or primary_key in sources.yml) and a cursor_column"
                )
            _check_name(self.cursor_column, f"cursor column of table {self.name!r}")
        overlap = set(self.primary_key) & set(self.exclude_columns)
        if overlap:
            raise ConfigError(f"table {self.name!r}: key column(s) {sorted(overlap)} are excluded")


@dataclass(frozen=True)
class FileDataset:
    """One dataset of a files source: the files under `<landing>/<name>/YYYY-MM/`, all of one
    format, landing in `raw_<source>.<name>`. `columns` are (name, declared type) pairs
    (file_columns.py), in the order of a headerless CSV's fields; Parquet may leave them out
    and take the file's own schema."""

    name: str
    format: FileFormat
    columns: tuple[tuple[str, str], ...] = ()
    delimiter: str = ","
    header: bool = True  # CSV: the first line names the columns
    description: str = ""


@dataclass(frozen=True)
class SourceSpec:
    """A source system as `sources.yml` declares it, landed in the warehouse schema
    `raw_<name>`. Which tables it has is asked of its catalog (`catalog.resolve_tables`)."""

    name: str
    url_env: str
    kind: SourceKind = "postgres"
    source_schema: str | None = None  # None: the kind's default (public; MySQL: the URL's)
    demo: str | None = None  # an embedded demo that stands in while url_env is unset
    description: str = ""
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    overrides: tuple[TableOverride, ...] = ()
    # A files source: its landing location (a local path, relative to sources.yml's folder,
    # or any fsspec URL) unless `url_env` is set, and its datasets.
    landing_url: str = DEFAULT_LANDING_URL
    datasets: tuple[FileDataset, ...] = ()
    # An HTTP source: its endpoints (one table each) and how it is asked.
    endpoints: tuple[HttpEndpoint, ...] = ()
    http: HttpOptions | None = None

    def __post_init__(self) -> None:
        if self.source_schema is not None:
            _check_name(self.source_schema, f"schema of source {self.name!r}")
        names = [override.name for override in self.overrides]
        if len(set(names)) != len(names):
            raise ConfigError(f"source {self.name!r} lists a table twice: {names}")

    @property
    def raw_schema(self) -> str:
        return raw_schema(self.name)

    @property
    def schema(self) -> str | None:
        """The schema to read, when the kind has a default (MySQL's comes from the URL)."""
        return self.source_schema or DEFAULT_SCHEMA.get(self.kind)

    def override(self, table: str) -> TableOverride | None:
        return next((o for o in self.overrides if o.name == table), None)

    def endpoint(self, name: str) -> HttpEndpoint:
        found = next((e for e in self.endpoints if e.name == name), None)
        if found is None:
            raise ConfigError(f"source {self.name!r} has no endpoint {name!r}")
        return found

    def dataset(self, name: str) -> FileDataset:
        found = next((d for d in self.datasets if d.name == name), None)
        if found is None:
            raise ConfigError(f"source {self.name!r} has no dataset {name!r}")
        return found
