"""The lake (ELT_WAREHOUSE=spark): raw tables land as Parquet versions that Spark reads.

Loads run as on DuckDB, in a DuckDB file beside the lake (ELT_LAKE_METADATA_PATH) that holds
the ledger, cursors, quarantine and each raw table's working copy: staging, drift, merges,
deletes and quarantine are the DuckDB warehouse's, unchanged. A publish that changed a table
marks it pending in the same transaction. Before the load lets go of the table, the table is
written to a new version folder, `<lake>/raw/<source>/<table>/v<sequence>-<random>/`, and only
once every file of it is written is the table's `_current` file replaced to name it (a rename
on a local disk; one PUT on object storage). So a reader sees a whole version or the one before;
a loader killed at any point leaves `_current` naming the previous version, whole, and the
pending mark makes the next open of the lake write the version that was lost.

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

from ..identifiers import qualified, quote_ident
from ..ledger import CURSORS, Batch
from ..schemas import METADATA_SCHEMA
from ..types_spark import spark_cast
from .base import StagePlan
from .duckdb import DuckDBWarehouse, duckdb_literal

__all__ = ["CURRENT", "PENDING", "LakeWarehouse", "version_name"]

log = logging.getLogger(__name__)

CURRENT = "_current"  # in a table's folder: the name of its current version's folder
PARTITION_COLUMN = "_month"
PENDING = f"{METADATA_SCHEMA}.lake_pending"  # tables whose latest publish is not in the lake yet
_PENDING_DDL = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (source VARCHAR NOT NULL, "
    "schema_name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, marked_at TIMESTAMPTZ NOT NULL)"
)
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
        self._held = threading.local()  # (source, schema, table) this thread's load holds

    # -- marking ------------------------------------------------------------------------------
    def ensure_metadata(self) -> None:
        super().ensure_metadata()
        self.execute(_PENDING_DDL)
        pending = self.execute(f"SELECT DISTINCT source, schema_name, table_name FROM {PENDING}")
        for source, schema, table in pending:  # left by a loader killed before it wrote them
            log.info("%s.%s: writing its lake version that a stopped load left", schema, table)
            self._publish_pending(source, schema, table)

    @contextmanager
    def table_lock(self, schema: str, table: str) -> Iterator[None]:
        with super().table_lock(schema, table):
            self._held.table = (schema, table)
            try:
                yield
            except Exception:
                self._held.table = None
                # Batches published before the failure (an HTTP endpoint's pages) go to the
                # lake too; if that fails as well, the pending mark keeps them for later.
                try:
                    self._publish_held(schema, table)
                except Exception:
                    log.exception("%s.%s: could not write its lake version", schema, table)
                raise
            except BaseException:  # stopped: the next open of the lake writes the version
                self._held.table = None
                raise
            self._held.table = None
            self._publish_held(schema, table)

    def _publish_held(self, schema: str, table: str) -> None:
        rows = self.execute(
            f"SELECT DISTINCT source FROM {PENDING} WHERE schema_name = %s AND table_name = %s",
            (schema, table),
        )
        for (source,) in rows:
            self._publish_pending(source, schema, table)

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
        if batch.rows_changed or batch.rows_deleted or not self._in_lake(batch.source, table):
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

    def _publish_pending(self, source: str, schema: str, table: str) -> None:
        if self.table_columns(schema, table) is not None:
            self.publish_to_lake(source, schema, table)
        self.execute(
            f"DELETE FROM {PENDING} WHERE source = %s AND schema_name = %s AND table_name = %s",
            (source, schema, table),
        )

    def publish_to_lake(self, source: str, schema: str, table: str) -> str:
        """Write the table as a new version and make it current; its name."""
        folder = self.table_folder(source, table)
        previous = self.current_version(source, table)
        version = version_name(previous)
        columns = self.table_columns(schema, table)
        assert columns is not None, f"{schema}.{table} exists"
        select = [
            f"CAST({quote_ident(name)} AS {cast}) AS {quote_ident(name)}"
            if (cast := spark_cast(kind))
            else quote_ident(name)
            for name, kind in columns.items()
        ]
        month = self._partition(source, table, columns)
        rows = self.row_count(schema, table)
        if month and rows:
            select.append(f"{month} AS {PARTITION_COLUMN}")
        query = f"SELECT {', '.join(select)} FROM {qualified(schema, table)}"
        started = datetime.now(UTC)
        written = self._write_version(f"{folder}/{version}", query, bool(month and rows))
        self._replace_current(folder, version)
        log.info(
            "%s.%s: %s rows written to the lake as %s (%d file(s), %.1f s)",
            schema,
            table,
            f"{rows:,}",
            version,
            written,
            (datetime.now(UTC) - started).total_seconds(),
        )
        self._drop_old_versions(folder, keep=(version, previous))
        return version

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
            files = [p for p in Path(local).rglob("*.parquet")]
            if scratch is not None:
                self._fs.put(f"{local}/", target, recursive=True)
            return len(files)
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
