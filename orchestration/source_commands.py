"""`elt sources ...`: discover a database, check sources.yml against the live sources, and
write dbt's sources from it."""

from __future__ import annotations

import argparse
import os
import sys

from extract_load import ConfigError, EltError, Settings, SourceSpec
from extract_load.config import check_source_name
from extract_load.discover import discovery_entry
from extract_load.pipeline import read_catalog, resolve_source
from extract_load.settings import validate_source_url

from .demo import with_demo_sources
from .locations import DBT_PROJECT_DIR

__all__ = ["add_source_option", "add_sources_parser"]


def _discover(args: argparse.Namespace) -> int:
    check_source_name(args.name, "--name")
    source = SourceSpec(args.name, args.url_env, kind=args.kind, source_schema=args.schema)
    url = os.environ.get(args.url_env, "").strip()
    if not url:
        raise ConfigError(f"{args.url_env} is not set: export it with the database's URL first")
    validate_source_url(url, source)
    catalog = read_catalog(source, url)
    print(discovery_entry(args.name, args.kind, args.url_env, args.schema, catalog), end="")
    tables = sum(1 for table in catalog if table.is_base_table)
    print(
        f"# {tables} table(s) in {source.schema or 'the database'}: paste the entry under "
        f"`sources:` in {Settings.from_env().sources_file.name}, then run `elt sources check`",
        file=sys.stderr,
    )
    return 0


def _source_problems(settings: Settings, source: SourceSpec) -> list[str]:
    """Everything wrong with one entry, against its live source and its dbt sources file."""
    try:
        tables, problems = resolve_source(settings, source)
    except EltError as error:
        return [f"{settings.sources_file}: source {source.name!r}: {error}"]
    from .dbt_sources import dbt_sources_path, dbt_sources_yaml  # Dagster: only here

    path = dbt_sources_path(DBT_PROJECT_DIR, source.name)
    expected = dbt_sources_yaml(source, tables)
    if not problems and (not path.exists() or path.read_text(encoding="utf-8") != expected):
        state = "is missing" if not path.exists() else "disagrees with sources.yml"
        problems.append(f"{path}: {state}; run `elt sources dbt --source {source.name}`")
    return problems


def _chosen(args: argparse.Namespace) -> tuple[Settings, list[SourceSpec]]:
    """The settings (demo filled in) and the sources `--source` names, or all of them."""
    settings = with_demo_sources(Settings.from_env(), args.source)
    names = args.source or list(settings.sources)
    return settings, [settings.source(name) for name in names]


def _check(args: argparse.Namespace) -> int:
    settings, chosen = _chosen(args)
    problems = []
    for source in chosen:
        found = _source_problems(settings, source)
        problems += found
        if not found:
            print(f"{source.name}: ok")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def _dbt(args: argparse.Namespace) -> int:
    from .dbt_sources import dbt_sources_path, dbt_sources_yaml  # Dagster: only here

    settings, chosen = _chosen(args)
    for source in chosen:
        tables, problems = resolve_source(settings, source)
        if problems:
            raise ConfigError("\n".join(problems))
        path = dbt_sources_path(DBT_PROJECT_DIR, source.name)
        text = dbt_sources_yaml(source, tables)
        unchanged = path.exists() and path.read_text(encoding="utf-8") == text
        if not unchanged:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print(f"{path}: {len(tables)} table(s){' (unchanged)' if unchanged else ''}")
    return 0


def add_source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", action="append", help="only this source of sources.yml (repeatable)"
    )


def add_sources_parser(commands: argparse._SubParsersAction) -> None:
    sources = commands.add_parser("sources", help="discover and check the sources of sources.yml")
    verbs = sources.add_subparsers(dest="sources_command", required=True)
    discover = verbs.add_parser(
        "discover", help="print a sources.yml entry for a database, from its catalog"
    )
    discover.add_argument("--name", required=True, help="the source's name (raw_<name>)")
    discover.add_argument("--kind", required=True, choices=("postgres", "mysql"))
    discover.add_argument(
        "--url-env", required=True, help="the environment variable holding its URL"
    )
    discover.add_argument("--schema", help="the schema to read (default: public for postgres)")
    discover.set_defaults(func=_discover)
    check = verbs.add_parser(
        "check", help="compare sources.yml with the live sources and dbt's sources (exit 1)"
    )
    add_source_option(check)
    check.set_defaults(func=_check)
    dbt = verbs.add_parser("dbt", help="write dbt's sources file of each source")
    add_source_option(dbt)
    dbt.set_defaults(func=_dbt)
