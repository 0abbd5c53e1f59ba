"""DuckDB reading a landed file itself: the direct path of a files source into DuckDB.

The Arrow way decodes a file in this process, INSERTs the batches into a staging table and then
copies the staged rows into raw: every row is written twice, and the decoding runs in one
Python-driven stream. Here DuckDB's own reader (`read_parquet`, in parallel, in C++) reads the
file once, when the file is published, straight into the raw table; the staging table is only
created empty, for its column types (what drift is checked against).

It is used where it keeps every value as the Arrow way lands it: each column of the file has
its landing type already, or is text cast to the declared type (a value that does not fit is a
bad line, quarantined with its row number, 1 for the first). Any other file (another type to
convert, a name DuckDB would read as a pattern, columns whose names differ only in case) goes
the Arrow way: `plan_direct` says None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from ..catalog_types import sql_text
from ..duckdb_limits import zero_signs
from ..files_read import RAW_CHARS
from ..identifiers import quote_ident
from ..reads import FileScan, LandingColumn

__all__ = ["DirectFile", "direct_file", "file_function", "plan_direct"]

Execute = Callable[[str], list[tuple[Any, ...]]]

_ROW_NUMBER = "file_row_number"
_PATTERN = frozenset("*?[]{}")  # DuckDB reads a name holding one of these as a glob
_META = ("_file", "_line")


@dataclass(frozen=True)
class DirectFile:
    """What DuckDB will land of one file, found by reading only what it must (the footer; the
    columns to check)."""

    rows: str  # SQL: the rows that land, named and typed as the staging table's columns
    rows_read: int
    bad: list[tuple[int, str, str]]  # (line, reason, raw text) of each value that does not fit
    negative_zeros: dict[str, int]  # float column -> how many -0.0 land as 0.0


def direct_file(
    execute: Execute,
    scan: FileScan,
    columns: Sequence[LandingColumn],
    landing: Mapping[str, str],
    loaded_at: str,
    batch_id: str,
) -> DirectFile | None:
    """The file of `scan` as DuckDB lands it (see `plan_direct`); None where it cannot, or
    where its reader fails (the Arrow way then says what is wrong with the file)."""
    function = file_function(scan)
    if function is None:
        return None
    try:
        return plan_direct(execute, function, columns, landing, scan.path, loaded_at, batch_id)
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return None


def file_function(scan: FileScan) -> str | None:
    """DuckDB's table function reading the file, with each row's number; None if DuckDB
    cannot read it as one file by name."""
    if scan.format != "parquet" or _PATTERN.intersection(scan.location):
        return None
    return (
        f"read_parquet({sql_text(scan.location)}, {_ROW_NUMBER} = true, "
        "hive_partitioning = false, union_by_name = false)"
    )


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # the landing type, as DuckDB spells it
    value: str  # SQL over `src`
    check: str | None  # SQL: true where the file's value does not fit `kind`
    reason: str | None  # SQL: why, for the quarantine


def _column(column: LandingColumn, kind: str, found: str | None) -> _Column | None:
    source = f"src.{quote_ident(column.name)}"
    if found is None:  # a declared column the file lacks is NULL, as the Arrow way has it
        return _Column(column.name, kind, f"CAST(NULL AS {kind})", None, None)
    if found == kind:
        return _Column(column.name, kind, source, None, None)
    if found == "VARCHAR" and column.duckdb_type != "JSON":
        value = f"TRY_CAST({source} AS {kind})"
        reason = (
            f"{sql_text(f'column {column.name!r}: ')} || '''' || {source} || '''' || "
            f"{sql_text(f' is not a valid {column.postgres_type}')}"
        )
        return _Column(
            column.name, kind, value, f"({source} IS NOT NULL AND {value} IS NULL)", reason
        )
    return None


def plan_direct(
    execute: Execute,
    function: str,
    columns: Sequence[LandingColumn],
    landing: Mapping[str, str],
    path: str,
    loaded_at: str,
    batch_id: str,
) -> DirectFile | None:
    """The file read by `function` landed as `columns` (with `_file`, `_line`; `landing`: each
    one's type as DuckDB describes it), or None if DuckDB would not land it as the Arrow way
    does. `loaded_at`, `batch_id`: SQL literals of the batch."""
    found = {row[0]: str(row[1]) for row in execute(f"DESCRIBE SELECT * FROM {function}")}
    found.pop(_ROW_NUMBER, None)
    if len({name.lower() for name in found}) != len(found):
        return None  # DuckDB binds names regardless of case
    planned = []
    for column in columns:
        if column.name in _META:
            continue
        if column.name == _ROW_NUMBER:
            return None
        planned_column = _column(column, landing[column.name], found.get(column.name))
        if planned_column is None:
            return None
        planned.append(planned_column)
    signs = zero_signs([(c.name, c.kind, c.value) for c in planned])
    values, marker_values = signs.loads[: len(planned)], signs.loads[len(planned) :]
    checks = [c for c in planned if c.check is not None]
    any_bad = " OR ".join(c.check for c in checks if c.check is not None)

    counts = ["count(*)"]
    if checks:
        counts.append(f"count(*) FILTER (WHERE {any_bad})")
    counts += [f"coalesce(sum({value}), 0)" for value in marker_values]
    totals = [
        int(value) for value in execute(f"SELECT {', '.join(counts)} FROM {function} AS src")[0]
    ]
    rows_read = totals[0]
    bad_count = totals[1] if checks else 0
    zeros = dict(zip(signs.markers, totals[len(totals) - len(marker_values) :], strict=True))

    bad: list[tuple[int, str, str]] = []
    if bad_count:
        reasons = " ".join(f"WHEN {c.check} THEN {c.reason}" for c in checks)
        raw = "{" + ", ".join(f"{sql_text(n)}: src.{quote_ident(n)}" for n in found) + "}"
        bad = [
            (int(line), str(reason), str(text))
            for line, reason, text in execute(
                f"SELECT src.{_ROW_NUMBER} + 1, CASE {reasons} END, "
                f"left(CAST(to_json({raw}) AS VARCHAR), {RAW_CHARS}) "
                f"FROM {function} AS src WHERE {any_bad} ORDER BY 1"
            )
        ]
    selects = [
        f"{value} AS {quote_ident(c.name)}" for c, value in zip(planned, values, strict=True)
    ]
    selects += [
        f"{sql_text(path)} AS _file",
        f"src.{_ROW_NUMBER} + 1 AS _line",
        f"{loaded_at} AS _loaded_at",
        f"{batch_id} AS _batch_id",
    ]
    where = f" WHERE NOT ({any_bad})" if checks else ""
    rows = f"SELECT {', '.join(selects)} FROM {function} AS src{where}"
    return DirectFile(rows, rows_read, bad, zeros)
