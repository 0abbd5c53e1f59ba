"""What a DuckDB warehouse cannot hold as the source has it, how it lands, and what the
operator is told: never a silent change.

-0.0: DuckDB (1.5) computes with it, but its storage does not keep it: a checkpoint
compresses a FLOAT or DOUBLE column by comparing values with `=`, for which -0.0 equals 0.0,
so a constant, RLE or dictionary segment turns every zero of a run into the sign of the first
(measured: a column of 0.0 and -0.0 reads back as all 0.0, or all -0.0). No setting turns that
off (the constant segment cannot be disabled). So the loader stores every zero of a float
column (and of a list of floats) as 0.0, the one spelling that survives, and a marker column of
the staging table counts the -0.0 it changed, for a warning naming the column.

numeric without a precision, or wider than DECIMAL(38): VARCHAR of its exact digits (NaN and
±Infinity included), with a warning naming the column. NaN in a numeric(p,s) that fits
DECIMAL is refused by the type map (types_duckdb.py), naming the column.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .catalog_types import DuckDBColumn, SourceColumn
from .identifiers import quote_ident

__all__ = ["ZeroSigns", "count_sql", "numeric_text_warnings", "zero_signs"]

log = logging.getLogger("extract_load.columns")

_FLOATS = frozenset({"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"})


@dataclass(frozen=True)
class ZeroSigns:
    """A staging table's columns and loads, with a BIGINT marker per float column (after the
    source's columns): how many -0.0 the row held (lists of floats count their elements)."""

    definitions: list[tuple[str, str]]  # (name, DuckDB type), markers last
    loads: list[str]  # DuckDB SQL per definition
    markers: dict[str, str]  # source column -> its marker column


def _marker(name: str) -> str:
    return f"__elt_negative_zero_{name}"


def _unsigned(value: str, kind: str, levels: int) -> str:
    """DuckDB SQL: `value` (a float, or a list `levels` deep of them) with -0.0 as 0.0."""
    if levels == 0:
        return f"CASE WHEN ({value}) = 0 THEN CAST(0 AS {kind}) ELSE ({value}) END"
    element = f"__elt_z{levels}"
    return f"list_transform({value}, lambda {element}: {_unsigned(element, kind, levels - 1)})"


def _negative_zeros(value: str, levels: int) -> str:
    """DuckDB SQL: how many -0.0 `value` holds (0 for NULL)."""
    if levels == 0:
        return f"CASE WHEN ({value}) = 0 AND signbit({value}) THEN 1 ELSE 0 END"
    for _ in range(levels - 1):
        value = f"flatten({value})"
    negative = "lambda __elt_z: __elt_z = 0 AND signbit(__elt_z)"
    return f"coalesce(len(list_filter({value}, {negative})), 0)"


def zero_signs(columns: Sequence[tuple[str, str, str]]) -> ZeroSigns:
    """For (name, DuckDB type, load SQL) columns: the loads that store -0.0 as 0.0 in FLOAT and
    DOUBLE columns and lists of them, and the markers that count them."""
    definitions = [(name, kind) for name, kind, _ in columns]
    loads: list[str] = []
    markers: dict[str, str] = {}
    marker_loads: list[str] = []
    for name, kind, load in columns:
        levels = kind.count("[]")
        element = kind.upper().removesuffix("[]" * levels)
        if element not in _FLOATS:
            loads.append(load)
            continue
        loads.append(_unsigned(load, element, levels))
        markers[name] = _marker(name)
        marker_loads.append(_negative_zeros(load, levels))
    definitions += [(marker, "BIGINT") for marker in markers.values()]
    return ZeroSigns(definitions, loads + marker_loads, markers)


def count_sql(stage: str, markers: dict[str, str]) -> str:
    """DuckDB SQL: per marker, how many -0.0 the staging table's column held."""
    counts = ", ".join(f"coalesce(sum({quote_ident(m)}), 0)" for m in markers.values())
    return f"SELECT {counts} FROM {stage}"


def numeric_text_warnings(
    table: str, columns: Iterable[SourceColumn], mapped: Iterable[DuckDBColumn]
) -> None:
    """One warning per numeric column that lands as the text of its digits."""
    for source, column in zip(columns, mapped, strict=True):
        if source.base == "numeric" and column.duckdb_type.startswith("VARCHAR"):
            log.warning(
                "%s: column %r is %s, wider than DuckDB's DECIMAL(38) can hold exactly; it "
                "lands as VARCHAR of its exact digits (NaN and Infinity included)",
                table,
                source.name,
                source.declared,
            )
