"""sources.yml: validated before anything connects, resolved against a catalog by a pure
function, every problem one line naming the file, source, table and fix. No server needed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from extract_load import ConfigError, Settings
from extract_load.catalog import CatalogColumn, CatalogTable, resolve_tables
from extract_load.config import load_sources_file, parse_lookback

REPOSITORY = Path(__file__).resolve().parents[1]

CRM = """\
sources:
  crm:
    kind: postgres
    url_env: CRM_URL
    schema: app
    tables:
{tables}
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(text)
    return path


def _crm(tmp_path: Path, tables: str = "      orders: {}") -> Path:
    return _file(tmp_path, CRM.format(tables=tables))


def test_the_repository_file_declares_pagila_courses_the_lake_and_the_api():
    sources = load_sources_file(REPOSITORY / "sources.yml")
    assert list(sources) == ["pagila", "courses", "lake", "api"]
    api = sources["api"]
    assert (api.kind, api.demo, api.url_env) == ("http", "api", "API_URL")
    (items,) = api.endpoints
    assert (items.paging.style, items.commit_every) == ("max_id", 100)
    lake = sources["lake"]
    assert (lake.kind, lake.demo, lake.url_env) == ("files", "lake", "LAKE_URL")
    assert lake.landing_url == str(REPOSITORY / "landing")
    assert [d.name for d in lake.datasets] == ["trips", "trips_csv", "zones"]
    assert sources["pagila"].demo == "pagila" and sources["pagila"].url_env == "PAGILA_URL"
    staff = sources["pagila"].override("staff")
    assert staff is not None and staff.exclude_columns == ("password",)
    rental = sources["pagila"].override("rental")
    assert rental is not None and (rental.mode, rental.cursor_column) == (
        "incremental",
        "last_update",
    )


def test_a_typo_in_a_key_is_an_error_naming_file_line_source_table_and_the_fix(tmp_path):
    path = _crm(tmp_path, "      orders:\n        cursor_colum: updated_at")
    with pytest.raises(ConfigError) as error:
        load_sources_file(path)
    assert str(error.value) == (
        f"{path}:8: source 'crm', table 'orders': unknown key 'cursor_colum' "
        "(did you mean 'cursor_column'?)"
    )


def test_unknown_source_key_and_missing_kind(tmp_path):
    path = _file(tmp_path, "sources:\n  crm:\n    url_env: CRM_URL\n    shcema: app\n")
    with pytest.raises(ConfigError) as error:
        load_sources_file(path)
    lines = str(error.value).splitlines()
    assert f"{path}:2: source 'crm': 'kind' is required" in lines
    assert f"{path}:4: source 'crm': unknown key 'shcema' (did you mean 'schema'?)" in lines


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    path = _crm(tmp_path, "      orders: {mode: full\n      users: {}")
    with pytest.raises(ConfigError, match=rf"^{path}:8: YAML syntax error: "):
        load_sources_file(path)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ("      orders: {mode: sometimes}", "mode: Input should be 'full' or 'incremental'"),
        ("      orders: {lookback: soon}", "lookback 'soon' is not a duration"),
        ("      orders: {primary_key: id}", "primary_key: Input should be a valid list"),
    ],
)
def test_bad_values_are_named(tmp_path, tables, message):
    with pytest.raises(ConfigError, match=message):
        load_sources_file(_crm(tmp_path, tables))


def test_a_source_name_must_be_plain(tmp_path):
    path = _file(tmp_path, "sources:\n  Crm-DB:\n    kind: postgres\n    url_env: CRM_URL\n")
    with pytest.raises(ConfigError, match="source name 'Crm-DB' must be lowercase"):
        load_sources_file(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", timedelta(hours=1)),
        ("30 minutes", timedelta(minutes=30)),
        ("2 days", timedelta(days=2)),
        (90, timedelta(seconds=90)),
    ],
)
def test_lookbacks(text, expected):
    assert parse_lookback(text) == expected


def test_every_url_variable_the_file_names_is_read(tmp_path):
    """CRM_URL was silently dropped when only PAGILA_URL and COURSES_URL were read."""
    path = _crm(tmp_path)
    settings = Settings.from_env(
        {"ELT_SOURCES_FILE": str(path), "CRM_URL": "postgresql://u@db.example.com/crm"}
    )
    assert settings.source_urls == {"CRM_URL": "postgresql://u@db.example.com/crm"}
    with pytest.raises(ConfigError, match="CRM_URL must be a PostgreSQL URL"):
        Settings.from_env({"ELT_SOURCES_FILE": str(path), "CRM_URL": "crm.example.com"})


def test_a_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="set ELT_SOURCES_FILE"):
        Settings.from_env({"ELT_SOURCES_FILE": str(tmp_path / "nowhere.yml")})


# -- resolving a declaration against a catalog (pure) ----------------------------------------
def _column(name: str, declared: str = "text") -> CatalogColumn:
    temporal = declared.startswith(("timestamp", "date"))
    return CatalogColumn(
        name, declared, orderable=temporal or declared == "integer", temporal=temporal
    )


CATALOG = [
    CatalogTable(
        "Customer",
        (_column("Id", "integer"), _column("Name"), _column("updated_at", "timestamptz")),
        primary_key=("Id",),
    ),
    CatalogTable("audit log", (_column("at", "timestamp without time zone"), _column("what"))),
    CatalogTable("order", (_column("id", "integer"), _column("note"))),
    CatalogTable("tmp_import", (_column("x"),)),
    CatalogTable("v_customers", (_column("Id", "integer"),), is_base_table=False),
]


def _resolve(tmp_path: Path, text: str, catalog=CATALOG):
    (source,) = load_sources_file(_file(tmp_path, text)).values()
    return resolve_tables(source, catalog, "sources.yml")


def test_all_base_tables_by_default_with_keys_from_the_catalog(tmp_path):
    specs, problems = _resolve(tmp_path, CRM.format(tables="      {}").replace("    tables:\n", ""))
    assert problems == []
    assert [(s.name, s.mode, s.primary_key) for s in specs] == [
        ("Customer", "full", ("Id",)),
        ("audit log", "full", ()),  # no key: loads in full
        ("order", "full", ()),
        ("tmp_import", "full", ()),
    ]


def test_include_exclude_and_overrides(tmp_path):
    text = CRM.format(
        tables='      Customer: {cursor_column: updated_at}\n      "v_customers": {}'
    ).replace("    tables:", "    exclude: [tmp_*]\n    tables:")
    specs, problems = _resolve(tmp_path, text)
    assert problems == []
    by_name = {s.name: s for s in specs}
    assert sorted(by_name) == ["Customer", "audit log", "order", "v_customers"]
    customer = by_name["Customer"]
    assert (customer.mode, customer.cursor_column, customer.primary_key) == (
        "incremental",
        "updated_at",
        ("Id",),
    )


@pytest.mark.parametrize(
    ("tables", "problem"),
    [
        (
            "      Custmer: {}",
            "sources.yml: source 'crm': table 'Custmer' is not in schema app of CRM_URL "
            "(did you mean 'Customer'?); fix its name or remove it",
        ),
        (
            "      Customer: {cursor_column: updated}",
            "sources.yml: source 'crm', table 'Customer': cursor_column 'updated' does not "
            "exist (did you mean 'updated_at'?)",
        ),
        (
            "      Customer: {cursor_column: Name}",
            "sources.yml: source 'crm', table 'Customer': cursor_column 'Name' is text; use a "
            "timestamp, date or integer column",
        ),
        (
            '      "audit log": {cursor_column: at}',
            "sources.yml: source 'crm', table 'audit log': incremental, but the table has no "
            "primary key; declare primary_key (columns that identify a row) or load it in full",
        ),
        (
            "      Customer: {mode: incremental}",
            "sources.yml: source 'crm', table 'Customer': mode incremental needs a cursor_column",
        ),
        (
            "      Customer: {exclude_columns: [pasword]}",
            "sources.yml: source 'crm', table 'Customer': column 'pasword' does not exist "
            "(it has 'Id', 'Name', 'updated_at')",
        ),
    ],
)
def test_each_problem_is_one_line(tmp_path, tables, problem):
    specs, problems = _resolve(tmp_path, CRM.format(tables=tables))
    assert problems == [problem]
    assert all(spec.name != tables.split(":")[0].strip().strip('"') for spec in specs)


def test_a_key_declared_for_a_keyless_table_makes_it_incremental_ready(tmp_path):
    text = CRM.format(tables='      "audit log": {cursor_column: at, primary_key: [at, what]}')
    specs, problems = _resolve(tmp_path, text)
    assert problems == []
    audit = next(s for s in specs if s.name == "audit log")
    assert (audit.mode, audit.primary_key) == ("incremental", ("at", "what"))


def test_stage_names_fit_postgres_and_never_collide():
    from extract_load.warehouse.base import stage_name

    assert stage_name("rental") == "__stage_rental"
    long_a = "ä" * 40 + "_first"
    long_b = "ä" * 40 + "_second"
    names = {stage_name(long_a), stage_name(long_b), stage_name(long_a, "compare")}
    assert len(names) == 3
    for name in names:
        assert len(name.encode()) <= 63
        name.encode().decode()  # whole characters only
