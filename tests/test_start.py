"""What a load's process imports: a command pays only for what it runs. Each import below was
measured in every start (dbt and Dagster about 2 s of `elt load`; pyarrow, numpy and httpx
about 0.2 s of a PostgreSQL table's load into DuckDB)."""

from __future__ import annotations

import subprocess
import sys

from logins import query

from conftest import warehouse_env


def test_the_cli_imports_no_dbt_or_dagster_until_a_command_needs_them():
    script = (
        "import sys\n"
        "import orchestration.cli\n"
        "imported = sorted({'dagster', 'dagster_dbt', 'dbt', 'pyarrow'} & set(sys.modules))\n"
        "assert not imported, imported\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_a_load_through_the_extension_imports_no_arrow_http_or_pandas(new_database, tmp_path):
    """A PostgreSQL table into DuckDB needs none of them: imported, they cost about 0.2 s of
    every load's start (pyarrow and numpy for files, httpx for APIs, pandas for neither)."""
    url = new_database("scan_imports")
    query(url, "create table t as select 1 as id, 'x'::text as note")
    script = (
        "import sys\n"
        "from extract_load import Settings, SourceSpec, TableSpec, load_table\n"
        "from extract_load.warehouse import open_warehouse\n"
        f"settings = Settings.from_env({warehouse_env('duckdb', tmp_path, new_database)!r})\n"
        "warehouse = open_warehouse(settings)\n"
        "source = SourceSpec('fixture', 'FIXTURE_URL')\n"
        "warehouse.ensure_schema(source.raw_schema)\n"
        f"result = load_table(warehouse, source, TableSpec('t'), {url!r})\n"
        "warehouse.close()\n"
        "assert result.status == 'succeeded', result.error\n"
        "imported = sorted({'pyarrow', 'numpy', 'httpx', 'pandas', 'psycopg'} & set(sys.modules))\n"
        "assert not imported, imported\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
