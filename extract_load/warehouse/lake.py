"""The lake (ELT_WAREHOUSE=spark): raw tables land as Parquet versions that Spark reads.

Loads run as on DuckDB, in a DuckDB file beside the lake (ELT_LAKE_METADATA_PATH) that holds
the ledger, cursors and quarantine, and each raw table's columns with no rows: the lake holds
the rows. A load takes its table's lock, and the table's current version is read back into the
DuckDB table (its types as they were: what landed as text is cast back), so that staging,
drift, merges, deletes and quarantine are the DuckDB warehouse's, unchanged. A publish that
changed a table marks it pending in the same transaction. Before the load lets go of the table,
the table is written to a new version folder, `<lake>/raw/<source>/<table>/v<sequence>-<random>/`,
and only once every file of it is written is the table's `_current` file replaced to name it (a
rename on a local disk; one PUT on object storage); then the DuckDB table is emptied again. So a
reader sees a whole version or the one before; a loader killed at any point leaves `_current`
naming the previous version, whole, and the pending mark makes the next open of the lake write
the version that was lost, from the rows the killed load left in the DuckDB table.

An incremental table whose cursor is a date or timestamp is partitioned by the cursor's month
(`_month=YYYY-MM/`, hive style). Columns of a type Spark cannot read land as text
(types_spark.py).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import EltError
from ..identifiers import qualified, quote_ident
from ..ledger import CURSORS, Batch
from ..schemas import METADATA_SCHEMA
from ..types_spark import spark_cast
from .base import METADATA_COLUMNS, StagePlan
from .duckdb import DuckDBWarehouse, duckdb_literal

__all__ = ["CURRENT", "IN_LAKE", "PENDING", "LakeWarehouse", "version_name"]

log = logging.getLogger(__name__)

CURRENT = "_current"  # in a table's folder: the name of its current version's folder
PARTITION_COLUMN = "_month"
PENDING = f"{METADATA_SCHEMA}.lake_pending"  # tables whose latest publish is not in the lake yet
_PENDING_DDL = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (source VARCHAR NOT NULL, "
    "schema_name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, marked_at TIMESTAMPTZ NOT NULL)"
)
# Raw tables whose DuckDB table is empty: their rows are the lake's current version.
IN_LAKE = f"{METADATA_SCHEMA}.lake_tables"
_IN_LAKE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {IN_LAKE} (source VARCHAR NOT NULL, "
    "schema_name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
    "PRIMARY KEY (schema_name, table_name))"
)
BATCH_ID = METADATA_COLUMNS[1]  # the batch that last wrote, marked or unmarked each row
_VERSION = re.compile(r"^v(\d{8})-[0-9a-f]{8}$")
_MONTHLY_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS")


def version_name(previous: str | None) -> str:
    """The next version folder's name after `previous` (None: the first)."""
    match = _VERSION.match(previous or "")
    sequence = int(match.group(1)) + 1 if match else 1
    return f"v{sequence:08d}-{uuid.uuid4().hex[:8]}"


class LakeWarehouse(DuckDBWarehouse):
    """The DuckDB warehouse on the lake's metadata file, publishing each changed table to
    the lake as a new Parquet version."""

    kind = "spark"

    def __init__(self, lake_url: str, metadata_path: Path, **duckdb: Any) -> None:
        import fsspec

        super().__init__(metadata_path, **duckdb)
        self.lake_url = lake_url.rstrip("/")
        self._fs, root = fsspec.core.url_to_fs(self.lake_url)
        self._root = root.rstrip("/")
        self._lake_is_local = "file" in self._fs.protocol
        if not self._lake_is_local:  # DuckDB reads the lake's files through fsspec
            self._connection.register_filesystem(self._fs)
        self._held = threading.local()  # (schema, table) this thread's load holds

    # -- marking ------------------------------------------------------------------------------
    def ensure_metadata(self) -> None:
        super().ensure_metadata()
        self.execute(_PENDING_DDL)
        self.execute(_IN_LAKE_DDL)
        pending = self.execute(f"SELECT DISTINCT source, schema_name, table_name FROM {PENDING}")
        for source, schema, table in pending:  # left by a loader killed before it wrote them
            log.info("%s.%s: writing its lake version that a stopped load left", schema, table)
            self._publish_pending(source, schema, table)

    @contextmanager
    def table_lock(self, schema: str, table: str) -> Iterator[None]:
        with super().table_lock(schema, table):
            self._held.table = (schema, table)
            self._held.batches = []  # the batches this load published, in order
            self._held.read_from = None  # the source whose lake version was read back
            try:
                self._held.read_from = self._read_back(schema, table)
                yield
            except Exception:
                self._held.table = None
                # Batches published before the failure (an HTTP endpoint's pages) go to the
                # lake too; if that fails as well, the pending mark keeps them for later.
                try:
                    self._publish_held(schema, table)
                    self._empty(schema, table, self._held.read_from)
                except Exception:
                    log.exception("%s.%s: could not write its lake version", schema, table)
                raise
            except BaseException:  # stopped: the next open of the lake writes the version
                self._held.table = None
                raise
            self._held.table = None
            self._publish_held(schema, table)
            self._empty(schema, table, self._held.read_from)

    def _publish_held(self, schema: str, table: str) -> None:
        rows = self.execute(
            f"SELECT DISTINCT source FROM {PENDING} WHERE schema_name = %s AND table_name = %s",
            (schema, table),
        )
        for (source,) in rows:
            self._publish_pending(source, schema, table, self._held.batches or None)

    def _mark(self, source: str, schema: str, table: str) -> None:
        """Inside the publishing transaction: the table's lake version is to be written."""
        self.execute(
            f"INSERT INTO {PENDING} VALUES (%s, %s, %s, %s)",
            (source, schema, table, datetime.now(UTC)),
        )

    def _commit_batch(self, batch: Batch) -> None:
        super()._commit_batch(batch)
        held = getattr(self._held, "table", None)
        assert held is not None, "a batch is published under its table's lock"
        schema, table = held
        self._held.batches.append(batch.batch_id)
        # A table read back from the lake is in it: no need to look at its `_current` again.
        in_lake = self._held.read_from is not None or self._in_lake(batch.source, table)
        if batch.rows_changed or batch.rows_deleted or not in_lake:
            self._mark(batch.source, schema, table)

    def publish_files(
        self,
        plan: StagePlan,
        files: Mapping[str, Sequence[tuple[int, str, str]]],
        record: Callable[[], None],
    ) -> None:
        def record_and_mark() -> None:
            record()
            self._mark(plan.batch.source, plan.schema, plan.table)

        super().publish_files(plan, files, record_and_mark)

    # -- writing a version --------------------------------------------------------------------
    def table_folder(self, source: str, table: str) -> str:
        return f"{self._root}/raw/{source}/{table}"

    def current_version(self, source: str, table: str) -> str | None:
        """The name of the table's current version folder; None before its first."""
        try:
            text = self._fs.cat_file(f"{self.table_folder(source, table)}/{CURRENT}")
        except FileNotFoundError:
            return None
        return bytes(text).decode().strip() or None

    def _in_lake(self, source: str, table: str) -> bool:
        return self.current_version(source, table) is not None

    def _publish_pending(
        self, source: str, schema: str, table: str, batches: Sequence[str] | None = None
    ) -> None:
        exists = self.table_columns(schema, table) is not None
        if exists:
            self.publish_to_lake(source, schema, table, batches)
        with self.transaction():
            if exists:
                self._mark_in_lake(source, schema, table)
            self.execute(
                f"DELETE FROM {PENDING} WHERE source = %s AND schema_name = %s AND table_name = %s",
                (source, schema, table),
            )

    # -- the rows live in the lake ------------------------------------------------------------
    def _mark_in_lake(self, source: str, schema: str, table: str) -> None:
        """Inside a transaction: empty the DuckDB table, whose rows are the lake's current
        version. It is made again from its own definition rather than emptied with DELETE:
        deleting ten million rows under the loader's 128 MB of DuckDB memory, beside another
        load, failed DuckDB's checkpoint (bench/scale.py at scale 100); a drop frees blocks."""
        (definition,) = self.execute(
            "SELECT sql FROM duckdb_tables() WHERE database_name = %s AND schema_name = %s "
            "AND table_name = %s",
            (self._database, schema, table),
        )[0]
        self.execute(f"DROP TABLE {qualified(schema, table)}")
        self.execute(definition)
        self.execute(
            f"INSERT INTO {IN_LAKE} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (source, schema, table),
        )

    def _empty(self, schema: str, table: str, source: str | None) -> None:
        """After a load that read the table back and wrote no version: its rows are the
        current version's still."""
        if source is None:  # not read back: new, or its rows were in DuckDB already
            return
        pending = self.execute(
            f"SELECT 1 FROM {PENDING} WHERE schema_name = %s AND table_name = %s",
            (schema, table),
        )
        if not pending and self.table_columns(schema, table) is not None:
            with self.transaction():
                self._mark_in_lake(source, schema, table)

    def _read_back(self, schema: str, table: str) -> str | None:
        """Fill the DuckDB table with its current version, its types as they were: a column
        that landed as text is cast back from it (exactly: it is DuckDB's own text of it)."""
        found = self.execute(
            f"SELECT source FROM {IN_LAKE} WHERE schema_name = %s AND table_name = %s",
            (schema, table),
        )
        if not found:  # new, or its rows are in the DuckDB table already
            return None
        (source,) = found[0]
        columns = self.table_columns(schema, table)
        version = self.current_version(source, table)
        if columns is None or version is None:
            raise EltError(
                f"{schema}.{table}: the lake has no current version of it "
                f"({self.table_folder(source, table)}/{CURRENT}), though its metadata "
                f"({self.path}) says its rows are there. Put the lake's folder back, or remove "
                "the metadata file to load every table again from its source."
            )
        select = ", ".join(
            f"CAST({quote_ident(name)} AS {kind}) AS {quote_ident(name)}"
            if spark_cast(kind)
            else quote_ident(name)
            for name, kind in columns.items()
        )
        files = duckdb_literal(
            self._duckdb_path(f"{self.table_folder(source, table)}/{version}/**/*.parquet")
        )
        started = datetime.now(UTC)
        with self.transaction():
            self.execute(
                f"INSERT INTO {qualified(schema, table)} BY NAME SELECT {select} "
                f"FROM read_parquet({files}, hive_partitioning = false)"
            )
            self.execute(
                f"DELETE FROM {IN_LAKE} WHERE schema_name = %s AND table_name = %s",
                (schema, table),
            )
        log.info(
            "%s.%s: %s rows read back from the lake's %s (%.1f s)",
            schema,
            table,
            f"{self.row_count(schema, table):,}",
            version,
            (datetime.now(UTC) - started).total_seconds(),
        )
        return source

    def publish_to_lake(
        self, source: str, schema: str, table: str, batches: Sequence[str] | None = None
    ) -> str:
        """Write the table as a new version and make it current; its name. Given the batches
        published since the current version, a partitioned table's months that none of them
        changed are that version's files, linked (a copy on object storage), not written
        again."""
        folder = self.table_folder(source, table)
        previous = self.current_version(source, table)
        version = version_name(previous)
        columns = self.table_columns(schema, table)
        assert columns is not None, f"{schema}.{table} exists"
        relation = qualified(schema, table)
        select = [
            f"CAST({quote_ident(name)} AS {cast}) AS {quote_ident(name)}"
            if (cast := spark_cast(kind))
            else quote_ident(name)
            for name, kind in columns.items()
        ]
        month = self._partition(source, table, columns)
        rows = self.row_count(schema, table)
        started = datetime.now(UTC)
        kept: list[str] = []
        if month and rows:
            if previous and batches and BATCH_ID in columns:
                kept = self._unchanged_months(
                    f"{folder}/{previous}", select, relation, month, batches
                )
            where = ""
            if kept:
                where = f" WHERE {month} NOT IN ({', '.join(map(duckdb_literal, kept))})"
            query = f"SELECT {', '.join(select)}, {month} AS {PARTITION_COLUMN} FROM {relation}"
            written = self._write_version(f"{folder}/{version}", query + where, True)
            self._link_months(f"{folder}/{previous}", f"{folder}/{version}", kept)
        else:
            query = f"SELECT {', '.join(select)} FROM {relation}"
            written = self._write_version(f"{folder}/{version}", query, False)
        self._replace_current(folder, version)
        log.info(
            "%s.%s: %s rows written to the lake as %s (%d file(s)%s, %.1f s)",
            schema,
            table,
            f"{rows:,}",
            version,
            written,
            f"; {len(kept)} unchanged month(s) kept" if kept else "",
            (datetime.now(UTC) - started).total_seconds(),
        )
        self._drop_old_versions(folder, keep=(version, previous))
        return version

    def _unchanged_months(
        self,
        previous: str,
        select: Sequence[str],
        relation: str,
        month: str,
        batches: Sequence[str],
    ) -> list[str]:
        """The months whose rows are the previous version's. Every row a load writes, marks
        or unmarks takes its batch's `_batch_id`: a month with no row of `batches` (those
        published since the previous version), as many rows as in the previous version, and
        the same columns, is unchanged. A row that left a month (moved, or deleted outright)
        changes its count, unless another came in, which is of one of `batches`."""
        files = duckdb_literal(self._duckdb_path(f"{previous}/**/*.parquet"))
        read = (
            f"read_parquet({files}, hive_partitioning = true, "
            f"hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"
        )
        try:
            before_columns = self.execute(
                f"DESCRIBE SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM {read}"
            )
        except duckdb.Error:  # not partitioned before (no rows, or no cursor then)
            return []
        now_columns = self.execute(f"DESCRIBE SELECT {', '.join(select)} FROM {relation}")
        if [c[:2] for c in before_columns] != [c[:2] for c in now_columns]:
            return []  # a column added or widened: every file is written again
        before = dict(self.execute(f"SELECT {PARTITION_COLUMN}, count(*) FROM {read} GROUP BY 1"))
        ids = ", ".join(map(duckdb_literal, batches))
        now = self.execute(
            f"SELECT {month}, count(*), bool_or({quote_ident(BATCH_ID)} IN ({ids})) "
            f"FROM {relation} GROUP BY 1"
        )
        return sorted(
            found for found, rows, touched in now if not touched and before.get(found) == rows
        )

    def _link_months(self, previous: str, version: str, months: Sequence[str]) -> None:
        """The previous version's folders of `months` into the new version: hard links on a
        local disk (no byte is copied, and dropping the old version leaves them whole), a
        copy on object storage."""
        for found in months:
            source, target = (f"{v}/{PARTITION_COLUMN}={found}" for v in (previous, version))
            if self._lake_is_local:
                os.makedirs(target)
                for file in Path(source).iterdir():
                    os.link(file, f"{target}/{file.name}")
            else:
                self._fs.copy(f"{source}/", f"{target}/", recursive=True)

    def _duckdb_path(self, path: str) -> str:
        """A lake path as DuckDB reads it: through the registered fsspec filesystem when the
        lake is not on a local disk."""
        return path if self._lake_is_local else str(self._fs.unstrip_protocol(path))

    def _partition(self, source: str, table: str, columns: Mapping[str, str]) -> str | None:
        """SQL of the month partition of an incremental table with a temporal cursor."""
        found = self.execute(
            f"SELECT cursor_column FROM {CURSORS} WHERE source = %s AND table_name = %s",
            (source, table),
        )
        cursor = found[0][0] if found else None
        if cursor is None or columns.get(cursor, "").upper() not in _MONTHLY_TYPES:
            return None
        # The connection's time zone is UTC: a timestamp with time zone's month is UTC's.
        return f"coalesce(strftime({quote_ident(cursor)}, '%Y-%m'), 'none')"

    def _write_version(self, target: str, query: str, partitioned: bool) -> int:
        """Write the query's rows as Parquet files under `target`; how many files."""
        scratch = None
        local = target
        if not self._lake_is_local:  # DuckDB writes local files only: write, then upload
            scratch = tempfile.mkdtemp(prefix="lake-", dir=self.path.parent)
            local = f"{scratch}/version"
        try:
            os.makedirs(local, exist_ok=True)
            if partitioned:
                options = f"FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN})"
                self.execute(f"COPY ({query}) TO {duckdb_literal(local)} ({options})")
            else:  # one file, written even with no rows: Spark reads the schema from it
                destination = duckdb_literal(f"{local}/part-0.parquet")
                self.execute(f"COPY ({query}) TO {destination} (FORMAT parquet)")
            files = sum(1 for _ in Path(local).rglob("*.parquet"))
            if scratch is not None:
                self._fs.put(f"{local}/", target, recursive=True)
            return files
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def _replace_current(self, folder: str, version: str) -> None:
        pointer = f"{folder}/{CURRENT}"
        if self._lake_is_local:
            temporary = f"{pointer}.{uuid.uuid4().hex[:8]}"
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(version + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, pointer)
        else:
            self._fs.pipe_file(pointer, (version + "\n").encode())

    def _drop_old_versions(self, folder: str, keep: Sequence[str | None]) -> None:
        """Every version but the current and the one before it (which a reader may still be
        reading), and the pieces of versions whose writer was stopped."""
        for path in self._fs.ls(folder, detail=False):
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if name not in keep and (_VERSION.match(name) or name.startswith(f"{CURRENT}.")):
                self._fs.rm(path, recursive=True)
