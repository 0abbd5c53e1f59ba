"""Splitting and typing a file's lines, with no warehouse: every line is a row or a bad line."""

from __future__ import annotations

import io

import pytest

from extract_load.errors import ConfigError
from extract_load.file_columns import check_declared_type, landing_column_of
from extract_load.files_csv import MAX_RECORD_LINES, csv_batches, csv_rows
from extract_load.files_read import BadLine, jsonl_rows, typed_batches

COLUMNS = [
    landing_column_of("id", "integer"),
    landing_column_of("zip", "text"),
    landing_column_of("amount", "numeric(8,2)"),
]
NAMES = [c.name for c in COLUMNS]


@pytest.fixture(params=["records", "blocks"])
def reader(request):
    """Record by record (csv_rows), or quote-free lines in Arrow's blocks (csv_batches): the
    same rows and bad lines either way."""
    return request.param


def _read(
    data: bytes, header: bool = True, delimiter: str = ",", reader: str = "blocks"
) -> tuple[list, list[BadLine]]:
    bad: list[BadLine] = []
    stream = io.BytesIO(data)
    if reader == "records":
        rows = csv_rows(stream, "f.csv", NAMES, delimiter, header)
        batches = typed_batches(rows, COLUMNS, "f.csv", bad)
    else:
        batches = csv_batches(stream, "f.csv", COLUMNS, delimiter, header, bad, batch_rows=7)
    loaded = [r for b in batches for r in b.to_pylist()]
    return sorted(loaded, key=lambda r: r["_line"]), sorted(bad, key=lambda b: b.line)


def test_an_unterminated_quote_at_the_end_costs_its_own_line_only(reader):
    lines = [b"id,zip,amount"] + [b"%d,%05d,1.00" % (i, i) for i in range(1, 500)]
    lines[3] = b'3,"00003,1.00'
    loaded, bad = _read(b"\n".join(lines) + b"\n", reader=reader)
    assert [(b.line, b.reason, b.raw) for b in bad] == [(4, "unterminated quote", '3,"00003,1.00')]
    assert [r["_line"] for r in loaded] == [n for n in range(2, 501) if n != 4]
    assert loaded[0]["zip"] == "00001"


def test_two_unterminated_quotes_whose_quotes_pair_up_are_two_bad_lines(reader):
    data = b'id,zip,amount\n1,"a,1.00\n2,b,2.00\n3,"c,3.00\n4,d,4.00\n'
    loaded, bad = _read(data, reader=reader)
    assert [(b.line, b.reason) for b in bad] == [
        (2, "unterminated quote"),
        (4, "unterminated quote"),
    ]
    assert [(r["id"], r["_line"]) for r in loaded] == [(2, 3), (4, 5)]


def test_a_quoted_newline_is_one_row_at_its_first_line_and_a_quote_may_be_doubled(reader):
    data = b'id,zip,amount\n1,"two\r\nlines",1.00\n2,"say ""hi""",2.00\n'
    loaded, bad = _read(data, reader=reader)
    assert bad == []
    assert [(r["zip"], r["_line"]) for r in loaded] == [("two\nlines", 2), ('say "hi"', 4)]


def test_a_record_longer_than_the_limit_is_an_unterminated_quote(reader):
    body = b"\n".join([b"x"] * (MAX_RECORD_LINES + 5))
    data = b'id,zip,amount\n1,"' + body + b'",1.00\n2,b,2.00\n'
    loaded, bad = _read(data, reader=reader)
    assert bad[0].line == 2 and bad[0].reason == "unterminated quote"
    assert [(r["id"], r["_line"]) for r in loaded] == [(2, MAX_RECORD_LINES + 7)]
    assert len(bad) + len(loaded) == MAX_RECORD_LINES + 7 - 1  # every line after the header


def test_headerless_semicolons_keep_leading_zeros_and_empty_text(reader):
    loaded, bad = _read(b"1;02134;;\n2;;3.50\n", header=False, delimiter=";", reader=reader)
    assert [(b.line, b.reason) for b in bad] == [(1, "4 field(s), expected 3")]
    assert [(r["zip"], r["amount"], r["_line"]) for r in loaded] == [("", 3.5, 2)]


def test_invalid_utf8_and_a_bad_number_are_bad_lines_with_their_raw_text(reader):
    loaded, bad = _read(
        b"id,zip,amount\n1,caf\xe9,1.00\nx,b,2.00\n3,c,1.005\n4,d,4\n", reader=reader
    )
    assert [(b.line, b.reason, b.raw) for b in bad] == [
        (2, "invalid UTF-8 at byte 5", "1,caf\\xe9,1.00"),
        (3, "column 'id': 'x' is not a valid integer", "x,b,2.00"),
        (4, "column 'amount': '1.005' is not a valid numeric(8,2)", "3,c,1.005"),
    ]
    assert [r["_line"] for r in loaded] == [5]


def test_a_header_column_not_declared_stops_the_file(reader):
    with pytest.raises(ConfigError, match=r"column\(s\) \['city'\] are not declared"):
        _read(b"id,zip,amount,city\n", reader=reader)
    with pytest.raises(ConfigError, match="its header line cannot be read"):
        _read(b'id,"zip"x,amount\n', reader=reader)


def test_json_lines_take_declared_keys_and_quarantine_what_is_not_an_object():
    columns = [landing_column_of("id", "bigint"), landing_column_of("tags", "json")]
    data = b'{"id": 1, "tags": ["a"]}\n[1]\n{"id": {"x": 1}}\nnot json\n{"id": 5, "other": 1}\n'
    bad: list[BadLine] = []
    rows = jsonl_rows(io.BytesIO(data), "e.jsonl", columns)
    loaded = [r for b in typed_batches(rows, columns, "e.jsonl", bad) for r in b.to_pylist()]
    assert [(r["id"], r["tags"], r["_line"]) for r in loaded] == [(1, '["a"]', 1), (5, None, 5)]
    assert [(b.line, b.reason.split(" (")[0]) for b in bad] == [
        (2, "not a JSON object"),
        (3, "column 'id': a JSON dict is not a scalar"),
        (4, "invalid JSON"),
    ]


@pytest.mark.parametrize(
    ("declared", "normalised"),
    [("TEXT", "text"), ("numeric(10, 2)", "numeric(10,2)"), (" timestamptz ", "timestamptz")],
)
def test_declared_types_are_a_closed_set(declared, normalised):
    assert check_declared_type(declared) == normalised


@pytest.mark.parametrize("declared", ["varchar", "numeric", "numeric(40,2)", "numeric(4,5)", "int"])
def test_other_types_are_refused_with_the_list(declared):
    with pytest.raises(ValueError, match="numeric"):
        check_declared_type(declared)


def _parquet(path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": list(range(rows))}), path)


def test_parquet_rows_carry_their_file_and_row_number_across_batches(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from extract_load import files_read

    monkeypatch.setattr(files_read, "BATCH_ROWS", 4)
    _parquet(tmp_path / "t.parquet", 10)
    label = "trips/2026-01/zürich trips.parquet"
    columns = [landing_column_of("id", "bigint")]
    batches = list(
        files_read.parquet_batches(pq.ParquetFile(tmp_path / "t.parquet"), columns, label, [])
    )
    assert [b.num_rows for b in batches] == [4, 4, 2]
    rows = [r for b in batches for r in b.to_pylist()]
    assert [(r["id"], r["_line"], r["_file"]) for r in rows] == [
        (i, i + 1, label) for i in range(10)
    ]


def test_reading_parquet_does_not_import_pandas(tmp_path):
    """pyarrow imports pandas (about a second) when it converts Python values: `_file` and
    `_line` are built from buffers instead."""
    import subprocess
    import sys

    _parquet(tmp_path / "t.parquet", 3)
    script = (
        "import sys, pyarrow.parquet as pq\n"
        "from extract_load.file_columns import landing_column_of\n"
        "from extract_load.files_read import parquet_batches\n"
        f"f = pq.ParquetFile({str(tmp_path / 't.parquet')!r})\n"
        "columns = [landing_column_of('id', 'bigint')]\n"
        "rows = [b.num_rows for b in parquet_batches(f, columns, 'p', [])]\n"
        "assert rows == [3], rows\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
