"""CSV files split into records by the loader, so that every line is a row or a bad line.

A record may span lines only where its quotes close within `MAX_RECORD_LINES` lines and the
result has the right number of fields; otherwise a quote opened and never closed costs its own
line only, and the lines after it are read again. Lines without quotes are parsed in blocks by
Arrow's CSV reader (C++), lines with quotes record by record, with the same rules.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator, Sequence
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import ConfigError
from .files_read import (
    BATCH_ROWS,
    RAW_CHARS,
    BadLine,
    Row,
    physical_lines,
    raw_text,
    typed_batch,
    typed_texts,
)
from .reads import LandingColumn

__all__ = ["MAX_RECORD_LINES", "csv_batches", "csv_rows"]

# A quoted field may hold newlines, but a record longer than this is an unterminated quote.
MAX_RECORD_LINES = 100


class _Lines:
    """A file's physical lines, with lines taken too far handed back to be read again."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._source = physical_lines(stream)
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


def _header(
    lines: _Lines, path: str, columns: Sequence[str], delimiter: str
) -> tuple[list[int | None], int] | None:
    """Where each declared column is in the header's fields, and how many fields a row has;
    None for an empty file. A name not declared stops the file (ConfigError)."""
    first = _record(lines)
    if first is None:
        return None
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
    return [names.index(name) if name in names else None for name in columns], len(names)


def _next_row(
    lines: _Lines, delimiter: str, positions: list[int | None], width: int
) -> Row | BadLine | None:
    """The next record as a row or a bad line; None at the end. Blank lines are skipped."""
    while (found := _record(lines)) is not None:
        number, record, taken = found
        if not record.strip():
            continue  # a blank line holds no row
        try:
            text = record.decode("utf-8")
        except UnicodeDecodeError as error:
            return BadLine(number, f"invalid UTF-8 at byte {error.start}", raw_text(record))
        try:
            fields = _fields(text, delimiter)
        except csv.Error as error:
            reason = f"malformed CSV ({error})"
        else:
            if len(fields) == width:
                return number, text, [None if p is None else fields[p] for p in positions]
            reason = f"{len(fields)} field(s), expected {width}"
        if taken:  # the quotes closed by chance, across lines: the first one is at fault
            lines.give_back(taken)
            text = text.partition("\n")[0]
            reason = "unterminated quote"
        elif text.count('"') % 2:
            reason = "unterminated quote"
        return BadLine(number, reason, text[:RAW_CHARS])
    return None


def csv_rows(
    stream: IO[bytes],
    path: str,
    columns: Sequence[str],
    delimiter: str,
    header: bool,
) -> Iterator[Row | BadLine]:
    """The rows of a CSV file as text values in the order of `columns`, and its bad lines,
    record by record. With a header, its names are matched to `columns`: a name not declared
    stops the file (ConfigError); a declared column the file lacks is NULL."""
    lines = _Lines(stream)
    layout = _header(lines, path, columns, delimiter) if header else None
    if header and layout is None:
        return
    positions, width = layout or (list(range(len(columns))), len(columns))
    while (item := _next_row(lines, delimiter, positions, width)) is not None:
        yield item


def csv_batches(
    stream: IO[bytes],
    path: str,
    columns: Sequence[LandingColumn],
    delimiter: str,
    header: bool,
    bad: list[BadLine],
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """The file as typed batches with `_file` and `_line`, its bad lines added to `bad`.

    Lines with no quote (nearly all, in most files) are parsed in blocks by Arrow's CSV reader
    in C++, and a line with the wrong number of fields is set aside by its number in the
    block; a line with a quote, a carriage return or invalid UTF-8 goes record by record
    through `csv_rows`' rules. Both give the same rows and bad lines."""
    names = [c.name for c in columns]
    lines = _Lines(stream)
    layout = _header(lines, path, names, delimiter) if header else None
    if header and layout is None:
        return
    positions, width = layout or (list(range(len(names))), len(names))
    simple: list[tuple[int, bytes]] = []
    slow: list[Row] = []
    while (item := lines.next()) is not None:
        line = item[1]
        if _QUOTE not in line and b"\r" not in line:
            if line.strip():
                simple.append(item)
                if len(simple) >= batch_rows:
                    yield from _block(simple, positions, width, columns, path, delimiter, bad)
                    simple = []
            continue
        lines.give_back([item])
        row = _next_row(lines, delimiter, positions, width)
        if isinstance(row, BadLine):
            bad.append(row)
        elif row is not None:
            slow.append(row)
            if len(slow) >= batch_rows:
                yield typed_batch(slow, columns, path, bad)
                slow = []
    if simple:
        yield from _block(simple, positions, width, columns, path, delimiter, bad)
    if slow:
        yield typed_batch(slow, columns, path, bad)


def _block(
    block: list[tuple[int, bytes]],
    positions: list[int | None],
    width: int,
    columns: Sequence[LandingColumn],
    path: str,
    delimiter: str,
    bad: list[BadLine],
) -> Iterator[pa.RecordBatch]:
    """Lines without quotes, parsed by Arrow; if Arrow cannot say which line was at fault, or
    a line is not UTF-8, the block goes line by line."""
    data = b"\n".join(line for _, line in block) + b"\n"
    skipped: dict[int, str] = {}
    unknown: list[bool] = []

    def set_aside(row: pacsv.InvalidRow) -> str:
        if row.number is None:
            unknown.append(True)
        else:
            skipped[row.number] = f"{row.actual_columns} field(s), expected {width}"
        return "skip"

    field_names = [f"f{i}" for i in range(width)]
    try:
        data.decode("utf-8")
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=field_names, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False, invalid_row_handler=set_aside
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(field_names, pa.string()),
                strings_can_be_null=False,
            ),
        )
    except UnicodeDecodeError:
        unknown.append(True)
    if unknown:
        lines = _Lines(io.BytesIO(b""))
        lines.give_back(block)
        rows: list[Row] = []
        while (item := _next_row(lines, delimiter, positions, width)) is not None:
            if isinstance(item, BadLine):
                bad.append(item)
            else:
                rows.append(item)
        if rows:
            yield typed_batch(rows, columns, path, bad)
        return
    bad.extend(
        BadLine(block[n - 1][0], reason, raw_text(block[n - 1][1])) for n, reason in skipped.items()
    )
    kept = [item for n, item in enumerate(block, start=1) if n not in skipped]
    texts = []
    for column, position in zip(columns, positions, strict=True):
        if position is None:
            texts.append(pa.nulls(len(kept), pa.string()))
            continue
        array = table.column(position).combine_chunks()
        if column.duckdb_type == "JSON" or not pa.types.is_string(column.arrow_type):
            array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
        texts.append(array)
    yield typed_texts(
        texts,
        [number for number, _ in kept],
        lambda i: raw_text(kept[i][1]),
        columns,
        path,
        bad,
    )


def _fields(text: str, delimiter: str) -> list[str]:
    if '"' not in text:
        return text.split(delimiter)
    return next(csv.reader([text], delimiter=delimiter, strict=True))
