"""`elt`: the project's command line. `elt --help` lists the commands."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from extract_load import (
    ConfigError,
    EltError,
    LoadFailed,
    Settings,
    TableResult,
    load_sources,
    plan_tables,
)

from .demo import with_demo_sources
from .docs import DEFAULT_PORT
from .source_commands import add_source_option, add_sources_parser
from .text_tables import format_table

__all__ = ["main"]

log = logging.getLogger("elt")


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    # The project's own progress at INFO; libraries (alembic, the embedded server) only warn.
    for name in ("elt", "extract_load", "demo_sources", "orchestration"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.INFO)


def load_summary(results: Sequence[TableResult]) -> str:
    rows = [
        (
            r.key,
            r.mode,
            r.status,
            r.rows_read,
            r.rows_quarantined,
            "-" if r.rows_deleted is None else r.rows_deleted,  # key sets not compared
            r.rows_changed,
            round(r.seconds, 2),
        )
        for r in results
    ]
    total = (
        "total",
        "",
        "",
        sum(r.rows_read for r in results),
        sum(r.rows_quarantined for r in results),
        sum(r.rows_deleted or 0 for r in results),
        sum(r.rows_changed for r in results),
        round(max((r.seconds for r in results), default=0), 2),
    )
    header = ("table", "mode", "status", "rows read", "quarantined", "deleted", "rows changed")
    return format_table((*header, "seconds"), [*rows, total])


def _cmd_load(args: argparse.Namespace) -> int:
    from extract_load.files_source import parse_months  # pyarrow: only for --month

    months = parse_months(args.month) if args.month else None
    settings = Settings.from_env()
    chosen = [settings.source(name) for name in args.source or settings.sources]
    databases = [source.name for source in chosen if source.kind != "files"]
    if (months is not None or args.reload) and databases:
        raise ConfigError(
            f"{'--month' if months else '--reload'} is for files sources, and "
            f"{', '.join(databases)} is not one: name the files source with --source"
        )
    settings = with_demo_sources(settings, args.source)
    pairs = plan_tables(settings, args.source, args.table)
    log.info("loading %d table(s) into %s", len(pairs), settings.warehouse_label())
    started = time.monotonic()
    try:
        results = load_sources(settings, pairs, months=months, reload_files=args.reload)
    except LoadFailed as failure:
        print(load_summary(failure.results))
        raise
    print(load_summary(results))
    print(f"\n{len(results)} table(s) loaded in {time.monotonic() - started:.1f} s")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from extract_load.compare import compare_sources

    settings = with_demo_sources(Settings.from_env(), args.source)
    pairs = plan_tables(settings, args.source, args.table)
    if not args.source:  # files reconcile file by file, in elt.loaded_files and elt.quarantine;
        # an API has no table to compare with
        pairs = [(source, table) for source, table in pairs if source.kind not in ("files", "http")]
    comparisons = compare_sources(settings, pairs)
    rows = [
        (
            c.raw_table,
            c.source_rows,
            c.raw_rows,
            c.missing_in_raw,
            c.not_in_source,
            "equal" if c.matches else "DIFFERENT",
        )
        for c in comparisons
    ]
    print(
        format_table(
            ("table", "source rows", "raw rows", "not in raw", "not in source", "result"), rows
        )
    )
    return 0 if all(c.matches for c in comparisons) else 1


def _cmd_tables(args: argparse.Namespace) -> int:
    settings = with_demo_sources(Settings.from_env(), args.source)
    rows = [
        (
            f"{source.name}.{table.name}",
            source.url_env,
            table.mode,
            ", ".join(table.primary_key),
            table.cursor_column or "",
            ", ".join(table.exclude_columns),
        )
        for source, table in plan_tables(settings, args.source)
    ]
    print(format_table(("table", "url variable", "mode", "key", "cursor", "excluded"), rows))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import demo_sources

    if args.demo_command == "create":
        pagila_url, courses_url = demo_sources.ensure_demo(
            scale=args.scale, seed=args.seed, rebuild=True
        )
        counts = demo_sources.row_counts(pagila_url, courses_url)
        print(format_table(("table", "rows"), sorted(counts.items())))
    elif args.demo_command == "add-day":
        pagila_url, courses_url = demo_sources.ensure_demo()
        counts = demo_sources.add_day(pagila_url, courses_url, seed=args.seed)
        print(format_table(("change", "rows"), sorted(counts.items())))
    elif args.demo_command == "urls":
        pagila_url, courses_url = demo_sources.ensure_demo()
        print(f"PAGILA_URL={pagila_url}\nCOURSES_URL={courses_url}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .run import run_everything  # Dagster is imported only for the commands that need it

    return run_everything()


def _cmd_dagster_home(args: argparse.Namespace) -> int:
    from .instance import ensure_instance_settings

    home = args.home or os.environ.get("DAGSTER_HOME")
    if not home:
        raise ConfigError(
            "DAGSTER_HOME is not set: set it to the folder that keeps Dagster's run history "
            "(or give the folder: elt dagster-home PATH)"
        )
    print(ensure_instance_settings(Path(home).expanduser().resolve()))
    return 0


def _cmd_recommend(args: argparse.Namespace) -> int:
    from .analyses import run_analysis
    from .recommendations import choose_method

    settings = Settings.from_env()
    if settings.warehouse == "spark":
        raise EltError(
            "elt recommend reads DuckDB or PostgreSQL marts; on Spark, query "
            "analytics.rec_course_recommendations with Spark SQL, or compile the analysis: "
            "elt dbt compile --select recommendations_for_user"
        )
    method = choose_method(settings, args.method)
    columns, rows = run_analysis(
        "recommendations_for_user",
        {"user_id": args.user_id, "threshold": args.threshold, "method": method},
    )
    if not rows:
        print(f"no recommendation for user {args.user_id} above {args.threshold} by {method}")
        return 0
    print(f"method: {method}")
    print(format_table(columns, rows))
    return 0


def _cmd_dbt(args: argparse.Namespace) -> int:
    """dbt on the configured warehouse: the repository's project and profile, and the
    variables the profile reads (extract_load.settings.dbt_profile_environment)."""
    import subprocess

    from .dbt_project import dbt_executable, dbt_project, prepare_dbt_environment

    command = [dbt_executable(), *args.dbt_args]
    for option, folder in (
        ("--project-dir", dbt_project.project_dir),
        ("--profiles-dir", dbt_project.profiles_dir),
    ):
        if not any(arg.startswith(option) for arg in args.dbt_args):
            command += [option, str(folder)]
    prepare_dbt_environment()
    return subprocess.run(command, check=False).returncode


def _cmd_docs(args: argparse.Namespace) -> int:
    from .docs import serve_docs

    return serve_docs(args.port, args.target_path)


def _cmd_warehouse(args: argparse.Namespace) -> int:
    from orchestration.serving.roles import (
        Members,
        access_rows,
        describe_roles,
        init_warehouse,
        schema_access,
    )

    settings = Settings.from_env()
    if settings.warehouse != "postgres" or not settings.postgres_url:
        raise ConfigError(
            "elt warehouse init sets up roles on a PostgreSQL warehouse: set "
            "ELT_WAREHOUSE=postgres and ELT_POSTGRES_URL to the warehouse as an administrator "
            "(a DuckDB file has no roles)"
        )
    members = Members(
        tuple(args.loader or ()), tuple(args.transformer or ()), tuple(args.analyst or ())
    )
    raw_schemas = [source.raw_schema for source in settings.sources.values()]
    statements = init_warehouse(settings.postgres_url, raw_schemas, members)
    if args.verbose:
        print(";\n".join(statements) + ";\n")
    print(format_table(("role", "login", "members"), describe_roles(settings.postgres_url)))
    print()
    print(
        format_table(("schema", "written by", "read by"), access_rows(schema_access(raw_schemas)))
    )
    print(f"\nroles and privileges in place ({settings.warehouse_label()})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="elt", description="Load sources into the warehouse and build the marts."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="materialise the whole Dagster graph (the main job) and print a summary"
    )
    run.set_defaults(func=_cmd_run)

    dagster_home = commands.add_parser(
        "dagster-home",
        help="give the Dagster instance in DAGSTER_HOME the settings that queue runs writing "
        "the warehouse (its dagster.yaml: created, or completed, never overwritten)",
    )
    dagster_home.add_argument(
        "home", nargs="?", help="the instance's folder (default: $DAGSTER_HOME)"
    )
    dagster_home.set_defaults(func=_cmd_dagster_home)

    recommend = commands.add_parser(
        "recommend",
        help="a user's recommended courses rated above a threshold (analyses/"
        "recommendations_for_user.sql)",
    )
    recommend.add_argument("--user-id", type=int, required=True)
    recommend.add_argument(
        "--threshold",
        type=float,
        default=0.0,
        help="only courses whose average rating is above this",
    )
    recommend.add_argument(
        "--method",
        help="a method of marts.rec_course_recommendations (avg_rating is the course notes'); "
        "default: the best hit rate in marts.rec_evaluation, else avg_rating",
    )
    recommend.set_defaults(func=_cmd_recommend)

    docs = commands.add_parser(
        "docs",
        help="dbt docs generate (with the catalogue) on the warehouse, then serve the site on "
        "127.0.0.1 and print its address",
    )
    docs.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: a free one)",
    )
    docs.add_argument(
        "--target-path",
        type=Path,
        help="where dbt writes the site (default: dbt_project/target)",
    )
    docs.set_defaults(func=_cmd_docs)

    load = commands.add_parser("load", help="load source tables into the raw schemas")
    add_source_option(load)
    load.add_argument(
        "--table", action="append", help="only this table, as name or source.name (repeatable)"
    )
    load.add_argument(
        "--month",
        help="files sources: only the files of this month (YYYY-MM) or range (YYYY-MM..YYYY-MM)",
    )
    load.add_argument(
        "--reload",
        action="store_true",
        help="files sources: load the chosen files again even if unchanged (after a change of "
        "their columns in sources.yml); each replaces its own rows",
    )
    load.set_defaults(func=_cmd_load)

    compare = commands.add_parser(
        "compare", help="compare raw tables with their sources, every row (exit 1 if they differ)"
    )
    add_source_option(compare)
    compare.add_argument("--table", action="append")
    compare.set_defaults(func=_cmd_compare)

    tables = commands.add_parser(
        "tables", help="the tables sources.yml selects, resolved against the catalogs"
    )
    add_source_option(tables)
    tables.set_defaults(func=_cmd_tables)

    add_sources_parser(commands)

    dbt = commands.add_parser(
        "dbt",
        help="run dbt on the configured warehouse with the repository's project and profile, "
        "e.g. elt dbt build --select fct_rentals",
    )
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt's own arguments")
    dbt.set_defaults(func=_cmd_dbt)

    demo = commands.add_parser("demo", help="the embedded demo sources")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    create = demo_commands.add_parser("create", help="(re)create the demo databases")
    create.add_argument(
        "--scale", type=float, default=1.0, help="1.0 is about the public pagila and 100k ratings"
    )
    create.add_argument("--seed", type=int, default=42)
    add_day = demo_commands.add_parser("add-day", help="add a day of new activity")
    add_day.add_argument("--seed", type=int, default=7)
    demo_commands.add_parser("urls", help="print the demo databases' URLs")
    demo.set_defaults(func=_cmd_demo)

    warehouse = commands.add_parser("warehouse", help="administer a PostgreSQL warehouse")
    warehouse_commands = warehouse.add_subparsers(dest="warehouse_command", required=True)
    init = warehouse_commands.add_parser(
        "init",
        help="create the roles elt_loader, elt_transformer and analyst, the schemas and their "
        "privileges (idempotent; run as an administrator)",
    )
    for option, group in (
        ("--loader", "elt_loader"),
        ("--transformer", "elt_transformer"),
        ("--analyst", "analyst"),
    ):
        init.add_argument(
            option,
            action="append",
            metavar="LOGIN",
            help=f"an existing login role to make a member of {group} (repeatable)",
        )
    warehouse.set_defaults(func=_cmd_warehouse)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler, `kill`, a container stopping): stop as Ctrl-C does, loads
    cancelled with nothing of them published."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args))
    except EltError as error:
        print(f"elt: {error}", file=sys.stderr)
        return 2 if not isinstance(error, LoadFailed) else 1
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, _Terminated)
        print(f"elt: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
