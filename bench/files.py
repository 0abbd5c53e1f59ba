"""Benchmark: how fast, and in how much memory, the project loads monthly trip files, beside
DuckDB's own readers and pandas, in the same run.

It writes N trips in all (``--rows``, several sizes to see memory stay flat) over ``--months``
monthly files, as Parquet and as CSV (``trip_files.py``: the demo lake's ``trips`` and
``trips_csv`` datasets, generated with numpy), into a temporary landing laid out
``<dataset>/YYYY-MM/<file>``, and a sources file naming it (source ``bench_files``, the CSV
columns declared as in sources.yml). Then, per format, each of these runs as a whole separate
process, started fresh (imports included; ``files_worker.py``, which imports only what its
contender needs), ``--repeat`` times (medians reported):

====================  ========  =============================================================
contender             into      what runs
====================  ========  =============================================================
loader-duckdb         DuckDB    the project: ``load_sources`` of that sources file (what
                                ``elt load --source bench_files`` runs, without the CLI's
                                imports), with the ledger, ``_file``/``_line``/``_batch_id``
loader-postgres       Postgres  the same into an embedded PostgreSQL (``--no-postgres``: not)
duckdb-read_parquet   DuckDB    the floor: ``create table .. as select * from
duckdb-read_csv                 read_parquet('<landing>/trips/*/*.parquet')`` (or
                                ``read_csv(.., columns = <the declared types>)``), DuckDB's
                                defaults (threads, memory limit)
pandas-duckdb         DuckDB    the course notes' way: ``pandas.read_parquet`` /
                                ``pandas.read_csv`` of each file, then into DuckDB
====================  ========  =============================================================

Each run gets a fresh destination and must hold exactly N rows afterwards. The report gives,
per size and format, seconds, rows/s, peak MB (the process tree's summed RSS, ``runs.py``),
CPU seconds and each contender's speed as a share of DuckDB's own reader; then the verdicts:
the DuckDB loader at 90 % of DuckDB's own speed or better, and its peak memory at the largest
size within 1.5x of the smallest. Numbers are only comparable within one run.

    python bench/files.py                                  # 5M rows, both formats
    python bench/files.py --rows 1M 5M --repeat 3 --markdown
    python bench/files.py --rows 500k --format csv --no-postgres
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from contenders import Contender
from load import parse_size
from report import Row, failure_summary, human_rows
from runs import BenchError, Plan, run_plan
from servers import WAREHOUSE_DB, Servers, ensure_database, given_server, start_embedded
from trip_files import write_landing
from trip_layout import CSV_COLUMNS, DATASETS, SCHEMA, SOURCE

FLOORS = {"parquet": "duckdb-read_parquet", "csv": "duckdb-read_csv"}
TARGET_SHARE = 0.90  # the loader's speed as a share of DuckDB's own reader's
FLAT = 1.5  # peak memory at the largest size within this factor of the smallest's
CHECKOUT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "files_worker.py"  # each contender's process
HEADERS = ("contender", "rows", "seconds", "rows/s", "peak MB", "cpu s", "% of DuckDB's own")


def contenders(fmt: str, postgres: bool) -> list[Contender]:
    # The source "files" is this benchmark's own: report.Row only needs name and warehouse.
    names = ["loader-duckdb", FLOORS[fmt], "pandas-duckdb"]
    if postgres:
        names.insert(1, "loader-postgres")
    kinds = {"loader-duckdb": "loader", "loader-postgres": "loader", FLOORS[fmt]: "floor"}
    return [
        Contender(n, "postgres" if n.endswith("postgres") else "duckdb", kinds.get(n, "pandas"))
        for n in names
    ]


def write_sources_file(path: Path, landing: Path, fmt: str) -> None:
    """The bench source, with the one dataset of `fmt` (types as the lake's in sources.yml)."""
    dataset = {"format": fmt}
    if fmt == "csv":
        dataset["columns"] = CSV_COLUMNS  # type: ignore[assignment]
    source = {"kind": "files", "landing_url": str(landing), "tables": {DATASETS[fmt]: dataset}}
    path.write_text(json.dumps({"sources": {SOURCE: source}}, indent=2))  # JSON is YAML


# -- one measured run --------------------------------------------------------------------------


def prepare(contender: Contender, fmt: str, landing: Path, workdir: Path, servers: Servers) -> Plan:
    env = dict(os.environ, ELT_SOURCES_FILE=str(workdir / f"sources_{fmt}.yml"))
    if contender.warehouse == "duckdb":
        dest = workdir / "dest.duckdb"
        for path in (dest, dest.with_name(dest.name + ".wal")):
            path.unlink(missing_ok=True)
        target, watched = str(dest), ()
    else:
        import psycopg

        with psycopg.connect(servers.warehouse_url, autocommit=True) as connection:
            connection.execute(f"drop schema if exists {SCHEMA} cascade")
            connection.execute("drop schema if exists elt cascade")
        target, watched = servers.warehouse_url, ("postgres",)
    argv = [sys.executable, str(WORKER), contender.name, fmt, str(landing), target]
    return Plan([argv], env, CHECKOUT, watched)


def count_rows(contender: Contender, fmt: str, workdir: Path, servers: Servers) -> int:
    sql = f"select count(*) from {SCHEMA}.{DATASETS[fmt]}"
    if contender.warehouse == "duckdb":
        import duckdb

        with duckdb.connect(str(workdir / "dest.duckdb"), read_only=True) as connection:
            found = connection.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(servers.warehouse_url) as connection:
            found = connection.execute(sql).fetchone()
    return int(found[0]) if found else -1


def run_size(
    rows: int, args: argparse.Namespace, workdir: Path, servers: Servers
) -> dict[str, list[Row]]:
    landing = workdir / f"landing_{rows}"
    started = time.perf_counter()
    size = write_landing(landing, rows, args.months, args.format, args.seed)
    print(
        f"{human_rows(rows)} trips in {args.months} months as {' and '.join(args.format)}: "
        f"{size / 1e6:,.0f} MB written in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    results: dict[str, list[Row]] = {}
    for fmt in args.format:
        write_sources_file(workdir / f"sources_{fmt}.yml", landing, fmt)
        chosen = contenders(fmt, bool(servers.warehouse_url))
        runs: dict[str, list] = {c.name: [] for c in chosen}
        for _ in range(args.repeat):  # interleaved, so that noise falls on every contender
            for contender in chosen:
                plan = prepare(contender, fmt, landing, workdir, servers)
                measurement, _ = run_plan(plan, servers)
                found = count_rows(contender, fmt, workdir, servers)
                if found != rows:
                    raise BenchError(f"{contender.name} ({fmt}): {found:,} rows, expected {rows:,}")
                runs[contender.name].append(measurement)
                print(
                    f"  {fmt} {contender.name}: {measurement.seconds:.2f} s, "
                    f"{measurement.peak_mb:,.0f} MB",
                    file=sys.stderr,
                )
        results[fmt] = [Row(c, rows, tuple(runs[c.name]), table=fmt) for c in chosen]
    shutil.rmtree(landing)
    return results


# -- the report --------------------------------------------------------------------------------


def table_lines(fmt: str, results: Sequence[Row]) -> list[list[str]]:
    floor = next(r for r in results if r.contender.name == FLOORS[fmt])
    return [
        [
            r.contender.name,
            f"{r.rows:,}",
            f"{r.seconds:.2f}",
            f"{r.rows_per_second:,.0f}",
            f"{r.peak_mb:,.0f}",
            f"{statistics.median(m.cpu_seconds for m in r.runs):.2f}",
            f"{100 * r.rows_per_second / floor.rows_per_second:.0f} %",
        ]
        for r in results
    ]


def render(lines: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(HEADERS) + " |", "|---" + "|--:" * (len(HEADERS) - 1) + "|"]
        return out + ["| " + " | ".join(line) + " |" for line in lines]
    widths = [max(len(x[i]) for x in [list(HEADERS), *lines]) for i in range(len(HEADERS))]
    out = []
    for number, line in enumerate([list(HEADERS), *lines]):
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def verdicts(by_size: dict[int, dict[str, list[Row]]], formats: Sequence[str]) -> list[str]:
    sizes = sorted(by_size)
    lines = []
    for fmt in formats:
        for rows in sizes:
            named = {r.contender.name: r for r in by_size[rows][fmt]}
            share = named["loader-duckdb"].rows_per_second / named[FLOORS[fmt]].rows_per_second
            met = "met" if share >= TARGET_SHARE else "NOT met"
            lines.append(
                f"speed ({fmt}, {human_rows(rows)}): loader-duckdb at {100 * share:.0f} % of "
                f"{FLOORS[fmt]} (target >= {100 * TARGET_SHARE:.0f} %: {met})"
            )
        if len(sizes) > 1:
            for name in (c.name for c in contenders(fmt, True)):
                small = {r.contender.name: r for r in by_size[sizes[0]][fmt]}.get(name)
                large = {r.contender.name: r for r in by_size[sizes[-1]][fmt]}.get(name)
                if small is None or large is None:
                    continue
                growth = large.peak_mb / small.peak_mb
                flat = f" (flat = within {FLAT}x: {'yes' if growth <= FLAT else 'no'})"
                lines.append(
                    f"memory ({fmt}) {name}: {small.peak_mb:,.0f} MB at {human_rows(sizes[0])} "
                    f"-> {large.peak_mb:,.0f} MB at {human_rows(sizes[-1])}, {growth:.2f}x"
                    + (flat if name.startswith("loader-") else "")
                )
    return lines


def report(by_size: dict[int, dict[str, list[Row]]], args: argparse.Namespace) -> str:
    runs = "1 run" if args.repeat == 1 else f"median of {args.repeat} runs"
    out: list[str] = []
    for markdown in (False, True) if args.markdown else (False,):
        if markdown:
            out += ["", "---- Markdown ----"]
        for rows in sorted(by_size):
            for fmt in args.format:
                heading = f"{fmt}: {human_rows(rows)} trips in {args.months} files, {runs}"
                out += ["", f"**{heading}**" if markdown else f"== {heading}", *([""] * markdown)]
                out += render(table_lines(fmt, by_size[rows][fmt]), markdown)
        out += ["", *verdicts(by_size, args.format)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", nargs="+", type=parse_size, default=[5_000_000])
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument(
        "--format", nargs="+", choices=("parquet", "csv"), default=["parquet", "csv"]
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--markdown", action="store_true", help="the tables in Markdown too")
    parser.add_argument("--no-postgres", action="store_true", help="no loader-postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("ELT_BENCH_POSTGRES_URL"))
    parser.add_argument("--workdir", type=Path, help="where the landing goes (default: $TMPDIR)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.workdir)))
        servers = Servers("", "", "", None)
        if not args.no_postgres:
            if args.postgres_url:
                servers = given_server(args.postgres_url, None)
            else:
                servers = start_embedded(keep=False, pgdata=None)
            ensure_database(servers.source_url, WAREHOUSE_DB)
        by_size = {}
        for rows in sorted(set(args.rows)):
            try:
                by_size[rows] = run_size(rows, args, workdir, servers)
            except BenchError as error:
                raise SystemExit(f"error: {failure_summary(str(error))}\n{error}") from None
    print(report(by_size, args))


if __name__ == "__main__":
    main()
