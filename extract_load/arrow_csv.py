"""Arrow record batches as the CSV that PostgreSQL's `COPY ... (FORMAT csv)` reads exactly.

Arrow's CSV writer does the work in C++; the few types whose Arrow text PostgreSQL would read
differently are turned into PostgreSQL's text form first. Every valid value is quoted, so that
an unquoted empty field is NULL and a quoted one is the empty string, as PostgreSQL reads them.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["arrow_csv"]

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")


def _postgres_text(array: pa.Array) -> pa.Array:
    """`array` in a form whose CSV text PostgreSQL reads as the same value."""
    kind = array.type
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        # bytea's hex input; Arrow's CSV would write the raw bytes (NULs included).
        return pa.array(
            [None if v is None else "\\x" + v.hex() for v in array.to_pylist()], pa.string()
        )
    if pa.types.is_duration(kind):
        # Arrow writes a bare count; interval input reads "<n> microseconds".
        micros = pc.cast(array, pa.duration("us")).cast(pa.int64())
        return pc.binary_join_element_wise(pc.cast(micros, pa.string()), " microseconds", "")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.array([_array_text(v) for v in array.to_pylist()], pa.string())
    if pa.types.is_struct(kind):
        raise TypeError(f"{kind} cannot be written to PostgreSQL yet: land it as text or JSON")
    return array


def _array_text(values: list[Any] | None) -> str | None:
    """A list as PostgreSQL's array input: every element quoted (so that the text "NULL"
    stays text), NULL bare; a list of lists is a multi-dimensional array."""
    if values is None:
        return None
    return _array_literal(values)


def _array_literal(values: list[Any]) -> str:
    return "{" + ",".join(_element_text(value) for value in values) + "}"


def _element_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return _array_literal(value)
    if isinstance(value, dict):
        raise TypeError("a list of structs cannot be written to PostgreSQL yet: land it as JSON")
    if isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as the same double; inf, nan
    elif isinstance(value, bytes):
        text = "\\x" + value.hex()
    elif isinstance(value, datetime.timedelta):
        text = f"{value // datetime.timedelta(microseconds=1)} microseconds"
    elif isinstance(value, datetime.date | datetime.time):  # datetime is a date
        text = value.isoformat()
    else:  # int, Decimal, str
        text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arrow_csv(batch: pa.RecordBatch) -> bytes:
    """The batch as CSV rows (no header) for `COPY ... FROM STDIN (FORMAT csv)`."""
    arrays = [_postgres_text(column) for column in batch.columns]
    converted = pa.record_batch(arrays, names=batch.schema.names)
    out = io.BytesIO()
    pacsv.write_csv(converted, out, _OPTIONS)
    return out.getvalue()
