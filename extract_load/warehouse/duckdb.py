"""The DuckDB warehouse: one file, written from Arrow record batches or by DuckDB's own reader.

A PostgreSQL source's table is read by DuckDB's PostgreSQL extension (duckdb_scan.py), or,
where it is missing, arrives as psql's CSV parsed by Arrow with a type per column; any other
source hands over Arrow batches typed already.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..catalog_types import sql_text
from ..columns import duckdb_compares_as_text, fallback_warnings, to_duckdb
from ..duckdb_limits import ZeroSigns, count_sql, numeric_text_warnings, zero_signs
from ..errors import SourceError, WarehouseError
from ..identifiers import qualified, quote_ident
from ..psql_copy import CopyFailed, PsqlCopy
from ..reads import ArrowRead, CopyRead, SourceQueries
from ..settings import DUCKDB_MEMORY_LIMIT
from ..streams import CountingReader, Progress, ReadAhead, iter_with_progress, slices
from ..types_duckdb import to_duckdb_scanned
from .base import StagePlan, Warehouse
from .duckdb_files import DirectFile, Filesystems, direct_file, rows_sql
from .duckdb_scan import Attachments, load_postgres_extension, run_scan

if TYPE_CHECKING:  # imported where Arrow is used: DuckDB's PostgreSQL extension needs none
    import pyarrow as pa

__all__ = ["DuckDBWarehouse", "connect_waiting_for_lock"]

log = logging.getLogger(__name__)

_FILES_AT_ONCE = 64  # files read by one statement at most (a CASE names each one's _file)


def connect_waiting_for_lock(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the file; while another process holds its write lock, wait (a run in progress)."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise WarehouseError(
                    f"ELT_DUCKDB_PATH: cannot open {path} ({error}). If another process (a "
                    "notebook, a running pipeline) keeps it open, close that first"
                ) from None
            log.info("%s is in use by another process; waiting for it", path)
            time.sleep(delay)
            delay = min(delay * 2, 10)


def duckdb_literal(value: Any) -> str:
    """`value` (None, a bool, int, float, str or datetime) as a DuckDB literal of its type.

    `execute`'s few values (the ledger's) are written as literals rather than bound: binding
    any value makes DuckDB's Python client import pandas, 0.3 s of every load's start."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST({sql_text(repr(value))} AS DOUBLE)"  # a bare 1.5 is a DECIMAL
    if isinstance(value, str):
        return sql_text(value)
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMP" if value.tzinfo is None else "TIMESTAMPTZ"
        return f"CAST({sql_text(value.isoformat())} AS {kind})"
    raise TypeError(f"no DuckDB literal for a {type(value).__name__}")


class _TemporalOutOfRange(Exception):
    """Arrow met a timestamp or date it cannot represent (infinity, BC, a year after 9999)."""


class _ValueLargerThanBlock(Exception):
    """A CSV row larger than the block Arrow parses at a time (a 10 MB text, say)."""


# A row is at most about PostgreSQL's largest value (1 GB) in CSV; Arrow's blocks are int32.
_LARGEST_BLOCK = 1 << 30

_ARROW_TEMPORAL_ERROR = re.compile(
    r"CSV conversion error to (timestamp|date32)[^:]*: invalid value"
)


def _cause(
    error: Exception, source: PsqlCopy, stream: CountingReader, text_temporals: bool
) -> Exception:
    """What to raise for an error met while parsing or inserting."""
    # A CSV cut short is a symptom: when psql failed, its error is the cause. Once the stream
    # has ended psql is on its way out, so wait for its status; before that, psql is alive and
    # blocked on a full pipe, and waiting would only stall the error (or the text fallback).
    failed = source.failure(wait_seconds=10 if stream.at_end else 0)
    if failed is not None:
        return failed
    if "straddles two block boundaries" in str(error):
        return _ValueLargerThanBlock(str(error))
    match = _ARROW_TEMPORAL_ERROR.search(str(error))
    if match and not text_temporals:
        return _TemporalOutOfRange(f"a {match.group(1)} value Arrow cannot represent")
    return error


class DuckDBWarehouse(Warehouse):
    """One process-wide connection; each thread works on its own cursor of it.

    DuckDB allows one writing process per file. Threads of this process may stage different
    tables at once; publishing is serialised by a lock so that transactions never conflict.
    """

    kind = "duckdb"

    def __init__(
        self,
        path: Path,
        block_bytes: int = 1 << 20,
        memory_limit: str = DUCKDB_MEMORY_LIMIT,
        lock_wait_seconds: float = 300,
        postgres_reader: str = "auto",
        streams: int = 2,
    ) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = connect_waiting_for_lock(path, lock_wait_seconds)
        self._connection.execute("SET TimeZone = 'UTC'")
        # A missing table (table_columns asks) makes DuckDB search every attached catalog, the
        # PostgreSQL source's too, for a name to suggest: 20 ms of a load, for a hint that no
        # statement of the loader's own needs.
        self._connection.execute("SET catalog_error_max_schemas = 0")
        # DuckDB keeps written blocks cached up to 80 % of RAM by default; the loader streams,
        # so a bound keeps its memory flat as tables grow (larger work spills to disk).
        try:
            self._connection.execute(f"SET memory_limit = {sql_text(memory_limit)}")
        except duckdb.Error as error:
            raise WarehouseError(
                f"ELT_DUCKDB_MEMORY_LIMIT: {memory_limit!r} is not a memory size such as "
                f"512MB or 2GB ({error})"
            ) from None
        self.path = path
        self._database = str(self._connection.execute("SELECT current_database()").fetchall()[0][0])
        self.block_bytes = block_bytes
        self.rows_per_commit = 500_000
        self._local = threading.local()
        self._publish_lock = threading.RLock()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self.postgres_reader = postgres_reader
        self.streams = streams  # connections reading PostgreSQL at once, all tables together
        # False: not tried yet; None: loaded; a string: why it cannot be.
        self._extension: str | bool | None = False
        self._attachments = Attachments(self._connection, streams)
        # Staging table -> the rows of the file DuckDB reads itself when publishing it.
        self._direct: dict[str, str] = {}
        self._filesystems = Filesystems(self._connection)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            cursor.execute("SET TimeZone = 'UTC'")
            self._local.cursor = cursor
            self._cursors.append(cursor)
        return cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._cursor()
        if params:
            parts = statement.split("%s")
            assert len(parts) == len(params) + 1, statement
            literals = [duckdb_literal(value) for value in params]
            statement = "".join(p + v for p, v in zip(parts, [*literals, ""], strict=True))
        cursor.execute(statement)
        try:
            return cursor.fetchall()
        except duckdb.InvalidInputException:  # a statement with no result set
            return []

    def query(self, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self._cursor()
        cursor.execute(statement)
        columns = [column[0] for column in cursor.description or ()]
        return columns, cursor.fetchall()

    def _insert_count(self, statement: str, params: Sequence[Any] = ()) -> int:
        rows = self.execute(statement, params)
        return int(rows[0][0]) if rows else 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._publish_lock:
            cursor = self._cursor()
            cursor.begin()
            try:
                yield
            except BaseException:
                cursor.rollback()
                raise
            cursor.commit()

    def table_columns(self, schema: str, table: str) -> dict[str, str] | None:
        # DESCRIBE reads the one table's entry (the types spelled as information_schema spells
        # them); information_schema.columns gathers every catalog's, the attached PostgreSQL
        # source's too: measured, 15-75 ms a call against under 1.
        name = ".".join(quote_ident(part) for part in (self._database, schema, table))
        try:
            rows = self.execute(f"DESCRIBE {name}")
        except duckdb.CatalogException:  # no such table (this leaves a transaction usable)
            return None
        return {row[0]: row[1] for row in rows}

    def _row_json(self, alias: str) -> str:
        return f"CAST(to_json({alias}) AS VARCHAR)"

    def _compare_exprs(self, schema: str, table: str, columns: Sequence[str]) -> list[str]:
        types = self.table_columns(schema, table) or {}
        return [
            "{}." + quote_ident(c) + ("::VARCHAR" if duckdb_compares_as_text(types[c]) else "")
            for c in columns
        ]

    def _create_stage(self, plan: StagePlan, definitions: Sequence[tuple[str, str]]) -> str:
        stage = qualified(plan.schema, plan.stage)
        columns = ", ".join(f"{quote_ident(name)} {kind}" for name, kind in definitions)
        self.execute(
            f"CREATE OR REPLACE TABLE {stage} ({columns}, "
            "_loaded_at TIMESTAMPTZ NOT NULL, _batch_id VARCHAR NOT NULL)"
        )
        return stage

    def _insert_slices(
        self,
        plan: StagePlan,
        schema: pa.Schema,
        batches: Iterator[pa.RecordBatch],
        loads: str,
        on_error: Callable[[Exception], Exception],
    ) -> None:
        """INSERT the batches, `loads` selecting each column from the registered Arrow view.

        One INSERT (one transaction) per slice of rows: DuckDB holds a transaction's appended
        rows in memory, so one INSERT of the whole table grows with it. The staging table is
        private; publishing is what must be atomic.
        """
        import pyarrow as pa

        cursor = self._cursor()
        view = f"__elt_arrow_{plan.table}"
        insert = (
            f"INSERT INTO {qualified(plan.schema, plan.stage)} SELECT {loads}, "
            f"?::TIMESTAMPTZ, ? FROM {quote_ident(view)}"
        )
        for piece in slices(batches, self.rows_per_commit):
            cursor.register(view, pa.RecordBatchReader.from_batches(schema, piece))
            try:
                cursor.execute(insert, [plan.batch.started_at, plan.batch.batch_id])
            except (duckdb.Error, pa.ArrowException) as error:
                raise on_error(error) from error
            finally:
                cursor.unregister(view)

    def _write_arrow(self, plan: StagePlan, read: ArrowRead, progress: Progress) -> int:
        self._direct.pop(qualified(plan.schema, plan.stage), None)
        signs = zero_signs(
            [(c.name, c.duckdb_type, f"CAST({quote_ident(c.name)} AS {c.duckdb_type})")
             for c in read.columns]
        )  # fmt: skip
        self._create_stage(plan, signs.definitions)
        loads = ", ".join(signs.loads)
        failed: list[Exception] = []

        def source_batches() -> Iterator[pa.RecordBatch]:
            try:
                yield from read.batches()
            except Exception as error:  # DuckDB wraps it: keep the source's own error
                failed.append(error)
                raise

        batches = iter_with_progress(source_batches(), progress, lambda: read.bytes_read)
        self._insert_slices(
            plan, read.schema, batches, loads, lambda error: failed[0] if failed else error
        )
        rows_out = read.finish()
        self._store_zero_signs(plan, read.label, signs)
        staged = self.row_count(plan.schema, plan.stage)
        if staged != rows_out:
            raise CopyFailed(f"{read.label}: the source sent {rows_out:,} rows, {staged:,} arrived")
        return staged

    def stage_files(self, plan: StagePlan, reads: Iterator[ArrowRead], progress: Progress) -> int:
        """Files DuckDB can read itself (duckdb_files.py), as many as fit the first until they
        hold row groups enough for every thread (or _FILES_AT_ONCE files): an empty staging
        table, each file's row count told to its read, their rows left to publishing, which
        reads them all in one statement."""
        self._direct.pop(qualified(plan.schema, plan.stage), None)
        chosen: list[tuple[ArrowRead, DirectFile]] = []
        row_groups, enough = 0, self._row_groups_at_once()
        landing: dict[str, str] = {}
        for read in reads:
            scan = read.file_scan()
            if scan is None or not self._filesystems.can_read(scan):
                break
            if not chosen:
                self._create_stage(plan, [(c.name, c.duckdb_type) for c in read.columns])
                landing = self.table_columns(plan.schema, plan.stage) or {}
            elif read.columns != chosen[0][0].columns:
                break
            direct = direct_file(self.execute, scan, read.columns, landing)
            if direct is None:
                log.debug("%s: read through Arrow", read.label)
                break
            if chosen and not direct.fits(chosen[0][1]):
                break
            chosen.append((read, direct))
            row_groups += direct.row_groups
            if row_groups >= enough or len(chosen) >= _FILES_AT_ONCE:
                break
        if not chosen:
            return 0
        for read, direct in chosen:
            _warn_negative_zeros(read.label, direct.negative_zeros)
            read.scanned(direct.rows_read, [])  # nothing is cast, so no value can fail
            progress(direct.rows_read, read.bytes_read)
        batch = plan.batch
        rows = rows_sql(
            [direct for _, direct in chosen],
            duckdb_literal(batch.started_at),
            duckdb_literal(batch.batch_id),
        )
        self._direct[qualified(plan.schema, plan.stage)] = f"({rows}) AS direct"
        return len(chosen)

    def _row_groups_at_once(self) -> int:
        """Row groups enough for one statement to keep every thread busy to near its end."""
        threads = self._cursor().execute("SELECT current_setting('threads')").fetchall()
        return 4 * int(threads[0][0])

    def _file_rows(self, plan: StagePlan) -> str | None:
        return self._direct.pop(qualified(plan.schema, plan.stage), None)

    def publish_files(
        self,
        plan: StagePlan,
        files: Mapping[str, Sequence[tuple[int, str, str]]],
        record: Callable[[], None],
    ) -> None:
        direct = qualified(plan.schema, plan.stage) in self._direct
        if direct:
            # Raw's row order is no contract (`_line` says where a row was): without it DuckDB
            # writes the file's row groups in parallel (measured: 20 % of a Parquet load).
            self.execute("SET preserve_insertion_order = false")
        try:
            super().publish_files(plan, files, record)
        except duckdb.InterruptException:
            raise
        except duckdb.Error as error:
            if not direct:
                raise
            raise SourceError(f"{', '.join(files)}: cannot be read ({error})") from error
        finally:
            if direct:
                self.execute("RESET preserve_insertion_order")

    def _extension_missing(self) -> str | None:
        """Why DuckDB's PostgreSQL extension cannot read PostgreSQL here; None if it can."""
        if self.postgres_reader == "psql":
            return "ELT_DUCKDB_POSTGRES_READER=psql"
        with self._publish_lock:
            if self._extension is False:
                self._extension = load_postgres_extension(self._connection)
                if self._extension is None:
                    # The streams are the parallelism: DuckDB's own worker threads only spin
                    # beside them (measured: 2 threads took 1.6 times as long as 1).
                    self._connection.execute("SET threads = 1")
                else:
                    if self.postgres_reader == "extension":
                        raise WarehouseError(
                            f"ELT_DUCKDB_POSTGRES_READER=extension: {self._extension}"
                        )
                    log.info("%s; PostgreSQL is read as CSV through psql", self._extension)
        return self._extension if isinstance(self._extension, str) else None

    def source_queries(self) -> SourceQueries | None:
        return self._attachments.query if self._extension_missing() is None else None

    def _write_copy(self, plan: StagePlan, read: CopyRead, progress: Progress) -> int:
        mapped = [to_duckdb(column, arrow=False) for column in read.columns]  # for the warnings
        fallback_warnings(read.label, read.columns, mapped)
        numeric_text_warnings(read.label, read.columns, mapped)
        if self._extension_missing() is None:
            return self._scan_stage(plan, read, progress)
        text_temporals, block_bytes = False, self.block_bytes
        while True:
            try:
                return self._stream_stage(plan, read, progress, text_temporals, block_bytes)
            except _TemporalOutOfRange as error:
                log.info(
                    "%s: %s; reading it again with timestamps and dates as text", read.label, error
                )
                text_temporals = True
            except _ValueLargerThanBlock:
                if block_bytes >= _LARGEST_BLOCK:
                    raise
                block_bytes = min(block_bytes * 16, _LARGEST_BLOCK)
                log.info(
                    "%s: a row is larger than the CSV block; reading it again in blocks of %d MB",
                    read.label,
                    block_bytes >> 20,
                )

    def _scan_stage(self, plan: StagePlan, read: CopyRead, progress: Progress) -> int:
        columns = [to_duckdb_scanned(column) for column in read.columns]
        signs = zero_signs([(c.name, c.duckdb_type, c.load_expr) for c in columns])
        stage = self._create_stage(plan, signs.definitions)
        loads = ", ".join(signs.loads)
        batch = plan.batch
        literals = (
            f"CAST({sql_text(batch.started_at.isoformat())} AS TIMESTAMPTZ), "
            f"{sql_text(batch.batch_id)}"
        )

        def insert(table_function: str) -> str:
            return f"INSERT INTO {stage} SELECT {loads}, {literals} FROM {table_function}"

        selects = [f"{c.source_expr} AS {quote_ident(c.name)}" for c in columns]
        checks = [c.source_check for c in columns if c.source_check is not None]
        scan = read.scan(selects, checks)
        rows_in = run_scan(self._attachments, scan, insert, lambda rows: progress(rows, -1))
        self._store_zero_signs(plan, read.label, signs)
        rows = self.row_count(plan.schema, plan.stage)
        if rows != rows_in:
            raise CopyFailed(f"{stage}: {rows_in:,} rows were inserted, {rows:,} arrived")
        return rows

    def _stream_stage(
        self,
        plan: StagePlan,
        read: CopyRead,
        progress: Progress,
        text_temporals: bool,
        block_bytes: int,
    ) -> int:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        columns = [to_duckdb(column, text_temporals) for column in read.columns]
        signs = zero_signs([(c.name, c.duckdb_type, c.load_expr) for c in columns])
        stage = self._create_stage(plan, signs.definitions)
        read_options = pacsv.ReadOptions(
            column_names=[c.name for c in columns], block_size=block_bytes
        )
        # PostgreSQL's CSV: NULL is an unquoted empty field, '' a quoted one; nothing else is
        # NULL (a text 'NULL' or 'NA' stays text).
        convert_options = pacsv.ConvertOptions(
            column_types={c.name: c.arrow_type for c in columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        )
        parse_options = pacsv.ParseOptions(newlines_in_values=True)
        with (
            read.copy([c.source_expr for c in columns], "FORMAT csv") as source,
            ExitStack() as stack,
        ):
            stream = CountingReader(source.data)
            try:
                reader = pacsv.open_csv(
                    stream,
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except pa.ArrowInvalid as error:
                if "Empty CSV file" not in str(error):
                    raise _cause(error, source, stream, text_temporals) from error
                reader = None
            if reader is not None:
                parsed = ReadAhead(iter(reader), name="elt-csv-parse")
                stack.callback(parsed.close)
                batches = iter_with_progress(iter(parsed), progress, lambda: stream.bytes_read)
                loads = ", ".join(signs.loads)
                self._insert_slices(
                    plan,
                    reader.schema,
                    batches,
                    loads,
                    lambda error: _cause(error, source, stream, text_temporals),
                )
            rows_out = source.finish()
        self._store_zero_signs(plan, read.label, signs)
        rows = self.row_count(plan.schema, plan.stage)
        if rows != rows_out:
            raise CopyFailed(f"{stage}: the source sent {rows_out:,} rows, {rows:,} arrived")
        return rows

    def _store_zero_signs(self, plan: StagePlan, label: str, signs: ZeroSigns) -> None:
        """Warn of each float column whose -0.0 landed as 0.0 (duckdb_limits.py); drop the
        staging table's markers."""
        if not signs.markers:
            return
        stage = qualified(plan.schema, plan.stage)
        counts = self.execute(count_sql(stage, signs.markers))[0]
        _warn_negative_zeros(label, dict(zip(signs.markers, counts, strict=True)))
        for marker in signs.markers.values():
            self.execute(f"ALTER TABLE {stage} DROP COLUMN {quote_ident(marker)}")

    def _rename(self, schema: str, stage: str, target: str) -> None:
        self.execute(f"ALTER TABLE {qualified(schema, stage)} RENAME TO {quote_ident(target)}")

    def _replace(self, schema: str, target: str, stage: str, columns: Sequence[str]) -> None:
        # Views over the table (dbt's staging layer) bind by name, so they survive the swap.
        self.execute(f"DROP TABLE {qualified(schema, target)}")
        self._rename(schema, stage, target)

    def reset_connection(self) -> None:
        """Nothing to do: the database runs in this process, there is no connection to lose."""

    def release_connection(self) -> None:
        """Nothing to do: the threads' cursors share the one connection to the file."""

    def interrupt(self) -> None:
        for cursor in list(self._cursors):
            cursor.interrupt()
        self._attachments.interrupt()

    def close(self) -> None:
        self._attachments.close()
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        self._connection.close()


def _warn_negative_zeros(label: str, counts: dict[str, int]) -> None:
    for column, count in counts.items():
        if count:
            log.warning(
                "%s: column %r held %d value(s) of -0.0, which DuckDB's storage cannot keep "
                "apart from 0.0; they land as 0.0",
                label,
                column,
                count,
            )
