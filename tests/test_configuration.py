"""Bad input is refused early with one clear line that names the input and the fix."""

from __future__ import annotations

import pytest

from extract_load import ConfigError, Settings, SourceSpec, TableSpec, load_table
from extract_load.settings import WarehouseLogin, dbt_profile_environment
from extract_load.warehouse import open_warehouse
from orchestration.cli import main


@pytest.mark.parametrize("name", ["Customer", "order line", "user-events", "order", "Größe"])
def test_real_table_names_are_taken_as_they_are(name):
    assert TableSpec(name, primary_key=(name,)).name == name


@pytest.mark.parametrize("name", ["", "a\x00b"])
def test_names_no_database_allows_are_refused(name):
    with pytest.raises(ConfigError, match="empty or contains a NUL"):
        TableSpec(name)


def test_incremental_table_needs_key_and_cursor():
    with pytest.raises(ConfigError, match="needs a primary key"):
        TableSpec("rental", mode="incremental")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ELT_WAREHOUSE": "snowflake"}, "ELT_WAREHOUSE must be one of duckdb, postgres, spark"),
        ({"ELT_WAREHOUSE": "postgres"}, "ELT_WAREHOUSE=postgres needs ELT_POSTGRES_URL"),
        (
            {"ELT_WAREHOUSE": "postgres", "ELT_LOADER_URL": "postgresql://l@h/w"},
            "needs ELT_POSTGRES_URL, or ELT_TRANSFORMER_URL",
        ),
        ({"ELT_LOADER_URL": "mysql://l@h/w"}, "ELT_LOADER_URL must be a PostgreSQL URL"),
        ({"PAGILA_URL": "mysql://x@y/z"}, "PAGILA_URL must be a PostgreSQL URL"),
        ({"COURSES_URL": "postgresql://x@y/z?timeout=5"}, "COURSES_URL is not a valid"),
        ({"ELT_MAX_WORKERS": "two"}, "ELT_MAX_WORKERS must be a whole number"),
        (
            {"ELT_WAREHOUSE": "spark", "ELT_LAKE_URL": "s3://bucket/lake"},
            "not a local folder: set ELT_LAKE_METADATA_PATH",
        ),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_each_role_logs_in_with_its_own_url_or_the_administrators():
    admin, loader = "postgresql://admin@h/w", "postgresql://loader@h/w"
    settings = Settings.from_env(
        {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": admin, "ELT_LOADER_URL": loader}
    )
    assert settings.loader == WarehouseLogin("ELT_LOADER_URL", loader)
    assert settings.transformer == WarehouseLogin("ELT_POSTGRES_URL", admin)
    assert settings.postgres_url == admin
    # dbt logs in as the transformer
    dbt = dbt_profile_environment({"ELT_TRANSFORMER_URL": "postgresql://builder@h/w"})
    assert dbt["ELT_DBT_POSTGRES_USER"] == "builder"


def test_unreachable_source_is_one_line_naming_the_variable(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("PAGILA_URL", "postgresql://loader:s3cret-pw@127.0.0.1:9/pagila")
    code = main(["load", "--source", "pagila"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("elt: PAGILA_URL: cannot connect to")
    assert "s3cret-pw" not in "\n".join(err)
    assert not any("Traceback" in line for line in err)


def test_missing_source_table_fails_that_table_with_its_name(new_database, tmp_path):
    url = new_database("empty")
    spec = TableSpec("rentals_typo")
    source = SourceSpec("fixture", "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env({"ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb")}))
    try:
        result = load_table(warehouse, source, spec, url)
    finally:
        warehouse.close()
    assert result.status == "failed"
    assert "table public.rentals_typo not found" in (result.error or "")
    assert "FIXTURE_URL" in (result.error or "")
