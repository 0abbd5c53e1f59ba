"""A files source: the landing location, its monthly folders, and one file's read.

Files are dropped as `<landing>/<dataset>/YYYY-MM/<name>` into a local folder or any fsspec URL
(`s3://bucket/prefix` with the `s3` extra, `gs://`, `az://`, `memory://`). A file is known by
its path under the landing (`trips/2026-01/trips.parquet`): that is its `_file` in raw, its
row in `elt.loaded_files`, and what a month's reload replaces.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ConfigError, SourceError
from .file_columns import landing_column_of
from .files_csv import csv_batches
from .files_read import BadLine, jsonl_rows, parquet_batches, typed_batches
from .reads import ArrowRead, FileScan, LandingColumn, landing_column
from .tables import FileDataset

__all__ = ["FileRead", "LandedFile", "Landing", "Months", "file_version", "parse_months"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_SUFFIXES = {
    "csv": (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz"),
    "jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
    "parquet": (".parquet", ".parq"),
}
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class Months:
    """An inclusive range of months, `YYYY-MM` each."""

    first: str
    last: str

    def __contains__(self, month: object) -> bool:
        return isinstance(month, str) and self.first <= month <= self.last


def parse_months(text: str) -> Months:
    """`2026-01` or `2026-01..2026-03`; a ConfigError naming the value otherwise."""
    first, dots, last = text.strip().partition("..")
    last = last if dots else first
    if not _MONTH.match(first) or not _MONTH.match(last) or first > last:
        raise ConfigError(
            f"--month {text!r}: give a month as YYYY-MM (2026-01) or a range as "
            "YYYY-MM..YYYY-MM (2026-01..2026-03), the first not after the last"
        )
    return Months(first, last)


@dataclass(frozen=True)
class LandedFile:
    path: str  # under the landing: <dataset>/YYYY-MM/<name>
    location: str  # as the filesystem names it
    month: str
    size: int
    version: str = ""  # what the listing says changes with the content: see file_version


# What each filesystem's listing says of a file's content or last write: an entity tag (S3,
# GCS, Azure: a hash of the content) or a modification time (local, SFTP, ...).
_VERSION_FIELDS = ("ETag", "etag", "md5Hash", "mtime", "LastModified", "last_modified", "updated")


def file_version(info: Mapping[str, Any]) -> str:
    """A file's version from its listing entry alone (no read): its entity tag or modification
    time, as the filesystem gives them; "" when the listing gives neither."""
    return ";".join(f"{field}={info[field]}" for field in _VERSION_FIELDS if info.get(field))


class Landing:
    """The landing location of a files source, through fsspec."""

    def __init__(self, url: str, source: str) -> None:
        import fsspec

        self.url = url
        self.source = source
        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as error:
            raise ConfigError(
                f"source {source!r}: landing {url!r} cannot be opened ({error}); install the "
                "fsspec package for its scheme (s3fs: pip install '.[s3]')"
            ) from None
        self.root = str(root).rstrip("/")
        # fsspec keeps one filesystem per URL with its listings cached: a file dropped or
        # replaced since the last look must be seen.
        self.fs.invalidate_cache()

    def check(self, demo: str | None = None) -> None:
        """The landing can be read and exists; `demo`: the demo the entry names, if any."""
        try:
            found = self.fs.isdir(self.root)
        except Exception as error:  # each filesystem raises its own kinds
            raise SourceError(
                f"source {self.source!r}: cannot read the landing {self.url} ({error}); check "
                "the URL and the credentials"
            ) from None
        if not found:
            written = (
                f" (`elt load` and Dagster write the demo {demo!r} there when it is absent)"
                if demo
                else ""
            )
            raise SourceError(
                f"source {self.source!r}: the landing {self.url} does not exist; create it and "
                f"drop files as <dataset>/YYYY-MM/<file>{written}, or fix landing_url in "
                "sources.yml"
            )

    def files(self, dataset: FileDataset, months: Container[str] | None = None) -> list[LandedFile]:
        """The dataset's files, by month and name, from a listing (no file is read); files of
        another format are not listed. `months`: a Months range or any set of `YYYY-MM`."""
        base = f"{self.root}/{dataset.name}"
        if not self.fs.isdir(base):
            return []
        found: dict[str, Any] = self.fs.find(base, detail=True)
        files = []
        for location, info in found.items():
            relative = str(location)[len(self.root) :].lstrip("/")
            parts = relative.split("/")
            if len(parts) != 3 or not _MONTH.match(parts[1]):
                continue
            if not parts[2].lower().endswith(_SUFFIXES[dataset.format]):
                continue
            if months is not None and parts[1] not in months:
                continue
            size = int(info.get("size") or 0)
            files.append(LandedFile(relative, str(location), parts[1], size, file_version(info)))
        return sorted(files, key=lambda f: (f.month, f.path))

    def sha256(self, file: LandedFile) -> str:
        digest = hashlib.sha256()
        with self.fs.open(file.location, "rb") as stream:
            while block := stream.read(_HASH_BLOCK):
                digest.update(block)
        return digest.hexdigest()


def _parquet_column(field: pa.Field) -> LandingColumn:
    """A column taken from a Parquet file's schema, in the nearest exact landing type."""
    kind = field.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_large_string(kind):
        kind = pa.string()
    kind = _in_microseconds(kind)
    if pa.types.is_struct(kind):  # no column type both warehouses share: JSON
        return landing_column(field.name, pa.string(), "JSON", "jsonb")
    try:
        return landing_column(field.name, kind)
    except TypeError as error:
        raise ConfigError(
            f"column {field.name!r}: {error}; declare the dataset's columns in sources.yml"
        ) from None


def _in_microseconds(kind: pa.DataType) -> pa.DataType:
    """`kind` with its times in microseconds, as both warehouses hold them (a value with
    nanoseconds is then a bad line), in a list too."""
    if pa.types.is_timestamp(kind) and kind.unit != "us":
        return pa.timestamp("us", tz=kind.tz)
    if pa.types.is_time(kind) and kind.unit == "ns":
        return pa.time64("us")
    if pa.types.is_duration(kind) and kind.unit == "ns":
        return pa.duration("us")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        element = _in_microseconds(kind.value_type)
        return kind if element == kind.value_type else pa.list_(element)
    return kind


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    return bool(
        {"file", "local"}.intersection((protocol,) if isinstance(protocol, str) else protocol)
    )


class FileRead(ArrowRead):
    """One landed file as typed record batches with `_file` and `_line`; its bad lines are in
    `bad_lines` once the batches are read."""

    def __init__(self, landing: Landing, dataset: FileDataset, file: LandedFile) -> None:
        self.landing = landing
        self.dataset = dataset
        self.file = file
        self.label = f"{landing.source}.{dataset.name}: {file.path}"
        self.bad_lines: list[BadLine] = []
        self._rows = 0
        self._open: list[IO[bytes]] = []
        declared = tuple(landing_column_of(name, kind) for name, kind in dataset.columns)
        if dataset.format == "parquet" and not declared:
            try:
                with landing.fs.open(file.location, "rb") as stream:
                    schema = pq.ParquetFile(stream).schema_arrow
            except (OSError, pa.ArrowException) as error:
                raise SourceError(f"{self.label}: not a readable Parquet file ({error})") from None
            declared = tuple(_parquet_column(field) for field in schema)
        self.declared = declared
        self.columns = (
            *declared,
            landing_column("_file", pa.string()),
            landing_column("_line", pa.int64()),
        )

    @property
    def rows_read(self) -> int:
        """Rows (lines of CSV and JSON lines) read: loaded ones and bad ones."""
        return self._rows + len(self.bad_lines)

    def batches(self) -> Iterator[pa.RecordBatch]:
        raw = self.landing.fs.open(self.file.location, "rb")
        self._open.append(raw)
        path = self.file.path
        try:
            if self.dataset.format == "parquet":
                batches = parquet_batches(pq.ParquetFile(raw), self.declared, path, self.bad_lines)
            else:
                stream: IO[bytes] = raw
                if path.lower().endswith(".gz"):
                    stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
                    self._open.append(stream)
                if self.dataset.format == "csv":
                    batches = csv_batches(
                        stream,
                        path,
                        self.declared,
                        self.dataset.delimiter,
                        self.dataset.header,
                        self.bad_lines,
                    )
                else:
                    rows = jsonl_rows(stream, path, self.declared)
                    batches = typed_batches(rows, self.declared, path, self.bad_lines)
            for batch in batches:
                self._rows += batch.num_rows
                yield batch
        except (OSError, EOFError, pa.ArrowException) as error:
            raise SourceError(f"{self.label}: cannot be read ({error})") from error

    def file_scan(self) -> FileScan | None:
        """Parquet: a warehouse may read it itself (DuckDB does), through the landing's fsspec
        filesystem unless it is a local folder."""
        if self.dataset.format != "parquet":
            return None
        fs = self.landing.fs
        if _is_local(fs):
            return FileScan("parquet", self.file.location, self.file.path)
        return FileScan("parquet", fs.unstrip_protocol(self.file.location), self.file.path, fs)

    def scanned(self, rows: int, bad_lines: Sequence[tuple[int, str, str]]) -> None:
        self._rows = rows
        self.bad_lines[:] = [BadLine(line, reason, raw) for line, reason, raw in bad_lines]

    def finish(self) -> int:
        return self._rows

    @property
    def bytes_read(self) -> int:
        return self.file.size

    def close(self) -> None:
        while self._open:
            self._open.pop().close()
