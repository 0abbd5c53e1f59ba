"""What to load from a source: its tables, keys, cursors and excluded columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from .errors import ConfigError
from .identifiers import validate_identifier

__all__ = ["SourceSpec", "TableSpec"]

LoadMode = Literal["full", "incremental"]


@dataclass(frozen=True)
class TableSpec:
    """One source table.

    `full` tables are copied whole and swapped in; `incremental` tables read only rows whose
    `cursor_column` is newer than the saved cursor minus `lookback`, and merge them on
    `primary_key`. Columns in `exclude_columns` are never read (secrets such as passwords).
    """

    name: str
    mode: LoadMode = "full"
    primary_key: tuple[str, ...] = ()
    cursor_column: str | None = None
    lookback: timedelta = timedelta(hours=1)
    exclude_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_identifier(self.name, "table name")
        for column in (*self.primary_key, *self.exclude_columns):
            validate_identifier(column, f"column name in table {self.name!r}")
        if self.mode not in ("full", "incremental"):
            raise ConfigError(f"table {self.name!r}: mode must be 'full' or 'incremental'")
        if self.mode == "incremental":
            if not self.primary_key or not self.cursor_column:
                raise ConfigError(
                    f"table {self.name!r} is incremental: give it a primary_key and a cursor_column"
                )
            validate_identifier(self.cursor_column, f"cursor column of table {self.name!r}")
        overlap = set(self.primary_key) & set(self.exclude_columns)
        if overlap:
            raise ConfigError(f"table {self.name!r}: key column(s) {sorted(overlap)} are excluded")


@dataclass(frozen=True)
class SourceSpec:
    """A source system: one PostgreSQL database, landed in the warehouse schema `raw_<name>`."""

    name: str
    url_env: str
    tables: tuple[TableSpec, ...]
    source_schema: str = "public"
    demo_database: str | None = None
    description: str = ""
    table_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        validate_identifier(self.name, "source name")
        validate_identifier(self.source_schema, f"schema of source {self.name!r}")
        names = tuple(table.name for table in self.tables)
        if len(set(names)) != len(names):
            raise ConfigError(f"source {self.name!r} lists a table twice: {names}")
        object.__setattr__(self, "table_names", names)

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.name}"

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise ConfigError(
            f"source {self.name!r} has no table {name!r}; "
            f"its tables are {', '.join(self.table_names)}"
        )
