"""The benchmark's report: one table per size, memory flatness across sizes, and Markdown."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from contenders import BASELINES, FLOORS, Contender
from runs import Measurement


@dataclass(frozen=True)
class Row:
    contender: Contender
    rows: int
    runs: tuple[Measurement, ...]

    def median(self, field: str) -> float | None:
        values = [getattr(m, field) for m in self.runs]
        if any(v is None for v in values):
            return None
        return float(statistics.median(values))

    @property
    def seconds(self) -> float:
        return statistics.median(m.seconds for m in self.runs)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def peak_mb(self) -> float:
        return statistics.median(m.peak_mb for m in self.runs)


def human_rows(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return f"{rows:,}"


HEADERS = (
    "contender",
    "rows",
    "seconds",
    "rows/s",
    "peak MB",
    "% of floor",
    "x pandas",
    "cpu s",
    "server cpu s",
    "work s",
)


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def table_rows(results: Sequence[Row]) -> list[list[str]]:
    by_name = {r.contender.name: r for r in results}
    lines = []
    for result in results:
        contender = result.contender
        floor = by_name.get(FLOORS[contender.warehouse])
        baseline = by_name.get(BASELINES[contender.warehouse])
        if contender.kind == "reference":
            floor = None
        lines.append(
            [
                contender.name,
                f"{result.rows:,}",
                f"{result.seconds:.2f}",
                f"{result.rows_per_second:,.0f}",
                f"{result.peak_mb:,.0f}",
                _fmt(
                    None if floor is None else 100 * result.rows_per_second / floor.rows_per_second,
                    ".0f",
                    " %",
                ),
                _fmt(
                    None if baseline is None else result.rows_per_second / baseline.rows_per_second,
                    ".1f",
                    "x",
                ),
                f"{result.median('cpu_seconds'):.2f}",
                _fmt(result.median("server_cpu_seconds"), ".2f"),
                _fmt(result.median("work_seconds"), ".2f"),
            ]
        )
    return lines


def render_text(results: Sequence[Row]) -> str:
    lines = [list(HEADERS), *table_rows(results)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    out = []
    for number, line in enumerate(lines):
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells))
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def render_markdown(results: Sequence[Row]) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(["---"] + ["--:"] * 9) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in table_rows(results)]
    return "\n".join(out)


def flatness(all_results: dict[int, list[Row]]) -> list[tuple[str, float, float]]:
    """Per contender: peak MB at the smallest and at the largest size."""
    sizes = sorted(all_results)
    small = {r.contender.name: r for r in all_results[sizes[0]]}
    large = {r.contender.name: r for r in all_results[sizes[-1]]}
    return [(name, small[name].peak_mb, large[name].peak_mb) for name in small if name in large]


def title(rows: int, repeat: int) -> str:
    runs = "1 run" if repeat == 1 else f"median of {repeat} runs"
    return f"{human_rows(rows)} rows ({rows:,}), {runs}"


def report(all_results: dict[int, list[Row]], repeat: int, markdown: bool) -> str:
    sizes = sorted(all_results)
    text: list[str] = []
    for rows in sizes:
        text += ["", f"== {title(rows, repeat)}", render_text(all_results[rows])]
    if len(sizes) > 1:
        text += [
            "",
            f"== memory flatness: peak MB at {human_rows(sizes[-1])} / at "
            f"{human_rows(sizes[0])} rows",
        ]
        for name, small, large in flatness(all_results):
            text.append(f"{name:<24} {small:>8,.0f} -> {large:>8,.0f} MB  ({large / small:.2f}x)")
    if markdown:
        text += ["", "---- Markdown ----"]
        for rows in sizes:
            text += ["", f"**{title(rows, repeat)}**", "", render_markdown(all_results[rows])]
        if len(sizes) > 1:
            text += [
                "",
                f"**Peak memory at {human_rows(sizes[-1])} rows / at {human_rows(sizes[0])}**",
                "",
                "| contender | peak MB small | peak MB large | ratio |",
                "|---|--:|--:|--:|",
            ]
            text += [
                f"| {name} | {small:,.0f} | {large:,.0f} | {large / small:.2f}x |"
                for name, small, large in flatness(all_results)
            ]
    return "\n".join(text)
