"""Tried as a new user would: a database nobody here has seen, with the names real systems
have, discovered, pasted into a copy of sources.yml, loaded and compared, on both warehouses."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from orchestration.cli import main
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]

CRM = """
create schema app;
create table app."Customer" (
    "CustomerId" integer primary key,
    "FullName" text,
    "UpdatedAt" timestamptz not null
);
create table app."order line" ("LineNo" integer, "Qty" integer, note text);
create table app."order" (
    id integer primary key,
    "user" text,
    "select" integer,
    created timestamp without time zone
);
create table app."user-events" (
    "Event Id" bigint primary key,
    "happened at" timestamp without time zone,
    payload jsonb
);
-- 63 bytes, PostgreSQL's longest name: its staging table's name must be shortened, not cut.
create table app.customer_address_history_with_a_name_as_long_as_postgres_allows (
    id integer primary key
);
insert into app.customer_address_history_with_a_name_as_long_as_postgres_allows values (1);
insert into app."Customer" values
    (1, 'Ada', '2026-01-01 10:00+00'), (2, 'O''Brien "Bob"', '2026-01-02 11:30+00');
insert into app."order line" values (1, 2, 'two'), (1, 2, 'two'), (2, null, '');
insert into app."order" values
    (1, 'ada', 3, '2026-03-29 02:30:00'), (2, null, null, '1999-12-31 23:59:59.999999');
insert into app."user-events" values
    (1, '2026-10-25 01:30:00', '{"a": 1}'), (2, '2026-03-08 02:15:00', null);
"""
LONG_NAME = "customer_address_history_with_a_name_as_long_as_postgres_allows"
TABLES = {"Customer", "order line", "order", "user-events", LONG_NAME}


@pytest.fixture
def crm(new_database, tmp_path, monkeypatch, fresh_warehouse_env, capsys) -> dict[str, str]:
    url = new_database("crm")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(CRM)
    for name, value in fresh_warehouse_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CRM_URL", url)
    code = main(
        [
            *("sources", "discover", "--name", "crm", "--kind", "postgres"),
            *("--url-env", "CRM_URL", "--schema", "app"),
        ]
    )
    assert code == 0
    entry = capsys.readouterr().out
    sources = tmp_path / "sources.yml"
    sources.write_text((REPOSITORY / "sources.yml").read_text() + "\n" + entry)
    monkeypatch.setenv("ELT_SOURCES_FILE", str(sources))
    return {"url": url, "entry": entry, "sources": str(sources), **fresh_warehouse_env}


def test_discovery_prints_every_table_with_its_key_or_none(crm):
    entry = crm["entry"]
    assert entry.startswith("  crm:\n    kind: postgres\n    url_env: CRM_URL\n    schema: app\n")
    assert '      "order line":  # no primary key: loads in full' in entry
    assert "      Customer:  # key (CustomerId); " in entry
    assert "cursor candidates: UpdatedAt (timestamp with time zone)" in entry
    assert "        # cursor_column: UpdatedAt" in entry
    assert "      order:  # key (id)" in entry  # a reserved word of SQL, not of YAML
    assert '      "user-events":  # key (Event Id)' in entry


def test_load_and_compare_keep_the_source_names_exactly(crm, monkeypatch, capsys):
    # The loader's own zone settings must not move timestamps without time zone.
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    monkeypatch.setenv("PGTZ", "America/New_York")
    assert main(["sources", "check", "--source", "crm"]) == 1  # dbt's sources not written yet
    assert "run `elt sources dbt --source crm`" in capsys.readouterr().out
    assert main(["load", "--source", "crm"]) == 0
    assert main(["compare", "--source", "crm"]) == 0
    out = capsys.readouterr().out
    assert out.count("equal") == len(TABLES), out

    names = warehouse_query(
        crm,
        "select table_name from information_schema.tables where table_schema = 'raw_crm'",
    )
    assert {name for (name,) in names} == TABLES
    columns = warehouse_query(
        crm,
        "select column_name from information_schema.columns where table_schema = 'raw_crm' "
        "and table_name = 'user-events' order by ordinal_position",
    )
    assert [c for (c,) in columns] == [
        "Event Id",
        "happened at",
        "payload",
        "_loaded_at",
        "_batch_id",
    ]
    (happened,) = warehouse_query(
        crm,
        'select cast("happened at" as varchar) from raw_crm."user-events" where "Event Id" = 1',
    )
    assert happened == ("2026-10-25 01:30:00",)
    rows = warehouse_query(crm, 'select count(*) from raw_crm."order line"')
    assert rows == [(3,)]  # keyless: both equal rows kept


def test_a_pasted_cursor_makes_the_table_incremental(crm, capsys):
    text = Path(crm["sources"]).read_text()
    text = text.replace(
        "        # mode: incremental\n        # cursor_column: UpdatedAt",
        ("        mode: incremental\n        cursor_column: UpdatedAt"),
    )
    Path(crm["sources"]).write_text(text)
    assert main(["load", "--source", "crm", "--table", "Customer"]) == 0
    with psycopg.connect(crm["url"], autocommit=True) as connection:
        connection.execute(
            """update app."Customer" set "FullName" = 'Ada L.', "UpdatedAt" = '2026-02-01'
            where "CustomerId" = 1"""
        )
    capsys.readouterr()
    assert main(["load", "--source", "crm", "--table", "Customer"]) == 0
    summary = capsys.readouterr().out
    line = next(line for line in summary.splitlines() if line.startswith("crm.Customer"))
    assert line.split()[1:3] == ["incremental", "succeeded"], line
    assert line.split()[-2] == "1", line  # rows changed: only the edited one
    assert warehouse_query(
        crm, 'select "FullName" from raw_crm."Customer" order by "CustomerId"'
    ) == [("Ada L.",), ('O\'Brien "Bob"',)]


def test_dbt_sources_are_written_quoted_and_checked(crm, tmp_path, monkeypatch, capsys):
    import orchestration.source_commands as commands

    project = tmp_path / "dbt_project"
    monkeypatch.setattr(commands, "DBT_PROJECT_DIR", project)
    assert main(["sources", "dbt", "--source", "crm"]) == 0
    written = (project / "models/staging/crm/_crm__sources.yml").read_text()
    assert "- name: order line" in written and "identifier: true" in written
    assert main(["sources", "check", "--source", "crm"]) == 0
    with psycopg.connect(crm["url"], autocommit=True) as connection:
        connection.execute("create table app.new_table (id integer primary key)")
    capsys.readouterr()
    assert main(["sources", "check", "--source", "crm"]) == 1
    assert "disagrees with sources.yml" in capsys.readouterr().out
