"""A files source in sources.yml: what each dataset must declare, refused before anything is read
with one line naming the file, line, source, dataset and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract_load.config import load_sources_file
from extract_load.errors import ConfigError


def _load(tmp_path: Path, tables: str, extra: str = ""):
    path = tmp_path / "sources.yml"
    path.write_text(
        f"sources:\n  lake:\n    kind: files\n{extra}    tables:\n{tables}", encoding="utf-8"
    )
    return path, load_sources_file(path)


def _error(tmp_path: Path, tables: str, extra: str = "") -> str:
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, tables, extra)
    return str(error.value)


def test_a_files_source_resolves_its_landing_and_datasets(tmp_path):
    _, sources = _load(
        tmp_path,
        "      trips: {format: parquet}\n"
        "      zones:\n"
        "        format: csv\n"
        "        delimiter: ';'\n"
        "        header: false\n"
        "        columns: {zip: TEXT, amount: 'numeric(10, 2)'}\n",
    )
    lake = sources["lake"]
    assert lake.landing_url == str(tmp_path / "landing")  # beside the sources file
    assert lake.url_env == ""
    zones = lake.dataset("zones")
    assert (zones.format, zones.delimiter, zones.header) == ("csv", ";", False)
    assert zones.columns == (("zip", "text"), ("amount", "numeric(10,2)"))
    assert lake.dataset("trips").columns == ()


def test_a_remote_landing_and_its_variable_are_kept(tmp_path):
    _, sources = _load(
        tmp_path,
        "      trips: {format: parquet}\n",
        "    landing_url: s3://bucket/drops\n    url_env: LAKE_URL\n",
    )
    assert (sources["lake"].landing_url, sources["lake"].url_env) == (
        "s3://bucket/drops",
        "LAKE_URL",
    )


def test_a_csv_without_columns_is_refused_naming_the_dataset_and_the_fix(tmp_path):
    path = tmp_path / "sources.yml"
    assert _error(tmp_path, "      zones: {format: csv}\n") == (
        f"{path}:5: source 'lake': dataset 'zones': a csv file is never type-guessed: declare "
        "its columns, e.g. columns: {zip_code: text, amount: numeric(10,2)}"
    )


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ("      zones: {}\n", "dataset 'zones': declare its format (csv, parquet or jsonl)"),
        (
            "      zones: {format: jsonl, columns: {a: varchar}}\n",
            "type 'varchar' is not one of text, integer, bigint, numeric(p,s)",
        ),
        (
            "      zones: {format: csv, delimiter: ';;', columns: {a: text}}\n",
            "delimiter ';;' must be one character",
        ),
        (
            "      zones: {format: parquet, cursor_column: id}\n",
            "dataset 'zones': cursor_column do not apply to files",
        ),
        (
            "      zones: {format: parquet, header: false}\n",
            "dataset 'zones': delimiter and header are CSV options; remove them",
        ),
    ],
)
def test_what_does_not_suit_a_dataset_is_refused(tmp_path, tables, message):
    assert message in _error(tmp_path, tables)


def test_file_keys_on_a_database_source_are_refused(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(
        "sources:\n  shop:\n    kind: postgres\n    url_env: SHOP_URL\n"
        "    landing_url: ./landing\n    tables:\n      orders: {format: csv}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_sources_file(path)
    assert str(error.value).splitlines() == [
        f"{path}:5: source 'shop': landing_url is for kind: files only",
        f"{path}:7: source 'shop': table 'orders': format are for datasets of a kind: files "
        "source only",
    ]
