"""The benchmark's report: one table per table and size, the DuckDB loader's ratio to each
other DuckDB contender (ratios.py), the loaders against a baseline commit's (the seam's cost),
memory flatness across sizes, and Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from datasets import BenchTable
from ratios import heading, render_ratios_markdown, render_ratios_text
from rows import Row

FAILED = "—"
# A loader within this share of its baseline's rows/s costs nothing that can be told apart
# from noise on a shared machine.
SEAM_TOLERANCE = 0.05
WAREHOUSE_NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL"}


def failure_summary(message: str, width: int = 160) -> str:
    """The line of a failed run's output that says what went wrong (its exception)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Warning)\b", line)]
    line = (errors or lines or ["failed"])[-1]
    return line if len(line) <= width else line[: width - 3] + "..."


def table_label(bench: BenchTable) -> str:
    return f"{bench.dataset.name}_{human_rows(bench.rows)}"


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


def failures(results: Sequence[Row]) -> list[Row]:
    return [r for r in results if r.error is not None]


def footnotes(results: Sequence[Row]) -> list[str]:
    return [
        f"[{number}] {r.contender.name} failed ({FAILED}), not run again: {r.error}"
        for number, r in enumerate(failures(results), 1)
    ]


def table_rows(results: Sequence[Row]) -> list[list[str]]:
    by_name = {r.contender.name: r for r in results if r.error is None}
    failed = failures(results)
    lines = []
    for result in results:
        contender = result.contender
        if result.error is not None:
            note = f"{contender.name} [{failed.index(result) + 1}]"
            lines.append([note, f"{result.rows:,}", *[FAILED] * (len(HEADERS) - 2)])
            continue
        floor = by_name.get(contender.floor)
        baseline = by_name.get(contender.pandas_baseline)
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
    return "\n".join(out + footnotes(results))


def render_markdown(results: Sequence[Row]) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(["---"] + ["--:"] * 9) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in table_rows(results)]
    notes = footnotes(results)
    return "\n".join(out + (["", *notes] if notes else []))


# -- the seam's cost: each loader against the same loader of the baseline commit -------------

SEAM_HEADERS = (
    "loader",
    "rows/s",
    "baseline",
    "baseline rows/s",
    "% of baseline",
    "% of floor",
    "baseline % of floor",
)


@dataclass(frozen=True)
class SeamPair:
    loader: Row
    baseline: Row
    floor: Row | None

    @property
    def ratio(self) -> float:
        return self.loader.rows_per_second / self.baseline.rows_per_second

    def of_floor(self, row: Row) -> float | None:
        return None if self.floor is None else row.rows_per_second / self.floor.rows_per_second


def seam_pairs(results: Sequence[Row]) -> list[SeamPair]:
    """Today's loaders, each with the baseline's loader from the same source into the same
    warehouse."""
    by_name = {r.contender.name: r for r in results if r.error is None}

    def key(row: Row) -> tuple[str, str]:
        return row.contender.source, row.contender.warehouse

    baselines = {key(r): r for r in by_name.values() if r.contender.baseline is not None}
    return [
        SeamPair(r, baselines[key(r)], by_name.get(r.contender.floor))
        for r in by_name.values()
        if r.contender.kind == "loader" and r.contender.baseline is None and key(r) in baselines
    ]


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def seam_rows(pairs: Sequence[SeamPair]) -> list[list[str]]:
    return [
        [
            pair.loader.contender.name,
            f"{pair.loader.rows_per_second:,.0f}",
            pair.baseline.contender.name,
            f"{pair.baseline.rows_per_second:,.0f}",
            f"{100 * pair.ratio:.1f} %",
            _fmt(_percent(pair.of_floor(pair.loader)), ".1f", " %"),
            _fmt(_percent(pair.of_floor(pair.baseline)), ".1f", " %"),
        ]
        for pair in pairs
    ]


def seam_verdicts(table: str, pairs: Sequence[SeamPair]) -> list[str]:
    lines = []
    for pair in pairs:
        loader = f"{WAREHOUSE_NAMES[pair.loader.contender.warehouse]} loader"
        if "@" in pair.loader.contender.name:  # a --block-bytes variant
            loader += f" ({pair.loader.contender.name})"
        within = "yes" if pair.ratio >= 1 - SEAM_TOLERANCE else "no"
        lines.append(
            f"seam cost on {table}: {loader} {100 * pair.ratio:.1f} % of baseline "
            f"(within {100 * SEAM_TOLERANCE:.0f} %: {within})"
        )
    return lines


def render_seam_text(results: Sequence[Row]) -> list[str]:
    pairs = seam_pairs(results)
    if not pairs:
        return []
    lines = [list(SEAM_HEADERS), *seam_rows(pairs)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(SEAM_HEADERS))]
    out = []
    for number, line in enumerate(lines):
        cells = [
            cell.ljust(width) if i in (0, 2) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells))
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return out + seam_verdicts(results[0].table, pairs)


def render_seam_markdown(results: Sequence[Row]) -> list[str]:
    pairs = seam_pairs(results)
    if not pairs:
        return []
    out = [
        "| " + " | ".join(SEAM_HEADERS) + " |",
        "|" + "|".join(["---", "--:", "---"] + ["--:"] * 4) + "|",
    ]
    out += ["| " + " | ".join(line) + " |" for line in seam_rows(pairs)]
    return [*out, "", *seam_verdicts(results[0].table, pairs)]


def flatness(by_size: dict[int, list[Row]]) -> list[tuple[str, float, float]]:
    """Per contender: peak MB at the smallest and at the largest size."""
    sizes = sorted(by_size)
    small = {r.contender.name: r for r in by_size[sizes[0]] if r.error is None}
    large = {r.contender.name: r for r in by_size[sizes[-1]] if r.error is None}
    return [(name, small[name].peak_mb, large[name].peak_mb) for name in small if name in large]


def title(table: str, rows: int, repeat: int) -> str:
    runs = "1 run" if repeat == 1 else f"median of {repeat} runs"
    return f"{table}: {human_rows(rows)} rows ({rows:,}), {runs}"


def report(all_results: dict[str, dict[int, list[Row]]], repeat: int, markdown: bool) -> str:
    """`all_results`: per dataset (ratings, wide), per size, its rows."""
    text: list[str] = []
    for by_size in all_results.values():
        for rows in sorted(by_size):
            results = by_size[rows]
            text += ["", f"== {title(results[0].table, rows, repeat)}", render_text(results)]
            ratios = render_ratios_text(results)
            if ratios:
                text += ["", f"== {heading(results)}", *ratios]
            seam = render_seam_text(results)
            if seam:
                text += ["", f"== {results[0].table}: the loaders against their baseline", *seam]
    for dataset, by_size in all_results.items():
        sizes = sorted(by_size)
        if len(sizes) > 1:
            text += [
                "",
                f"== memory flatness ({dataset}): peak MB at {human_rows(sizes[-1])} / at "
                f"{human_rows(sizes[0])} rows",
            ]
            for name, small, large in flatness(by_size):
                text.append(
                    f"{name:<24} {small:>8,.0f} -> {large:>8,.0f} MB  ({large / small:.2f}x)"
                )
    if markdown:
        text += ["", "---- Markdown ----"]
        for by_size in all_results.values():
            for rows in sorted(by_size):
                results = by_size[rows]
                text += ["", f"**{title(results[0].table, rows, repeat)}**", ""]
                text.append(render_markdown(results))
                ratios = render_ratios_markdown(results)
                if ratios:
                    text += ["", f"**{heading(results)}**", "", *ratios]
                seam = render_seam_markdown(results)
                if seam:
                    text += ["", f"**{results[0].table}: the loaders against their baseline**"]
                    text += ["", *seam]
        for dataset, by_size in all_results.items():
            sizes = sorted(by_size)
            if len(sizes) > 1:
                text += [
                    "",
                    f"**Peak memory ({dataset}) at {human_rows(sizes[-1])} rows / at "
                    f"{human_rows(sizes[0])}**",
                    "",
                    "| contender | peak MB small | peak MB large | ratio |",
                    "|---|--:|--:|--:|",
                ]
                text += [
                    f"| {name} | {small:,.0f} | {large:,.0f} | {large / small:.2f}x |"
                    for name, small, large in flatness(by_size)
                ]
    return "\n".join(text)
