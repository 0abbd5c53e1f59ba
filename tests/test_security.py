"""Security of a PostgreSQL warehouse: least-privilege roles (`elt warehouse init`), names from
configuration that never reach SQL unquoted, and credentials that land in no log or file.

One warehouse is built the way the README says to run it with roles: an administrator runs
`elt warehouse init`, a login member of elt_loader runs `elt load`, a login member of
elt_transformer runs `dbt build`, each with a password in its URL. On the tests' own embedded
server the passwords are really checked (scram-sha-256, for these logins only).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from logins import PASSWORD, WRONG_PASSWORD, as_login, password_authentication, query
from psycopg import sql

from conftest import source_urls
from extract_load import ConfigError, Settings, SourceError, load_sources, plan_tables
from extract_load.identifiers import qualified
from extract_load.postgres_source import connect_source, read_table_info
from extract_load.schemas import DBT_SCHEMAS
from extract_load.settings import dbt_profile_environment
from extract_load.warehouse.postgres import PostgresWarehouse
from orchestration.cli import main
from orchestration.serving.roles import PUBLISHED_SCHEMAS, schema_access

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EVIL = 'orders"; drop table raw_pagila.film;--'

SCHEMAS = (
    "raw_pagila",
    "raw_courses",
    "raw_lake",
    "elt",
    "staging",
    "intermediate",
    "snapshots",
    "marts",
    "analytics",
)
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
SCHEMA_PRIVILEGES = ("USAGE", "CREATE")
WRITE = frozenset({*TABLE_PRIVILEGES, *SCHEMA_PRIVILEGES})
READ = frozenset({"SELECT", "USAGE"})
NONE: frozenset[str] = frozenset()
# What each role may do on each schema's tables and on the schema itself.
EXPECTED = {
    #          raw_pagila raw_courses raw_lake elt staging intermediate snapshots marts analytics
    "elt_loader": dict(
        zip(SCHEMAS, (WRITE, WRITE, WRITE, WRITE, NONE, NONE, NONE, NONE, NONE), strict=True)
    ),
    "elt_transformer": dict(
        zip(SCHEMAS, (READ, READ, READ, NONE, WRITE, WRITE, WRITE, WRITE, WRITE), strict=True)
    ),
    "analyst": dict(
        zip(SCHEMAS, (NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, READ), strict=True)
    ),
}
OWNERS = {
    "raw_pagila": "elt_loader",
    "raw_courses": "elt_loader",
    "raw_lake": "elt_loader",
    "elt": "elt_loader",
    "staging": "elt_transformer",
    "intermediate": "elt_transformer",
    "snapshots": "elt_transformer",
    "marts": "elt_transformer",
    "analytics": "elt_transformer",
}


# -- helpers ----------------------------------------------------------------------------------
def run(command: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ELT_WAREHOUSE", "ELT_POSTGRES_URL", "ELT_DUCKDB_PATH", "DAGSTER_HOME")
    }
    return subprocess.run(
        command,
        cwd=REPOSITORY,
        env={**clean, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def dbt(args: list[str], url: str, work: Path) -> subprocess.CompletedProcess:
    return run(
        [
            str(BIN / "dbt"),
            *args,
            "--project-dir",
            "dbt_project",
            "--profiles-dir",
            "profiles",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        {
            "ELT_WAREHOUSE": "postgres",
            "ELT_POSTGRES_URL": url,
            **dbt_profile_environment({"ELT_POSTGRES_URL": url}),
        },
    )


# -- the warehouse, built with roles ------------------------------------------------------------
@pytest.fixture(scope="module")
def secured(tmp_path_factory, new_database, demo_sources_factory) -> Iterator[dict]:
    work = tmp_path_factory.mktemp("security")
    pagila_url, courses_url = demo_sources_factory()
    admin_url = new_database("secured")
    suffix = uuid.uuid4().hex[:8]
    logins = {
        kind: f"elt_test_{kind}_{suffix}" for kind in ("loader", "transformer", "analyst", "pipe")
    }
    for login in logins.values():
        query(
            admin_url,
            sql.SQL("create role {} login password {}")
            .format(sql.Identifier(login), sql.Literal(PASSWORD))
            .as_string(),
        )
    try:
        with password_authentication(admin_url, list(logins.values())) as checked:
            init = ["warehouse", "init"]
            init += ["--loader", logins["loader"], "--transformer", logins["transformer"]]
            init += ["--analyst", logins["analyst"]]
            outputs = {}
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("ELT_WAREHOUSE", "postgres")
                patch.setenv("ELT_POSTGRES_URL", admin_url)
                codes = [main(init), main(init)]  # the second run changes nothing and succeeds
            loader_url = as_login(admin_url, logins["loader"])
            transformer_url = as_login(admin_url, logins["transformer"])
            # The whole orchestrated job, as `elt run` runs it: loads log in as the loader,
            # dbt and publishing as the transformer; no administrator's URL.
            (work / "dagster-home").mkdir()
            pipeline = run(
                [str(BIN / "elt"), "-v", "run"],
                {
                    "ELT_WAREHOUSE": "postgres",
                    "ELT_LOADER_URL": loader_url,
                    "ELT_TRANSFORMER_URL": transformer_url,
                    "DAGSTER_HOME": str(work / "dagster-home"),
                    "DBT_TARGET_PATH": str(work / "dbt" / "target"),
                    **source_urls(pagila_url, courses_url),
                },
                timeout=1800,
            )
            assert pipeline.returncode == 0, (pipeline.stdout + pipeline.stderr)[-4000:]
            outputs["elt run"] = pipeline.stdout + pipeline.stderr
            yield {
                "work": work,
                "admin_url": admin_url,
                "loader_url": loader_url,
                "transformer_url": transformer_url,
                "analyst_url": as_login(admin_url, logins["analyst"]),
                "pipe_login": logins["pipe"],
                "pagila_url": pagila_url,
                "courses_url": courses_url,
                "logins": logins,
                "outputs": outputs,
                "init_codes": codes,
                "passwords_checked": checked,
            }
    finally:
        for login in logins.values():
            for (database,) in query(
                admin_url,
                "select datname from pg_database where datdba = to_regrole(%s)",
                (f'"{login}"',),
            ):
                query(
                    admin_url,
                    sql.SQL("drop database {} with (force)")
                    .format(sql.Identifier(database))
                    .as_string(),
                )
            query(
                admin_url,
                sql.SQL("drop role if exists {}").format(sql.Identifier(login)).as_string(),
            )


def _privileges(url: str, roles: list[str]) -> dict[tuple[str, str, str], set[str]]:
    """(role, schema, relation or '' for the schema itself) -> the privileges the role holds,
    as PostgreSQL answers has_table_privilege / has_schema_privilege."""
    held: dict[tuple[str, str, str], set[str]] = {}
    tables = query(
        url,
        "select r.name, n.nspname::text, c.relname::text, p.privilege "
        "from unnest(%s::text[]) as r(name) cross join pg_class as c "
        "inner join pg_namespace as n on n.oid = c.relnamespace "
        "left join unnest(%s::text[]) as p(privilege) "
        "on has_table_privilege(r.name, c.oid, p.privilege) "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')",
        (roles, list(TABLE_PRIVILEGES), list(SCHEMAS)),
    )
    schemas = query(
        url,
        "select r.name, s.name, '', p.privilege "
        "from unnest(%s::text[]) as r(name) cross join unnest(%s::text[]) as s(name) "
        "left join unnest(%s::text[]) as p(privilege) "
        "on has_schema_privilege(r.name, s.name, p.privilege)",
        (roles, list(SCHEMAS), list(SCHEMA_PRIVILEGES)),
    )
    for role, schema, table, privilege in [*tables, *schemas]:
        privileges = held.setdefault((role, schema, table), set())
        if privilege is not None:
            privileges.add(privilege)
    return held


# -- 11: roles --------------------------------------------------------------------------------
def test_schema_list_is_the_sources_and_dbt_schemas():
    """One list: the sources' raw schemas, the loaders' `elt`, dbt's schemas (that these are
    exactly the schemas dbt builds in is checked on the manifest below)."""
    raw = [source.raw_schema for source in Settings.from_env({}).sources.values()]
    assert raw == ["raw_pagila", "raw_courses", "raw_lake", "raw_api"]
    schemas = [access.schema for access in schema_access(raw)]
    assert schemas == [
        *raw,
        "elt",
        *DBT_SCHEMAS,
        *PUBLISHED_SCHEMAS,
    ]
    assert set(SCHEMAS) <= set(schemas)
    assert set(PUBLISHED_SCHEMAS) == {"analytics"}


def test_every_role_has_exactly_its_privileges_on_every_schema_after_load_and_build(secured):
    """After the whole orchestrated job ran as `elt run` under ELT_LOADER_URL and
    ELT_TRANSFORMER_URL (the fixture): every table belongs to the group of the login that
    made it."""
    assert secured["init_codes"] == [0, 0]
    logins = secured["logins"]
    groups = {
        "elt_loader": logins["loader"],
        "elt_transformer": logins["transformer"],
        "analyst": logins["analyst"],
    }
    held = _privileges(secured["admin_url"], [*groups, *groups.values()])
    wrong = []
    for group, login in groups.items():
        for role in (group, login):  # a login member has what its group has
            for (who, schema, table), privileges in held.items():
                if who != role:
                    continue
                wanted = EXPECTED[group][schema]
                wanted = wanted & set(TABLE_PRIVILEGES if table else SCHEMA_PRIVILEGES)
                if privileges != wanted:
                    wrong.append((role, f"{schema}.{table}" if table else schema, privileges))
    assert wrong == []
    tables = {schema for (_, schema, table) in held if table}
    assert tables == set(SCHEMAS)  # every schema has tables: the matrix checked something
    # Loads ran as elt_loader and dbt as elt_transformer: they own what they created.
    owners = query(
        secured["admin_url"],
        "select n.nspname::text, pg_get_userbyid(c.relowner)::text, count(*) from pg_class as c "
        "inner join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm') group by 1, 2",
        (list(SCHEMAS),),
    )
    assert {(schema, owner) for schema, owner, _ in owners} == set(OWNERS.items())
    databases = query(
        secured["admin_url"],
        "select r, has_database_privilege(r, current_database(), 'CREATE'), "
        "has_schema_privilege(r, 'public', 'CREATE') from unnest(%s::text[]) as r",
        (list(groups),),
    )
    # no group may create schemas: `elt warehouse init` makes every one
    assert sorted(databases) == [
        ("analyst", False, False),
        ("elt_loader", False, False),
        ("elt_transformer", False, False),
    ]


def test_a_loader_finds_a_missing_raw_schema_and_names_the_fix(secured, tmp_path):
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  extra:\n    kind: postgres\n    url_env: EXTRA_URL\n"
        "    schema: public\n    tables:\n      actor: {}\n"
    )
    result = run(
        [str(BIN / "elt"), "load"],
        {
            "ELT_WAREHOUSE": "postgres",
            "ELT_LOADER_URL": secured["loader_url"],
            "ELT_TRANSFORMER_URL": secured["transformer_url"],
            "ELT_SOURCES_FILE": str(sources),
            "EXTRA_URL": secured["pagila_url"],
        },
    )
    assert result.returncode == 2, result.stderr
    assert "schema raw_extra does not exist" in result.stderr
    assert "(ELT_LOADER_URL) may not create it: run `elt warehouse init`" in result.stderr


def test_analyst_reads_the_published_marts_and_nothing_else(secured):
    with psycopg.connect(secured["analyst_url"], autocommit=True) as connection:
        users = connection.execute("select count(*) from analytics.dim_users").fetchone()[0]
        assert users > 1
        for table in (
            "raw_courses.users",
            "staging.stg_courses__users",
            "elt.load_batches",
            "marts.dim_users",  # the marts dbt is building, maybe not yet tested
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(f"select * from {table} limit 1")
        for schema in ("analytics", "marts", "public"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(f"create table {schema}.analyst_scratch (x int)")


def test_tables_created_later_are_readable_by_their_readers_without_a_grant(secured):
    work = secured["work"]
    mart = "rpt_revenue_by_store"
    with psycopg.connect(secured["transformer_url"], autocommit=True) as connection:
        connection.execute(f"drop table marts.{mart}")
        connection.execute(f"drop table analytics.{mart}")
    with psycopg.connect(secured["loader_url"], autocommit=True) as connection:
        connection.execute("create table raw_pagila.probe_raw as select 1 as x")
    try:
        rebuild = dbt(["build", "--select", mart], secured["transformer_url"], work / "rebuild")
        assert rebuild.returncode == 0, rebuild.stdout[-3000:]
        _publish(secured["transformer_url"])  # creates analytics.rpt_revenue_by_store anew
        query(secured["transformer_url"], "create table analytics.probe_mart as select 1 as x")
        analyst = secured["analyst_url"]
        assert query(analyst, f"select count(*) from analytics.{mart}")[0][0] > 0
        assert query(analyst, "select x from analytics.probe_mart") == [(1,)]  # default privileges
        assert query(secured["transformer_url"], "select x from raw_pagila.probe_raw") == [(1,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(analyst, "select x from raw_pagila.probe_raw")
    finally:
        query(
            secured["admin_url"], "drop table if exists analytics.probe_mart, raw_pagila.probe_raw"
        )


def test_init_hands_existing_objects_to_their_owners_and_grants_them(new_database, monkeypatch):
    """A warehouse loaded and built before the roles existed (by an administrator)."""
    url = new_database("preexisting")
    query(
        url,
        "create schema raw_pagila; create table raw_pagila.film (film_id int primary key);"
        "create schema elt; create table elt.load_batches (batch_id text);"
        "create schema marts; create table marts.dim_films (film_id int);"
        "create schema analytics; create table analytics.dim_films (film_id int);"
        "grant usage on schema raw_pagila to public; grant select on raw_pagila.film to public",
    )
    monkeypatch.setenv("ELT_WAREHOUSE", "postgres")
    monkeypatch.setenv("ELT_POSTGRES_URL", url)
    assert main(["warehouse", "init"]) == 0
    rows = query(
        url,
        "select c.oid::regclass::text, pg_get_userbyid(c.relowner)::text, "
        "has_table_privilege('elt_transformer', c.oid, 'SELECT'), "
        "has_table_privilege('analyst', c.oid, 'SELECT') "
        "from pg_class as c where c.oid in ('raw_pagila.film'::regclass, "
        "'elt.load_batches'::regclass, 'marts.dim_films'::regclass, "
        "'analytics.dim_films'::regclass) order by 1",
    )
    assert rows == [
        ("analytics.dim_films", "elt_transformer", True, True),
        ("elt.load_batches", "elt_loader", False, False),
        ("marts.dim_films", "elt_transformer", True, False),  # not yet published: not theirs
        ("raw_pagila.film", "elt_loader", True, False),  # PUBLIC's old grant is gone
    ]


def test_warehouse_init_refuses_a_duckdb_warehouse(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert main(["warehouse", "init"]) == 2
    err = capsys.readouterr().err
    assert "elt warehouse init sets up roles on a PostgreSQL warehouse" in err
    assert "ELT_WAREHOUSE=postgres" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_marts_hold_no_email_address(secured):
    analyst = secured["analyst_url"]
    columns = query(
        analyst,
        "select table_name::text, column_name::text from information_schema.columns "
        "where table_schema = 'analytics' order by 1, 2",
    )
    assert len({table for table, _ in columns}) >= 10
    names = {column for _, column in columns}
    assert not names & {"email", "email_user", "email_address"}
    assert "email_domain" in names
    holding = []
    for table, column in columns:
        found = query(
            analyst,
            sql.SQL("select count(*) from {}.{} where {}::text like '%@%'")
            .format(sql.Identifier("analytics"), sql.Identifier(table), sql.Identifier(column))
            .as_string(),
        )[0][0]
        if found:
            holding.append(f"{table}.{column}")
    assert holding == []
    # The sources do hold addresses: the check above could have failed.
    assert (
        query(
            secured["admin_url"], "select count(*) from raw_courses.users where email like '%@%'"
        )[0][0]
        > 0
    )


def test_dbt_grants_nothing_analysts_read_only_the_published_copy(tmp_path):
    """dbt's schemas are the pipeline's workshop: no model grants anything to anyone."""
    for kind, env in (
        ("duckdb", {"ELT_DUCKDB_PATH": ":memory:"}),
        ("postgres", {"ELT_POSTGRES_URL": "postgresql://nobody@/nowhere?host=/nonexistent"}),
    ):
        parsed = run(
            [
                str(BIN / "dbt"),
                "parse",
                "--project-dir",
                "dbt_project",
                "--profiles-dir",
                "profiles",
                "--target-path",
                str(tmp_path / kind),
                "--log-path",
                str(tmp_path / kind),
            ],
            {"ELT_WAREHOUSE": kind, **env, **dbt_profile_environment(env)},
        )
        assert parsed.returncode == 0, parsed.stdout[-3000:]
        manifest = json.loads((tmp_path / kind / "manifest.json").read_text())
        models = [
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] in ("model", "snapshot")
        ]
        assert {node["schema"] for node in models} == set(DBT_SCHEMAS)
        assert all(not node["config"]["grants"] for node in models)


def _publish(transformer_url: str) -> None:
    from orchestration.serving.publish import publish_marts

    publish_marts(
        Settings.from_env({"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": transformer_url})
    )


# -- 12: identifiers --------------------------------------------------------------------------
# Real names are taken as the source has them; an injected one is only ever a quoted name that
# the source's catalog does not have. Each configuration puts EVIL in one place of a table.
INJECTED_TABLES = {
    "table name": f"{json.dumps(EVIL)}: {{}}",
    "key column": f"film: {{primary_key: [{json.dumps(EVIL)}]}}",
    "cursor column": f"rental: {{cursor_column: {json.dumps(EVIL)}}}",
    "excluded column": f"staff: {{exclude_columns: [{json.dumps(EVIL)}]}}",
}


def _sources_file(tmp_path: Path, source: str, schema: str, tables: str) -> str:
    path = tmp_path / "sources.yml"
    path.write_text(
        f"sources:\n  {source}:\n    kind: postgres\n    url_env: PAGILA_URL\n"
        f"    schema: {schema}\n    include: []\n    tables:\n      {tables}\n"
    )
    return str(path)


@pytest.mark.parametrize("what", sorted(INJECTED_TABLES))
def test_injected_names_are_names_the_source_does_not_have(secured, tmp_path, what):
    env = {
        "ELT_WAREHOUSE": "postgres",
        "ELT_POSTGRES_URL": secured["admin_url"],
        "PAGILA_URL": secured["pagila_url"],
        "ELT_SOURCES_FILE": _sources_file(tmp_path, "pagila", "public", INJECTED_TABLES[what]),
    }
    settings = Settings.from_env(env)
    with pytest.raises(ConfigError) as refused:
        load_sources(settings, plan_tables(settings))
    assert (repr(EVIL) in str(refused.value) and "does not exist" in str(refused.value)) or (
        "is not in schema public" in str(refused.value)
    )
    assert query(secured["admin_url"], "select count(*) from raw_pagila.film")[0][0] > 0
    with psycopg.connect(secured["pagila_url"]) as connection:
        assert connection.execute("select count(*) from film").fetchone()[0] > 0


def test_an_injected_schema_is_a_schema_the_source_does_not_have(secured, tmp_path):
    env = {
        "PAGILA_URL": secured["pagila_url"],
        "ELT_SOURCES_FILE": _sources_file(tmp_path, "pagila", json.dumps(EVIL), "film: {}"),
    }
    settings = Settings.from_env(env)
    with pytest.raises(SourceError, match=r"schema .* not found"):
        plan_tables(settings)


def test_an_injected_source_name_is_refused_before_any_connection(tmp_path, monkeypatch):
    """A source's name makes the schema raw_<name>: only plain lowercase names are taken."""

    def no_connection(*args, **kwargs):
        raise AssertionError("connected before the configuration was checked")

    monkeypatch.setattr(psycopg, "connect", no_connection)
    path = _sources_file(tmp_path, json.dumps(EVIL), "public", "film: {}")
    with pytest.raises(ConfigError, match="must be lowercase letters, digits and _"):
        Settings.from_env({"ELT_SOURCES_FILE": path})


def test_cli_refuses_an_unknown_table_before_writing(secured, monkeypatch, capsys):
    monkeypatch.setenv("ELT_WAREHOUSE", "postgres")
    monkeypatch.setenv("ELT_POSTGRES_URL", secured["admin_url"])
    monkeypatch.setenv("PAGILA_URL", secured["pagila_url"])
    assert main(["load", "--source", "pagila", "--table", EVIL]) == 2
    assert "unknown table(s)" in capsys.readouterr().err
    assert query(secured["admin_url"], "select count(*) from raw_pagila.film")[0][0] > 0


def test_quoting_holds_where_validation_is_bypassed(secured):
    """Even a name that skipped validation is one quoted identifier, never SQL."""
    assert qualified("raw_pagila", EVIL) == '"raw_pagila"."orders""; drop table raw_pagila.film;--"'
    warehouse = PostgresWarehouse(secured["admin_url"])
    try:
        assert warehouse.table_columns("raw_pagila", EVIL) is None
        with pytest.raises(psycopg.errors.UndefinedTable):
            warehouse.row_count("raw_pagila", EVIL)
        with pytest.raises(psycopg.errors.UndefinedTable):
            warehouse.row_count(EVIL, "film")
    finally:
        warehouse.close()
    with (
        connect_source(secured["pagila_url"], "PAGILA_URL") as connection,
        pytest.raises(SourceError, match="not found"),
    ):
        read_table_info(connection, "public", EVIL, "PAGILA_URL")
    assert query(secured["admin_url"], "select count(*) from raw_pagila.film")[0][0] > 0
    with psycopg.connect(secured["pagila_url"]) as connection:
        assert connection.execute("select count(*) from film").fetchone()[0] > 0


# -- 13: secrets ------------------------------------------------------------------------------
def _files_holding(root: Path, secrets: list[bytes]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(secret in data for secret in secrets):
                found.append(str(path))
    return found


def _secrets(password: str) -> list[bytes]:
    return sorted({password.encode(), quote(password, safe="").encode()})


def test_passwords_land_in_no_output_log_or_file(secured):
    secrets = _secrets(PASSWORD)
    for name, output in secured["outputs"].items():
        assert output.strip(), name
        assert PASSWORD not in output, name
    # the loader's ledger in the warehouse
    ledger = query(secured["admin_url"], "select l::text from elt.load_batches as l")
    assert ledger and not [row for (row,) in ledger if PASSWORD in row]
    work = secured["work"]
    assert list((work / "dbt" / "target").rglob("dbt.log"))  # dagster-dbt's, per invocation
    assert _files_holding(work, secrets) == []


def test_a_wrong_password_is_refused_without_echoing_it(secured):
    if not secured["passwords_checked"]:
        pytest.skip("the test server is not the embedded one: its authentication is not ours")
    wrong = as_login(secured["admin_url"], secured["logins"]["loader"], WRONG_PASSWORD)
    load = run(
        [str(BIN / "elt"), "load", "--source", "pagila", "--table", "film"],
        {
            "ELT_WAREHOUSE": "postgres",
            "ELT_POSTGRES_URL": wrong,
            "PAGILA_URL": secured["pagila_url"],
        },
    )
    assert load.returncode == 2
    assert "ELT_POSTGRES_URL: cannot connect to" in load.stderr
    assert "password authentication failed" in load.stderr
    assert WRONG_PASSWORD not in load.stdout + load.stderr
    build = dbt(["build", "--select", "dim_dates"], wrong, secured["work"] / "wrong")
    assert build.returncode != 0
    assert "password authentication failed" in build.stdout + build.stderr
    assert WRONG_PASSWORD not in build.stdout + build.stderr
    assert _files_holding(secured["work"] / "wrong", _secrets(WRONG_PASSWORD)) == []


# The `everything` job as `elt run` runs it, in its own process, recorded in DAGSTER_HOME.
RUN_EVERYTHING = """
import sys
import dagster as dg
from orchestration.definitions import defs

with dg.DagsterInstance.get() as instance:
    result = defs.resolve_job_def("everything").execute_in_process(
        instance=instance, raise_on_error=False
    )
print("everything:", "succeeded" if result.success else "failed")
sys.exit(0 if result.success else 1)
"""


def test_dagster_run_stores_no_password(secured, new_database):
    """The Dagster job `everything` with a password in ELT_POSTGRES_URL: the password is not
    in its output, its Dagster storage (runs, event logs, compute logs) or dbt's files."""
    work = secured["work"] / "dagster"
    home, dbt_target = work / "dagster_home", work / "dbt_target"
    home.mkdir(parents=True)
    login = secured["pipe_login"]
    url = new_database("secured_dagster")
    query(
        url,
        sql.SQL("alter database {} owner to {}")
        .format(sql.Identifier(urlsplit(url).path.lstrip("/")), sql.Identifier(login))
        .as_string(),
    )
    # The instance queues the runs that write the warehouse, as every step requires.
    configured = run([str(BIN / "elt"), "dagster-home", str(home)], {})
    assert configured.returncode == 0, configured.stderr[-3000:]
    result = run(
        [sys.executable, "-c", RUN_EVERYTHING],
        {
            "ELT_WAREHOUSE": "postgres",
            "ELT_POSTGRES_URL": as_login(url, login),
            **source_urls(secured["pagila_url"], secured["courses_url"]),
            "DAGSTER_HOME": str(home),
            "DBT_TARGET_PATH": str(dbt_target),
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "everything: succeeded" in result.stdout
    assert "ASSET_MATERIALIZATION" in output  # Dagster's event log, at DEBUG, is in the output
    assert PASSWORD not in output
    stored = [path for path in home.rglob("*") if path.is_file()]
    assert any(path.suffix == ".db" for path in stored)  # the run was recorded there
    assert list(dbt_target.rglob("run_results.json"))
    # The storage does keep the warehouse's URL (redacted, in the loaders' metadata): a password
    # travelling with it would have been found.
    assert _files_holding(home, [f"{login}:***@".encode()])
    secrets = _secrets(PASSWORD)
    assert _files_holding(home, secrets) == []
    assert _files_holding(dbt_target, secrets) == []
    for folder in ("target", "logs"):  # what dbt may have written in the project itself
        if (REPOSITORY / "dbt_project" / folder).is_dir():
            assert _files_holding(REPOSITORY / "dbt_project" / folder, secrets) == []


def test_dot_env_is_git_ignored():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=REPOSITORY, check=False
    ).returncode
    assert ignored == 0
    assert re.search(r"(?m)^ELT_POSTGRES_URL=", (REPOSITORY / ".env.example").read_text())
