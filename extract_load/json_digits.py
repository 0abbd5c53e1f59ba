"""JSON with every number's digits kept, for the JSON-lines files and the HTTP sources: a
number with a fraction or an exponent is read as a Decimal, not a float, and written back as
its digits. Parquet structs are written with it too (their timestamps as ISO text)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

__all__ = ["json_loads", "json_text"]


def json_loads(text: str | bytes) -> Any:
    """JSON with every number's digits kept: one with a fraction or an exponent is a Decimal
    (a float would turn 123456789012345678.12 into ...680 and 1e400 into infinity, and 1.10
    into 1.1 in a text column)."""
    return json.loads(text, parse_float=Decimal)


class _Digits(Exception):
    pass


def _refuse(value: object) -> object:
    if isinstance(value, Decimal):
        raise _Digits
    return _other(value)


def _other(value: object) -> object:
    """A value of a Parquet struct that JSON has no type for, as text."""
    if isinstance(value, datetime.date | datetime.time):  # a datetime is a date
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_text(value: Any) -> str:
    """`value` (from `json_loads`) as JSON text, its Decimals written as their digits."""
    try:
        return json.dumps(value, ensure_ascii=False, default=_refuse)
    except _Digits:
        return _json_walk(value)


def _json_walk(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}: {_json_walk(v)}" for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_walk(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=_other)
