"""Reading one landed file into typed Arrow record batches, line by line, setting bad lines aside.

Every line of a CSV or JSON-lines file is either a row of a batch (with `_line`, its 1-based line
number in the file) or a `BadLine` (line, reason, raw text): never both, never neither. CSV records
are split into physical lines here rather than by a CSV library, so that a quote opened and
never closed costs its own line only: a record may span lines only where its quotes close
within `MAX_RECORD_LINES` lines and the result has the right number of fields. Values are cast
to the declared types in C++ (Arrow), chunk by chunk; only a chunk that fails is cast value by
value to find the lines at fault. Parquet is read in row groups' batches and cast as declared.
"""

from __future__ import annotations

import csv
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ConfigError
from .reads import LandingColumn

__all__ = [
    "BATCH_ROWS",
    "MAX_RECORD_LINES",
    "BadLine",
    "csv_rows",
    "jsonl_rows",
    "parquet_batches",
    "typed_batches",
]

BATCH_ROWS = 50_000
# A quoted field may hold newlines, but a record longer than this is an unterminated quote.
MAX_RECORD_LINES = 100
_RAW_CHARS = 10_000  # of a bad line's text kept in the quarantine
_CHUNK = 1024  # values cast at once when a batch holds a bad one


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    raw: str


# (line, raw text, one text value or None per declared column) or a BadLine.
Row = tuple[int, str, list[str | None]]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace")[:_RAW_CHARS]


def _physical_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its end) for every line, a UTF-8 BOM dropped."""
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        yield number, line.rstrip(b"\r\n")


class _Lines:
    """A file's physical lines, with lines taken too far handed back to be read again."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._source = _physical_lines(stream)
        self._pending: deque[tuple[int, bytes]] = deque()

    def next(self) -> tuple[int, bytes] | None:
        if self._pending:
            return self._pending.popleft()
        return next(self._source, None)

    def give_back(self, lines: list[tuple[int, bytes]]) -> None:
        self._pending.extendleft(reversed(lines))


_QUOTE = ord('"')


def _record(lines: _Lines) -> tuple[int, bytes, list[tuple[int, bytes]]] | None:
    """(first line, record, the lines after the first it took): a record whose quotes do not
    close within MAX_RECORD_LINES lines (or by the end) is its first line alone, and the lines
    after it are handed back to be read as records of their own."""
    first = lines.next()
    if first is None:
        return None
    number, line = first
    if line.count(_QUOTE) % 2 == 0:
        return number, line, []
    taken: list[tuple[int, bytes]] = []
    while len(taken) + 1 < MAX_RECORD_LINES:
        following = lines.next()
        if following is None:
            break
        taken.append(following)
        if following[1].count(_QUOTE) % 2 == 1:
            return number, b"\n".join([line, *(part for _, part in taken)]), taken
    lines.give_back(taken)
    return number, line, []  # unterminated: this line only


def csv_rows(
    stream: IO[bytes],
    path: str,
    columns: Sequence[str],
    delimiter: str,
    header: bool,
) -> Iterator[Row | BadLine]:
    """The rows of a CSV file as text values in the order of `columns`, and its bad lines.
    With a header, its names are matched to `columns`: a name not declared stops the file
    (ConfigError); a declared column the file lacks is NULL."""
    positions: list[int | None] = list(range(len(columns)))
    width = len(columns)
    lines = _Lines(stream)
    if header:
        first = _record(lines)
        if first is None:
            return
        try:
            names = _fields(first[1].decode("utf-8", errors="replace"), delimiter)
        except csv.Error as error:
            raise ConfigError(
                f"{path}: its header line cannot be read ({error}); fix the file, or declare "
                "header: false for a file without one"
            ) from None
        unknown = [name for name in names if name not in columns]
        if unknown:
            raise ConfigError(
                f"{path}: column(s) {unknown} are not declared; add them to the dataset's "
                "columns in sources.yml with their types (text keeps digits such as postal "
                "codes exactly)"
            )
        positions = [names.index(name) if name in names else None for name in columns]
        width = len(names)
    while (found := _record(lines)) is not None:
        number, record, taken = found
        if not record.strip():
            continue  # a blank line holds no row
        try:
            text = record.decode("utf-8")
        except UnicodeDecodeError as error:
            yield BadLine(number, f"invalid UTF-8 at byte {error.start}", _text(record))
            continue
        try:
            fields = _fields(text, delimiter)
        except csv.Error as error:
            reason = f"malformed CSV ({error})"
        else:
            if len(fields) == width:
                yield number, text, [None if p is None else fields[p] for p in positions]
                continue
            reason = f"{len(fields)} field(s), expected {width}"
        if taken:  # the quotes closed by chance, across lines: the first one is at fault
            lines.give_back(taken)
            text = text.partition("\n")[0]
            reason = "unterminated quote"
        elif text.count('"') % 2:
            reason = "unterminated quote"
        yield BadLine(number, reason, text[:_RAW_CHARS])


def _fields(text: str, delimiter: str) -> list[str]:
    if '"' not in text:
        return text.split(delimiter)
    return next(csv.reader([text], delimiter=delimiter, strict=True))


def jsonl_rows(
    stream: IO[bytes], path: str, columns: Sequence[LandingColumn]
) -> Iterator[Row | BadLine]:
    """The rows of a JSON-lines file as text values of `columns` (JSON columns as JSON text),
    and its bad lines. Keys not declared are not loaded."""
    for number, line in _physical_lines(stream):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            yield BadLine(number, f"invalid UTF-8 at byte {error.start}", _text(line))
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield BadLine(number, f"invalid JSON ({error.msg} at column {error.colno})", text)
            continue
        if not isinstance(value, dict):
            yield BadLine(number, "not a JSON object", text[:_RAW_CHARS])
            continue
        values: list[str | None] = []
        problem = None
        for column in columns:
            item = value.get(column.name)
            if item is None:
                values.append(None)
            elif column.duckdb_type == "JSON":
                values.append(json.dumps(item, ensure_ascii=False))
            elif isinstance(item, dict | list):
                problem = f"column {column.name!r}: a JSON {type(item).__name__} is not a scalar"
                break
            elif isinstance(item, bool):
                values.append("true" if item else "false")
            else:
                values.append(str(item))
        if problem:
            yield BadLine(number, problem, text[:_RAW_CHARS])
        else:
            yield number, text, values


def typed_batches(
    rows: Iterable[Row | BadLine],
    columns: Sequence[LandingColumn],
    path: str,
    bad: list[BadLine],
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Record batches of `columns` plus `_file` and `_line`; every line whose value cannot be
    cast to its column's type goes to `bad` instead."""
    pending: list[Row] = []
    for item in rows:
        if isinstance(item, BadLine):
            bad.append(item)
            continue
        pending.append(item)
        if len(pending) >= batch_rows:
            yield _typed(pending, columns, path, bad)
            pending = []
    if pending:
        yield _typed(pending, columns, path, bad)


def _typed(
    rows: list[Row], columns: Sequence[LandingColumn], path: str, bad: list[BadLine]
) -> pa.RecordBatch:
    texts = [
        pa.array([_value(row[2][i], column) for row in rows], pa.string())
        for i, column in enumerate(columns)
    ]
    return _typed_texts(texts, [row[0] for row in rows], lambda i: rows[i][1], columns, path, bad)


def _typed_texts(
    texts: list[pa.Array],
    lines: list[int],
    raw: Callable[[int], str],
    columns: Sequence[LandingColumn],
    path: str,
    bad: list[BadLine],
) -> pa.RecordBatch:
    """The batch of `texts` (one string array per column, NULL where the value is missing)
    cast to the columns' types; a row with a value that cannot be cast goes to `bad`."""
    failures: dict[int, str] = {}
    for column, array in zip(columns, texts, strict=True):
        for index, reason in _cast_failures(array, column):
            failures.setdefault(index, reason)
    if failures:
        bad.extend(BadLine(lines[i], failures[i], raw(i)[:_RAW_CHARS]) for i in sorted(failures))
        keep = pa.array([i not in failures for i in range(len(lines))])
        texts = [array.filter(keep) for array in texts]
        lines = [line for i, line in enumerate(lines) if i not in failures]
    arrays = [_cast(array, column) for array, column in zip(texts, columns, strict=True)]
    arrays += [pa.array([path] * len(lines), pa.string()), pa.array(lines, pa.int64())]
    names = [c.name for c in columns] + ["_file", "_line"]
    return pa.record_batch(arrays, names=names)


def _value(text: str | None, column: LandingColumn) -> str | None:
    # An empty field is NULL except in a text column, where it stays the empty string.
    if text is None or (text == "" and not pa.types.is_string(column.arrow_type)):
        return None
    if text == "" and column.duckdb_type == "JSON":
        return None
    return text


def _cast(array: pa.Array, column: LandingColumn) -> pa.Array:
    if column.duckdb_type == "JSON":
        for value in array.to_pylist():
            if value is not None:
                json.loads(value)
        return array
    return pc.cast(array, column.arrow_type)


def _cast_failures(array: pa.Array, column: LandingColumn) -> Iterator[tuple[int, str]]:
    """(index, reason) of each value that cannot be cast to the column's type."""
    kind = "json" if column.duckdb_type == "JSON" else column.postgres_type
    for start in range(0, len(array), _CHUNK):
        chunk = array.slice(start, _CHUNK)
        try:
            _cast(chunk, column)
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            pass
        for offset in range(len(chunk)):
            try:
                _cast(chunk.slice(offset, 1), column)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
                value = chunk[offset].as_py()
                yield start + offset, f"column {column.name!r}: {value!r} is not a valid {kind}"


def parquet_batches(
    file: pq.ParquetFile, columns: Sequence[LandingColumn], path: str
) -> Iterator[pa.RecordBatch]:
    """The file's rows as `columns` (a declared column the file lacks is NULL) plus `_file`
    and `_line` (the row's number in the file, from 1)."""
    present = set(file.schema_arrow.names)
    wanted = [c.name for c in columns if c.name in present]
    first = 1
    for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        arrays = []
        for column in columns:
            if column.name not in present:
                arrays.append(pa.nulls(batch.num_rows, column.arrow_type))
                continue
            array = batch.column(column.name)
            if pa.types.is_dictionary(array.type):
                array = array.dictionary_decode()
            try:
                arrays.append(pc.cast(array, column.arrow_type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                raise ConfigError(
                    f"{path}: column {column.name!r} is {array.type} in the file and cannot be "
                    f"read as declared ({column.arrow_type}): {error}. Fix its type in "
                    "sources.yml"
                ) from None
        lines = pa.array(range(first, first + batch.num_rows), pa.int64())
        arrays += [pa.array([path] * batch.num_rows, pa.string()), lines]
        first += batch.num_rows
        yield pa.record_batch(arrays, names=[c.name for c in columns] + ["_file", "_line"])
