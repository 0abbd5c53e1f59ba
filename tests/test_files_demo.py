"""The demo lake: the `lake` entry of the repository's sources.yml, loaded through `elt` as a
fresh clone does, its landing absent."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from demo_sources.lake import write_lake
from extract_load import Settings, SourceError, load_sources
from orchestration.cli import main
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]


def lake_entry() -> str:
    """sources.yml's `lake:` entry alone, as a sources file of its own."""
    entry = yaml.safe_load((REPOSITORY / "sources.yml").read_text(encoding="utf-8"))
    return yaml.safe_dump({"sources": {"lake": entry["sources"]["lake"]}}, sort_keys=False)


def test_the_demo_lake_entry_loads_its_generated_files(
    fresh_warehouse_env, tmp_path, monkeypatch, capsys
):
    (tmp_path / "sources.yml").write_text(lake_entry(), encoding="utf-8")
    for name, value in {
        **fresh_warehouse_env,
        "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["load", "--source", "lake"]) == 0  # the demo writes ./landing beside the file

    assert sorted(p.name for p in (tmp_path / "landing").iterdir()) == [
        "trips",
        "trips_csv",
        "zones",
    ]
    counts = warehouse_query(
        fresh_warehouse_env,
        "select table_name, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), count(*) "
        "from elt.loaded_files group by table_name order by 1",
    )
    assert counts == [
        ("trips", 6000, 6000, 0, 6),
        ("trips_csv", 6000, 5994, 6, 6),
        ("zones", 40, 40, 0, 1),
    ]
    quarantined = warehouse_query(
        fresh_warehouse_env,
        "select file, line, reason from elt.quarantine order by file, line",
    )
    assert [(f.split("/")[1], line) for f, line, _ in quarantined] == [
        ("2026-03", 18),
        ("2026-03", 231),
        ("2026-03", 612),
        ("2026-03", 806),
        ("2026-05", 43),
        ("2026-05", 500),
    ]
    assert quarantined[3][2] == "unterminated quote"
    # The same trips, as Parquet and as CSV, less the CSV's bad lines.
    assert warehouse_query(
        fresh_warehouse_env,
        "select count(*) from raw_lake.trips as p inner join raw_lake.trips_csv as c "
        "on p._file = replace(replace(c._file, 'trips_csv/', 'trips/'), '.csv', '.parquet') "
        "and p._line = c._line - 1 and p.fare_amount = c.fare_amount "
        "and p.tpep_pickup_datetime = c.tpep_pickup_datetime",
    ) == [(5994,)]
    capsys.readouterr()
    assert main(["load", "--source", "lake"]) == 0  # nothing new
    assert "total                                     0" in capsys.readouterr().out


def test_the_demo_files_are_the_same_for_the_same_seed(tmp_path):
    write_lake(tmp_path / "a", seed=7, rows_per_month=50)
    write_lake(tmp_path / "b", seed=7, rows_per_month=50)
    write_lake(tmp_path / "c", seed=8, rows_per_month=50)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 13
    same = [(tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files]
    other = [(tmp_path / "a" / f).read_bytes() == (tmp_path / "c" / f).read_bytes() for f in files]
    assert all(same)
    assert not any(other)


def test_a_direct_load_of_an_absent_demo_landing_names_the_fix(tmp_path):
    """load_sources never writes the demo (extract_load does not import demo_sources): called
    directly on a fresh clone's lake, it names the landing and who writes it, before any row."""
    (tmp_path / "sources.yml").write_text(lake_entry(), encoding="utf-8")
    settings = Settings.from_env(
        {
            "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
            "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        }
    )
    with pytest.raises(SourceError) as caught:
        load_sources(settings)
    message = str(caught.value)
    assert f"the landing {tmp_path / 'landing'} does not exist" in message
    assert "`elt load` and Dagster write the demo 'lake' there" in message
    assert not (tmp_path / "landing").exists()
