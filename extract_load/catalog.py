"""A source's tables as its catalog says, and the declaration resolved against them.

`resolve_tables` is the policy, a pure function: which tables a source entry selects, each
with its mode, key and cursor, and every problem of the declaration (a table or column that
does not exist, an incremental table without a key, a cursor that cannot be ordered), so that
`elt sources check` can list them all and a load can refuse before anything is written.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import ConfigError
from .tables import SourceSpec, TableOverride, TableSpec

__all__ = ["CatalogColumn", "CatalogTable", "resolve_tables"]

# Names that usually mean "when the row last changed": offered as cursors by discovery.
CURSOR_NAMES = (
    "updated_at",
    "last_update",
    "last_updated",
    "modified",
    "modified_at",
    "changed_at",
    "updated",
    "update_time",
    "last_modified",
)


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    declared: str  # the type as the source spells it
    orderable: bool = False  # a timestamp, date or integer: usable as an incremental cursor
    temporal: bool = False


@dataclass(frozen=True)
class CatalogTable:
    name: str
    columns: tuple[CatalogColumn, ...]
    primary_key: tuple[str, ...] = ()
    estimated_rows: int | None = None
    is_base_table: bool = True  # False for views: loaded only when named in `tables`
    comment: str = ""

    def column(self, name: str) -> CatalogColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    def cursor_candidates(self) -> list[CatalogColumn]:
        """Temporal columns named like a last-change time first, then the other temporal ones."""
        temporal = [c for c in self.columns if c.temporal and c.orderable]
        return sorted(temporal, key=lambda c: (c.name.lower() not in CURSOR_NAMES, c.name))


def _selected(source: SourceSpec, table: CatalogTable) -> bool:
    if not table.is_base_table:
        return False
    included = any(fnmatchcase(table.name, pattern) for pattern in source.include)
    return included and not any(fnmatchcase(table.name, pattern) for pattern in source.exclude)


def _suggest(name: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    shown = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
    return f"it has {shown}" if names else "it has none"


def resolve_tables(
    source: SourceSpec, catalog: Sequence[CatalogTable], origin: str = "sources.yml"
) -> tuple[list[TableSpec], list[str]]:
    """The tables `source` loads, and one line per problem with the declaration."""
    by_name = {table.name: table for table in catalog}
    where = f"{origin}: source {source.name!r}"
    schema = source.schema or "the URL's database"
    problems: list[str] = []
    for override in source.overrides:
        if override.name not in by_name:
            problems.append(
                f"{where}: table {override.name!r} is not in schema {schema} of "
                f"{source.url_env} ({_suggest(override.name, sorted(by_name))}); fix its name "
                "or remove it"
            )
        elif any(fnmatchcase(override.name, pattern) for pattern in source.exclude):
            problems.append(
                f"{where}: table {override.name!r} is listed under tables but matches an "
                "exclude pattern; remove one of the two"
            )
    listed = {override.name for override in source.overrides}
    chosen = [t for t in catalog if _selected(source, t) or t.name in listed]
    specs = []
    for table in sorted(chosen, key=lambda t: t.name):
        spec, table_problems = _resolve_table(source, table, f"{where}, table {table.name!r}")
        problems += table_problems
        if spec is not None:
            specs.append(spec)
    return specs, problems


def _resolve_table(
    source: SourceSpec, table: CatalogTable, where: str
) -> tuple[TableSpec | None, list[str]]:
    override = source.override(table.name) or TableOverride(table.name)
    columns = [c.name for c in table.columns]
    problems = []
    cursor = override.cursor_column
    mode = override.mode or ("incremental" if cursor else "full")
    key = override.primary_key or table.primary_key
    for column in (*override.primary_key, *override.exclude_columns):
        if column not in columns:
            problems.append(
                f"{where}: column {column!r} does not exist ({_suggest(column, columns)})"
            )
    if cursor is not None:
        found = table.column(cursor)
        if found is None:
            problems.append(
                f"{where}: cursor_column {cursor!r} does not exist ({_suggest(cursor, columns)})"
            )
        elif not found.orderable:
            problems.append(
                f"{where}: cursor_column {cursor!r} is {found.declared}; use a timestamp, "
                "date or integer column"
            )
    if mode == "incremental" and cursor is None:
        problems.append(f"{where}: mode incremental needs a cursor_column")
    if mode == "full" and (override.deletes is not None or override.deletes_every is not None):
        problems.append(
            f"{where}: deletes and deletes_every are for incremental tables (a full copy drops "
            "rows deleted in the source by itself); remove them"
        )
    if mode == "incremental" and not key:
        problems.append(
            f"{where}: incremental, but the table has no primary key; declare primary_key "
            "(columns that identify a row) or load it in full"
        )
    if problems:
        return None, problems
    try:
        spec = TableSpec(
            name=table.name,
            mode=mode,
            primary_key=tuple(key),
            cursor_column=cursor,
            lookback=override.lookback,
            deletes=override.deletes or "soft",
            deletes_every=override.deletes_every or 1,
            exclude_columns=override.exclude_columns,
            description=override.description or table.comment,
        )
    except ConfigError as error:
        return None, [f"{where}: {error}"]
    return spec, []
