"""The scale story: the same marts built on DuckDB, PostgreSQL and Spark, at demo scales 1, 10
and 100, in one run.

For each scale the demo sources are built at that scale (in the benchmark's embedded PostgreSQL
server), with the demo lake (6,000 trips) scaled alike and the demo API. For each engine,
`elt load` and then `elt dbt build` run as whole processes, as a user runs them; each is timed,
and the peak memory of its process tree (for Spark, the JVM it starts) is sampled, with the
PostgreSQL server's own where PostgreSQL is the warehouse (it does the work there). dbt's vars
can be given (`--vars '{film_neighbours_per_film: 20}'`): the quadratic film co-rentals decide
how far PostgreSQL goes (dbt_project.yml says why).

    python bench/scale.py --scales 1 10 100 [--engines duckdb postgres spark] [--markdown]
        [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from runs import PeakMemory
from servers import ensure_database, start_embedded, with_dbname

REPOSITORY = Path(__file__).resolve().parent.parent
ELT = str(Path(sys.executable).with_name("elt"))
ENGINES = ("duckdb", "postgres", "spark")


@dataclass(frozen=True)
class Step:
    seconds: float
    peak_mb: float  # the command's process tree
    server_peak_mb: float | None  # the PostgreSQL server's processes, when it is the warehouse
    succeeded: bool = True
    timed_out: bool = False


@dataclass(frozen=True)
class Row:
    engine: str
    scale: float
    rentals: int
    ratings: int
    load: Step
    build: Step


def measured(
    args: Sequence[str],
    env: dict[str, str],
    server_pid: int | None,
    log: Path,
    timeout: float | None,
) -> Step:
    """Run one command; its wall seconds and peak memory (and the server's, if given).

    A command still running after `timeout` seconds is stopped, with its whole process group
    (Spark's JVM too), and its step is marked as stopped at that time.
    """
    timed_out = False
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            args, env=env, cwd=REPOSITORY, stdout=out, stderr=out, start_new_session=True
        )
        sampler = PeakMemory([process.pid])
        server = PeakMemory([server_pid], interval=0.05) if server_pid else None
        sampler.start()
        if server:
            server.start()
        try:
            status = process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGTERM)
            try:
                status = process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                status = process.wait()
        except BaseException:  # the benchmark itself is stopped: the step too
            os.killpg(process.pid, signal.SIGKILL)
            raise
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        server_peak = server.stop() if server else None
    if status != 0:  # the run goes on: the table says where an engine stopped
        kept = Path(tempfile.gettempdir()) / f"elt-scale-failed-{log.parent.name}-{log.name}"
        shutil.copyfile(log, kept)
        what = f"stopped after {timeout:g} s" if timed_out else f"failed ({status})"
        print(f"  {' '.join(args[1:])} {what}; see {kept}", file=sys.stderr)
    return Step(seconds, peak, server_peak, status == 0 and not timed_out, timed_out)


def demo_sources(server_url: str, scale: float, keep: bool) -> tuple[str, str, dict[str, int]]:
    """The demo databases at `scale` (reused with --keep when they exist); their row counts."""
    import psycopg

    from demo_sources.demo import create_demo

    tag = f"{scale:g}".replace(".", "_")
    pagila, courses = (
        with_dbname(server_url, f"pagila_s{tag}"),
        with_dbname(server_url, f"courses_s{tag}"),
    )
    counts: dict[str, int] = {}
    existing = False
    if keep:
        with psycopg.connect(server_url, autocommit=True) as connection:
            found = connection.execute(
                "select 1 from pg_database where datname = %s", (f"courses_s{tag}",)
            ).fetchone()
            existing = found is not None
    if not existing:
        ensure_database(server_url, f"pagila_s{tag}")
        ensure_database(server_url, f"courses_s{tag}")
        started = time.perf_counter()
        print(f"building the demo sources at scale {scale:g}...", file=sys.stderr, flush=True)
        create_demo(pagila, courses, scale=scale, seed=42)
        print(f"  in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    for url, table in ((pagila, "rental"), (courses, "ratings")):
        with psycopg.connect(url) as connection:
            row = connection.execute(f"select count(*) from {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
    return pagila, courses, counts


def warehouse_env(engine: str, work: Path, server_url: str, scale: float) -> dict[str, str]:
    if engine == "duckdb":
        return {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": str(work / "warehouse.duckdb")}
    if engine == "spark":
        return {
            "ELT_WAREHOUSE": "spark",
            "ELT_LAKE_URL": str(work / "lake"),
            "ELT_SPARK_DIR": str(work / "spark"),
        }
    import psycopg
    from psycopg import sql

    name = f"scale_warehouse_{f'{scale:g}'.replace('.', '_')}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": with_dbname(server_url, name)}


def run_scale(
    scale: float,
    engines: Sequence[str],
    server_url: str,
    server_pid: int | None,
    work: Path,
    keep: bool,
    dbt_vars: str | None,
    timeout: float | None,
) -> list[Row]:
    from demo_sources.hn_api import demo_api
    from demo_sources.lake import write_lake

    pagila, courses, counts = demo_sources(server_url, scale, keep)
    landing = work / f"landing-{scale:g}"
    if not landing.exists():
        write_lake(landing, rows_per_month=max(1, int(1000 * scale)))
    sources = {
        "PAGILA_URL": pagila,
        "COURSES_URL": courses,
        "LAKE_URL": str(landing),
        "API_URL": demo_api(),
    }
    rows = []
    for engine in engines:
        folder = work / f"{engine}-{scale:g}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env = {
            **os.environ,
            **sources,
            **warehouse_env(engine, folder, server_url, scale),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        pid = server_pid if engine == "postgres" else None
        print(f"{engine} at scale {scale:g}: loading...", file=sys.stderr, flush=True)
        load = measured([ELT, "load"], env, pid, folder / "load.log", timeout)
        if not load.succeeded:
            continue
        print(f"  {load.seconds:.1f} s; building the marts...", file=sys.stderr, flush=True)
        dbt_args = [ELT, "dbt", "build", *(["--vars", dbt_vars] if dbt_vars else [])]
        build = measured(dbt_args, env, pid, folder / "build.log", timeout)
        print(
            f"  {build.seconds:.1f} s; peak {build.peak_mb:,.0f} MB"
            + (f", server {build.server_peak_mb:,.0f} MB" if build.server_peak_mb else ""),
            file=sys.stderr,
            flush=True,
        )
        rows.append(Row(engine, scale, counts["rental"], counts["ratings"], load, build))
    return rows


def outcome(step: Step) -> str:
    if step.timed_out:
        return " (stopped unfinished)"
    return "" if step.succeeded else " (failed)"


def table(rows: Sequence[Row], markdown: bool) -> str:
    header = [
        "engine",
        "scale",
        "rentals",
        "ratings",
        "load s",
        "dbt build s",
        "build peak MB",
        "PostgreSQL server peak MB",
    ]
    lines = [
        [
            row.engine,
            f"{row.scale:g}",
            f"{row.rentals:,}",
            f"{row.ratings:,}",
            f"{row.load.seconds:.1f}",
            f"{row.build.seconds:.1f}" + outcome(row.build),
            f"{row.build.peak_mb:,.0f}",
            "" if row.build.server_peak_mb is None else f"{row.build.server_peak_mb:,.0f}",
        ]
        for row in rows
    ]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join([*out, *("| " + " | ".join(line) + " |" for line in lines)])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in [header, *lines]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--vars", help="dbt vars for every build, as dbt takes them (YAML)")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the demo databases")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument(
        "--timeout", type=float, help="stop a load or build still running after this many seconds"
    )
    args = parser.parse_args(argv)
    # Terminated (kill, a CI's timeout): the work folder is removed all the same; a scale-100
    # run leaves tens of GB in it.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    servers = start_embedded(args.keep, None)
    work = Path(tempfile.mkdtemp(prefix="elt-scale-"))
    rows: list[Row] = []
    try:
        for scale in args.scales:
            rows += run_scale(
                scale,
                args.engines,
                servers.source_url,
                servers.postmaster_pid,
                work,
                args.keep,
                args.vars,
                args.timeout,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nthe marts on each engine, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / (1 << 30):.0f} GB (vars: {args.vars or 'defaults'})"
    )
    print(table(rows, args.markdown))


if __name__ == "__main__":
    main()
