"""The DuckDB loader against each other DuckDB contender of one table and size: its rows/s
divided by theirs (``loader-duckdb ÷ scanner-duckdb: 1.05x``), in text and in Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rows import Row

# The contenders a loader is set against: the ways to the same result (the floors and the
# reference are not; the main table gives each contender's % of floor).
COMPARED_KINDS = {"pandas", "peer"}


@dataclass(frozen=True)
class RatioPair:
    loader: Row
    other: Row
    note: int | None  # the other's footnote number in the main table, when it failed

    @property
    def ratio(self) -> float | None:
        if self.other.error is not None:
            return None
        return self.loader.rows_per_second / self.other.rows_per_second

    @property
    def label(self) -> str:
        return f"{self.loader.contender.name} ÷ {self.other.contender.name}"

    def ratio_cell(self) -> str:
        if self.ratio is None:
            return f"failed [{self.note}]"
        return f"{self.ratio:.2f}x"


def is_duckdb_loader(row: Row) -> bool:
    """Today's DuckDB loader (with each --block-bytes value), not a baseline commit's."""
    contender = row.contender
    return contender.kind == "loader" and contender.warehouse == "duckdb" and not contender.baseline


def ratio_pairs(results: Sequence[Row]) -> list[RatioPair]:
    """Each of today's DuckDB loaders with each pandas, peer and baseline-loader contender
    that read the same source into DuckDB."""
    failed = [r for r in results if r.error is not None]  # numbered as the main table's notes
    pairs = []
    for loader in results:
        if not is_duckdb_loader(loader) or loader.error is not None:
            continue
        for other in results:
            contender = other.contender
            if (
                contender.warehouse != "duckdb"
                or contender.source != loader.contender.source
                or not (contender.kind in COMPARED_KINDS or contender.baseline)
            ):
                continue
            note = failed.index(other) + 1 if other.error is not None else None
            pairs.append(RatioPair(loader, other, note))
    return pairs


def heading(results: Sequence[Row]) -> str:
    return f"{results[0].table}: the DuckDB loader's rows/s ÷ each DuckDB contender's"


def render_ratios_text(results: Sequence[Row]) -> list[str]:
    pairs = ratio_pairs(results)
    if not pairs:
        return []
    width = max(len(pair.label) for pair in pairs) + 1
    cells = max((len(pair.ratio_cell()) for pair in pairs if pair.ratio is not None), default=0)
    lines = []
    for pair in pairs:
        if pair.ratio is None:
            line = f"{pair.label + ':':<{width}} {pair.ratio_cell()}"
        else:
            line = (
                f"{pair.label + ':':<{width}} {pair.ratio_cell():>{cells}}  "
                f"({pair.loader.rows_per_second:,.0f} ÷ {pair.other.rows_per_second:,.0f} rows/s)"
            )
        lines.append(line)
    return lines


def render_ratios_markdown(results: Sequence[Row]) -> list[str]:
    pairs = ratio_pairs(results)
    if not pairs:
        return []
    out = [
        "| loader ÷ contender | loader rows/s | contender rows/s | ratio |",
        "|---|--:|--:|--:|",
    ]
    for pair in pairs:
        other = "-" if pair.ratio is None else f"{pair.other.rows_per_second:,.0f}"
        out.append(
            f"| {pair.label} | {pair.loader.rows_per_second:,.0f} | {other} | {pair.ratio_cell()} |"
        )
    return out
