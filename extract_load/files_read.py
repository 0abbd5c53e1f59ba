"""Reading one landed file into typed Arrow record batches, setting bad lines aside.

Every line of a CSV (files_csv.py) or JSON-lines file is either a row of a batch (with `_line`,
its 1-based line number in the file) or a `BadLine` (line, reason, raw text): never both, never
neither. Values are cast to the declared types in C++ (Arrow), chunk by chunk; only a chunk that
fails is cast value by value to find the lines at fault. Parquet is read in its batches and cast
as declared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ConfigError
from .json_digits import json_loads, json_text
from .reads import LandingColumn

__all__ = [
    "BATCH_ROWS",
    "RAW_CHARS",
    "BadLine",
    "Row",
    "jsonl_rows",
    "parquet_batches",
    "physical_lines",
    "raw_text",
    "text_value",
    "typed_batch",
    "typed_batches",
    "typed_texts",
]

BATCH_ROWS = 50_000
RAW_CHARS = 10_000  # of a bad line's text kept in the quarantine
_CHUNK = 1024  # values cast at once when a batch holds a bad one


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    raw: str


# (line, raw text, one text value or None per declared column) or a BadLine.
Row = tuple[int, str, list[str | None]]


def raw_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace")[:RAW_CHARS]


def physical_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its end) for every line, a UTF-8 BOM dropped."""
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        yield number, line.rstrip(b"\r\n")


def jsonl_rows(
    stream: IO[bytes], path: str, columns: Sequence[LandingColumn]
) -> Iterator[Row | BadLine]:
    """The rows of a JSON-lines file as text values of `columns` (JSON columns as JSON text),
    and its bad lines. Keys not declared are not loaded."""
    for number, line in physical_lines(stream):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            yield BadLine(number, f"invalid UTF-8 at byte {error.start}", raw_text(line))
            continue
        try:
            value = json_loads(text)
        except json.JSONDecodeError as error:
            yield BadLine(number, f"invalid JSON ({error.msg} at column {error.colno})", text)
            continue
        if not isinstance(value, dict):
            yield BadLine(number, "not a JSON object", text[:RAW_CHARS])
            continue
        values: list[str | None] = []
        problem = None
        for column in columns:
            item = value.get(column.name)
            if item is None:
                values.append(None)
            elif column.duckdb_type == "JSON":
                values.append(json_text(item))
            elif isinstance(item, dict | list):
                problem = f"column {column.name!r}: a JSON {type(item).__name__} is not a scalar"
                break
            elif isinstance(item, bool):
                values.append("true" if item else "false")
            else:
                values.append(str(item))
        if problem:
            yield BadLine(number, problem, text[:RAW_CHARS])
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
            yield typed_batch(pending, columns, path, bad)
            pending = []
    if pending:
        yield typed_batch(pending, columns, path, bad)


def typed_batch(
    rows: list[Row], columns: Sequence[LandingColumn], path: str, bad: list[BadLine]
) -> pa.RecordBatch:
    texts = [
        pa.array([text_value(row[2][i], column) for row in rows], pa.string())
        for i, column in enumerate(columns)
    ]
    return typed_texts(texts, [row[0] for row in rows], lambda i: rows[i][1], columns, path, bad)


def typed_texts(
    texts: list[pa.Array],
    lines: list[int],
    raw: Callable[[int], str],
    columns: Sequence[LandingColumn],
    path: str,
    bad: list[BadLine],
) -> pa.RecordBatch:
    """The batch of `texts` (one string array per column, NULL where the value is missing)
    cast to the columns' types; a row with a value that cannot be cast goes to `bad`."""
    cast: list[pa.Array | None] = []
    failures: dict[int, str] = {}
    for column, array in zip(columns, texts, strict=True):
        try:
            cast.append(_cast(array, column))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            cast.append(None)
            for index, reason in _cast_failures(array, column):
                failures.setdefault(index, reason)
    if failures:
        bad.extend(BadLine(lines[i], failures[i], raw(i)[:RAW_CHARS]) for i in sorted(failures))
        keep = pa.array([i not in failures for i in range(len(lines))])
        lines = [line for i, line in enumerate(lines) if i not in failures]
        cast = [
            _cast(text.filter(keep), column) if done is None else done.filter(keep)
            for done, text, column in zip(cast, texts, columns, strict=True)
        ]
    arrays: list[pa.Array] = [array for array in cast if array is not None]
    arrays += [file_column(path, len(lines)), pa.array(lines, pa.int64())]
    names = [c.name for c in columns] + ["_file", "_line"]
    return pa.record_batch(arrays, names=names)


def file_column(path: str, rows: int) -> pa.Array:
    """`_file`: the path on every row, built from buffers. A Python list of it cost about a
    second per few million rows, and any conversion of Python or numpy values by pyarrow
    imports pandas, another second of every load."""
    data = path.encode()
    if len(data) * rows >= 1 << 31:  # past string's 32-bit offsets (not at BATCH_ROWS rows)
        return pa.repeat(pa.scalar(path, pa.string()), rows)
    offsets = np.arange(rows + 1, dtype=np.int32) * len(data)
    return pa.Array.from_buffers(
        pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data * rows)]
    )


def line_numbers(first: int, rows: int) -> pa.Array:
    """`_line`: first, first + 1, ... as int64, built from buffers (see file_column)."""
    numbers = np.arange(first, first + rows, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(numbers)])


def text_value(text: str | None, column: LandingColumn) -> str | None:
    # An empty field is NULL except in a text column, where it stays the empty string.
    if text is None or (text == "" and not pa.types.is_string(column.arrow_type)):
        return None
    if text == "" and column.duckdb_type == "JSON":
        return None
    return text


# Texts that are a double's infinity; a number whose digits before its exponent are not all 0.
_INFINITY = r"^\s*[+-]?inf(inity)?\s*$"
_NONZERO_MANTISSA = r"^[^eE]*[1-9]"


def _cast(array: pa.Array, column: LandingColumn) -> pa.Array:
    if column.duckdb_type == "JSON":
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            # a Parquet struct (or list) declared json: its values as JSON text
            return pa.array([None if v is None else json_text(v) for v in array.to_pylist()])
        for value in array.to_pylist():
            if value is not None:
                json.loads(value)
        return array
    cast = pc.cast(array, column.arrow_type)
    if pa.types.is_string(array.type) and pa.types.is_floating(column.arrow_type):
        _check_float_range(array, cast)
    return cast


def _check_float_range(text: pa.Array, cast: pa.Array) -> None:
    """Raise for a finite number past a double's range: Arrow reads 1e400 as infinity and
    1e-400 as 0, where PostgreSQL refuses both."""
    infinite, zero = pc.is_inf(cast), pc.equal(cast, 0)
    if pc.any(infinite).as_py():
        spelled = pc.match_substring_regex(text.filter(infinite), _INFINITY, ignore_case=True)
        if not pc.all(spelled).as_py():
            raise ValueError("a number past a double's range")
    if (
        pc.any(zero).as_py()
        and pc.any(pc.match_substring_regex(text.filter(zero), _NONZERO_MANTISSA)).as_py()
    ):
        raise ValueError("a number too small for a double")


def _converts(array: pa.Array, column: LandingColumn) -> bool:
    """Whether Arrow converts the array's type to the column's at all (some values may still
    not fit: nanoseconds in a timestamp of microseconds, a bigint past an integer's range)."""
    try:
        pc.cast(array.slice(0, 0), column.arrow_type, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _as_text(value: pa.Scalar) -> str:
    try:
        return str(pc.cast(value, pa.string()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return str(value.as_py())


def _cast_failures(array: pa.Array, column: LandingColumn) -> Iterator[tuple[int, str]]:
    """(index, reason) of each value that cannot be cast to the column's type exactly."""
    kind = "json" if column.duckdb_type == "JSON" else column.postgres_type
    text = pa.types.is_string(array.type)
    for start in range(0, len(array), _CHUNK):
        chunk = array.slice(start, _CHUNK)
        try:
            _cast(chunk, column)
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            pass
        for offset in range(len(chunk)):
            try:
                # take, not slice: a cast of a sliced list checked other rows' elements
                _cast(chunk.take([offset]), column)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
                if text:
                    value = chunk[offset].as_py()
                    yield start + offset, f"column {column.name!r}: {value!r} is not a valid {kind}"
                else:  # a value the cast would change: nanoseconds, say
                    found = f"{_as_text(chunk[offset])} ({array.type})"
                    yield (
                        start + offset,
                        f"column {column.name!r}: {found} does not fit {kind} exactly",
                    )


def parquet_batches(
    file: pq.ParquetFile, columns: Sequence[LandingColumn], path: str, bad: list[BadLine]
) -> Iterator[pa.RecordBatch]:
    """The file's rows as `columns` (a declared column the file lacks is NULL) plus `_file`
    and `_line` (the row's number in the file, from 1). A text value that is not of its
    column's declared type, or a value its type cannot hold exactly (a timestamp's nanoseconds),
    makes its row a bad line in `bad` (raw text: the row as JSON)."""
    present = set(file.schema_arrow.names)
    wanted = [c.name for c in columns if c.name in present]
    first = 1
    for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        arrays: list[pa.Array | None] = []
        failures: dict[int, str] = {}
        for column in columns:
            if column.name not in present:
                arrays.append(pa.nulls(batch.num_rows, column.arrow_type))
                continue
            array = _decoded(batch.column(column.name))
            try:
                arrays.append(_cast(array, column))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
                if not pa.types.is_string(array.type) and not _converts(array, column):
                    raise ConfigError(
                        f"{path}: column {column.name!r} is {array.type} in the file and "
                        f"cannot be read as declared ({column.arrow_type}): {error}. Fix its "
                        "type in sources.yml"
                    ) from None
                arrays.append(None)
                for index, reason in _cast_failures(array, column):
                    failures.setdefault(index, reason)
        lines = line_numbers(first, batch.num_rows)
        if failures:
            bad.extend(
                BadLine(first + i, failures[i], _row_json(batch, i)) for i in sorted(failures)
            )
            keep = pa.array([i not in failures for i in range(batch.num_rows)])
            found = {c.name: _decoded(batch.column(c.name)) for c in columns if c.name in present}
            arrays = [
                _cast(found[c.name].filter(keep), c) if a is None else a.filter(keep)
                for a, c in zip(arrays, columns, strict=True)
            ]
            lines = lines.filter(keep)
        kept = len(lines)
        first += batch.num_rows
        names = [c.name for c in columns] + ["_file", "_line"]
        yield pa.record_batch([*arrays, file_column(path, kept), lines], names=names)


def _decoded(array: pa.Array) -> pa.Array:
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def _row_json(batch: pa.RecordBatch, index: int) -> str:
    row = batch.slice(index, 1).to_pylist()[0]
    return json.dumps(row, default=str, ensure_ascii=False, separators=(",", ":"))[:RAW_CHARS]
