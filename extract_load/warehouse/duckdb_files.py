"""DuckDB reading a landed file itself: the direct path of a files source into DuckDB.

The Arrow way decodes a file in this process, INSERTs the batches into a staging table and then
copies the staged rows into raw: every row is written twice, and the decoding runs in one
Python-driven stream. Here DuckDB's own reader (`read_parquet`, in parallel, in C++) reads the
file once, when the file is published, straight into the raw table; the staging table is only
created empty, for its column types (what drift is checked against).

It is used where it keeps every value as the Arrow way lands it: each column of the file has
its landing type already (or is declared and absent: NULL). Any other file (a column to convert,
text to cast, which is where bad values are found and quarantined; INT96 timestamps and
nanosecond times, which DuckDB truncates to microseconds; a name DuckDB would read as a
pattern; columns whose names differ only in case) goes the Arrow way: `direct_file` says None.

Several files of one shape are read by one statement (`rows_sql`): DuckDB reads a row group
with one thread, and a file of one row group (pyarrow writes up to 1Mi rows in one) would keep
every other core idle; read together, the files' row groups are spread over the threads
(measured: six monthly files of 833k trips each, 5.6 s one by one, 2.1 s together).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from ..catalog_types import sql_text
from ..duckdb_limits import zero_signs
from ..identifiers import quote_ident
from ..reads import FileScan, LandingColumn

__all__ = [
    "DirectFile",
    "Filesystems",
    "direct_file",
    "plan_direct",
    "readable_by_name",
    "rows_sql",
]

log = logging.getLogger(__name__)

Execute = Callable[[str], list[tuple[Any, ...]]]

_ROW_NUMBER = "file_row_number"
_FILENAME = "__elt_filename"  # the column naming the file a row is read from
_PATTERN = frozenset("*?[]{}")  # DuckDB reads a name holding one of these as a glob
_META = ("_file", "_line")


@dataclass(frozen=True)
class DirectFile:
    """What DuckDB will land of one file, found by reading only what it must (the footer; the
    float columns, for their -0.0)."""

    location: str  # where DuckDB reads it
    path: str  # its `_file`
    found: tuple[tuple[str, str], ...]  # its columns as DuckDB reads them
    values: tuple[str, ...]  # SQL over `src` per landing column but `_file` and `_line`
    rows_read: int
    row_groups: int
    negative_zeros: dict[str, int]  # float column -> how many -0.0 land as 0.0

    def fits(self, other: DirectFile) -> bool:
        """Whether the two files are read alike, so that one statement can read both."""
        return (self.found, self.values) == (other.found, other.values)


class Filesystems:
    """The fsspec filesystems DuckDB reads landings through, registered with its connection
    once per protocol."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self._registered: dict[str, Any] = {}  # protocol -> its filesystem

    def can_read(self, scan: FileScan) -> bool:
        """Whether DuckDB can read the file of `scan`: a local one, or one of a filesystem
        registered now or before. A second filesystem of a protocol (other credentials, say)
        is not: its files go the Arrow way rather than through the first one."""
        fs = scan.filesystem
        if fs is None:
            return True
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        with self._lock:
            known = self._registered.get(protocol)
            if known is None:
                try:
                    self._connection.register_filesystem(fs)
                except duckdb.Error as error:
                    log.info("DuckDB cannot read %s:// through fsspec (%s)", protocol, error)
                    return False
                self._registered[protocol] = known = fs
        return known is fs


def direct_file(
    execute: Execute,
    scan: FileScan,
    columns: Sequence[LandingColumn],
    landing: Mapping[str, str],
) -> DirectFile | None:
    """The file of `scan` as DuckDB lands it (see `plan_direct`); None where it cannot, or
    where its reader fails (the Arrow way then says what is wrong with the file)."""
    if not readable_by_name(scan):
        return None
    try:
        # DuckDB reads nanoseconds (INT96 timestamps, TIME(NANOS)) as microseconds, dropping
        # the rest silently; the Arrow way sets such a value's row aside.
        location = sql_text(scan.location)
        nanos = "type = 'INT96' OR logical_type LIKE '%NANOS=NanoSeconds%'"
        if execute(f"SELECT count(*) FROM parquet_schema({location}) WHERE {nanos}")[0][0]:
            return None
        row_groups = execute(f"SELECT num_row_groups FROM parquet_file_metadata({location})")
        return plan_direct(execute, scan, columns, landing, int(row_groups[0][0]))
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return None


def readable_by_name(scan: FileScan) -> bool:
    """Whether DuckDB can read the file as one Parquet file by its name."""
    return scan.format == "parquet" and not _PATTERN.intersection(scan.location)


def _read_parquet(locations: Sequence[str]) -> str:
    files = ", ".join(sql_text(location) for location in locations)
    return (
        f"read_parquet([{files}], {_ROW_NUMBER} = true, filename = {sql_text(_FILENAME)}, "
        "hive_partitioning = false, union_by_name = false)"
    )


def _value(column: LandingColumn, kind: str, found: str | None) -> str | None:
    """SQL over `src`: the column as it lands, or None if DuckDB would have to convert it."""
    if found is None:  # a declared column the file lacks is NULL, as the Arrow way has it
        return f"CAST(NULL AS {kind})"
    if found == kind:
        return f"src.{quote_ident(column.name)}"
    # Any conversion goes the Arrow way. DuckDB's casts from text are laxer than Arrow's and
    # change values silently ('1.5' as integer is 2, '12.345' as numeric(8,2) is 12.35, a
    # timestamp without its offset is taken as UTC), where the Arrow way sets the row aside.
    return None


def plan_direct(
    execute: Execute,
    scan: FileScan,
    columns: Sequence[LandingColumn],
    landing: Mapping[str, str],
    row_groups: int,
) -> DirectFile | None:
    """The file of `scan` landed as `columns` (with `_file`, `_line`; `landing`: each one's
    type as DuckDB describes it), or None if DuckDB would not land it as the Arrow way does."""
    function = _read_parquet([scan.location])
    found = {row[0]: str(row[1]) for row in execute(f"DESCRIBE SELECT * FROM {function}")}
    found.pop(_ROW_NUMBER, None)
    found.pop(_FILENAME, None)
    if len({name.lower() for name in found}) != len(found):
        return None  # DuckDB binds names regardless of case
    planned: list[tuple[str, str, str]] = []
    for column in columns:
        if column.name in _META:
            continue
        kind = landing[column.name]
        value = _value(column, kind, found.get(column.name))
        if column.name in (_ROW_NUMBER, _FILENAME) or value is None:
            return None
        planned.append((column.name, kind, value))
    signs = zero_signs(planned)
    values, marker_values = signs.loads[: len(planned)], signs.loads[len(planned) :]
    counts = ["count(*)", *(f"coalesce(sum({value}), 0)" for value in marker_values)]
    totals = [int(v) for v in execute(f"SELECT {', '.join(counts)} FROM {function} AS src")[0]]
    selects = tuple(
        f"{value} AS {quote_ident(name)}"
        for (name, _, _), value in zip(planned, values, strict=True)
    )
    return DirectFile(
        scan.location,
        scan.path,
        tuple(found.items()),
        selects,
        totals[0],
        row_groups,
        dict(zip(signs.markers, totals[1:], strict=True)),
    )


def rows_sql(files: Sequence[DirectFile], loaded_at: str, batch_id: str) -> str:
    """SQL: the rows that land of `files` (each `fits` the first), read by one statement,
    named and typed as their staging table's columns. `loaded_at`, `batch_id`: SQL literals
    of the batch."""
    first = files[0]
    assert all(file.fits(first) for file in files), "files read alike"
    if len(files) == 1:
        path = sql_text(first.path)
    else:  # a name DuckDB gives no file of these fails the statement, never lands as NULL
        whens = " ".join(f"WHEN {sql_text(f.location)} THEN {sql_text(f.path)}" for f in files)
        unknown = f"error('no file is named ' || src.{_FILENAME})"
        path = f"CASE src.{_FILENAME} {whens} ELSE {unknown} END"
    selects = [
        *first.values,
        f"{path} AS _file",
        f"src.{_ROW_NUMBER} + 1 AS _line",
        f"{loaded_at} AS _loaded_at",
        f"{batch_id} AS _batch_id",
    ]
    function = _read_parquet([file.location for file in files])
    return f"SELECT {', '.join(selects)} FROM {function} AS src"
