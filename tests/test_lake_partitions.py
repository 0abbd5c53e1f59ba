"""The lake by month in Dagster: a backfill loads exactly its months, on both warehouses; the
sensor on the landing asks for a run when a month's files appear or change, and only then."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from dagster_server import sensor_tick
from demo_sources.lake import DEMO_MONTHS, write_lake
from extract_load.files_source import LandedFile, file_version
from orchestration.instance import ensure_instance_settings
from orchestration.lake_partitions import changed_months, month_fingerprints
from table_contents import warehouse_query

LAKE = ("trips", "trips_csv", "zones")
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _file(path: str, size: int = 10, version: str = "mtime=1") -> LandedFile:
    return LandedFile(path, f"/landing/{path}", path.split("/")[1], size, version)


def test_a_month_changes_when_a_file_is_added_replaced_or_removed_and_only_then():
    january, february = _file("trips/2026-01/a.parquet"), _file("trips/2026-02/a.parquet")
    before = month_fingerprints([january, february])
    assert set(before) == {"2026-01", "2026-02"}
    assert changed_months(before, month_fingerprints([february, january])) == []
    assert changed_months({}, before) == ["2026-01", "2026-02"]
    grown = _file("trips/2026-02/a.parquet", size=11)
    touched = _file("trips/2026-02/a.parquet", version="mtime=2")
    added = _file("zones/2026-02/z.csv")
    for february_now in ([grown], [touched], [february, added], []):
        now = month_fingerprints([january, *february_now])
        assert changed_months(before, now) == (["2026-02"] if february_now else [])
    assert changed_months(before, month_fingerprints([january, february, _file("t/2026-03/b")]))


def test_a_files_version_comes_from_its_listing_entry_on_any_filesystem():
    # local: a modification time; S3 (s3fs): an entity tag and a time; a listing without either
    assert file_version({"name": "a", "size": 3, "mtime": 17.5}) == "mtime=17.5"
    s3 = {"Key": "a", "size": 3, "ETag": '"9f1c"', "LastModified": "2026-02-01 00:00:00+00:00"}
    assert file_version(s3) == 'ETag="9f1c";LastModified=2026-02-01 00:00:00+00:00'
    assert file_version({"name": "a", "size": 3}) == ""


def _lake_env(env: dict[str, str], landing: Path, monkeypatch) -> None:
    for name, value in {**env, "LAKE_URL": str(landing)}.items():
        monkeypatch.setenv(name, value)


def _lake_loader() -> dg.AssetsDefinition:
    from orchestration.loaders import loader_assets

    return next(a for a in loader_assets() if a.node_def.name == "load_lake")


def _months(env: dict[str, str], table: str) -> dict[str, int]:
    rows = warehouse_query(
        env, f"select substr(_file, {len(table) + 2}, 7), count(*) from raw_lake.{table} group by 1"
    )
    return dict(rows)


def test_a_backfill_of_three_months_materialises_exactly_those_partitions(
    fresh_warehouse_env, tmp_path, monkeypatch
):
    landing = tmp_path / "landing"
    write_lake(landing, rows_per_month=200)
    _lake_env(fresh_warehouse_env, landing, monkeypatch)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("landing_months", list(DEMO_MONTHS))
    loader = _lake_loader()
    assert loader.backfill_policy == dg.BackfillPolicy.single_run()

    # What a backfill of 2026-02..2026-04 launches, from the UI or `dagster asset materialize`:
    # one run over the range of partitions.
    result = dg.materialize(
        [loader], instance=instance, tags={RANGE_START: "2026-02", RANGE_END: "2026-04"}
    )

    assert result.success
    wanted = {"2026-02", "2026-03", "2026-04"}
    for table in LAKE:
        key = dg.AssetKey(["raw_lake", table])
        assert instance.get_materialized_partitions(key) == wanted
    assert _months(fresh_warehouse_env, "trips") == dict.fromkeys(sorted(wanted), 200)
    csv_months = _months(fresh_warehouse_env, "trips_csv")
    assert set(csv_months) == wanted
    # each bad line of March's CSV quarantined, every other line loaded
    assert csv_months["2026-03"] == 199
    ledger = warehouse_query(
        fresh_warehouse_env,
        "select path from elt.loaded_files where source = 'lake' and status = 'succeeded' "
        "order by path",
    )
    # no other month's file, nor the zones of January, was loaded
    assert {path.split("/")[1] for (path,) in ledger} == wanted

    # One month reloaded: its files are unchanged, so nothing is loaded twice.
    again = dg.materialize([loader], instance=instance, partition_key="2026-03")
    assert again.success
    assert _months(fresh_warehouse_env, "trips") == dict.fromkeys(sorted(wanted), 200)

    # The same backfill from the command line, over all six months: the same ledger, so only
    # the three months not loaded yet are.
    from orchestration.cli import main

    assert main(["load", "--source", "lake", "--month", "2026-01..2026-06"]) == 0
    assert _months(fresh_warehouse_env, "trips") == dict.fromkeys(DEMO_MONTHS, 200)
    assert sorted(_batches(fresh_warehouse_env).values()) == [
        ["2026-01", "2026-05", "2026-06"],  # the command's
        ["2026-02", "2026-03", "2026-04"],  # the backfill's, one batch for its three months
    ]


def _batches(env: dict[str, str]) -> dict[str, list[str]]:
    """The months of raw_lake.trips by the batch that loaded them."""
    batches: dict[str, list[str]] = {}
    for batch, month in warehouse_query(
        env, "select distinct _batch_id, substr(_file, 7, 7) from raw_lake.trips order by 2"
    ):
        batches.setdefault(str(batch), []).append(month)
    return batches


def test_the_sensor_asks_for_a_run_when_a_months_files_appear_or_change(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("LAKE_URL", str(landing))
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def("lake_landing")
    assert sensor.job_name == "lake_by_month"
    # an instance as `dagster dev` keeps one, with the warehouse's settings
    ensure_instance_settings(tmp_path / "home")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "home"))

    # No landing yet: the tick says so, and writes nothing there.
    skipped = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert f"the landing {landing} does not exist" in (skipped.skip_message or "")
    assert not skipped.run_requests and not landing.exists()

    write_lake(landing, rows_per_month=20)

    # The first look takes note of the landing: its months become partitions, no run starts.
    requested, cursor = sensor_tick(sensor, instance, None)
    assert requested == []
    assert instance.get_dynamic_partitions("landing_months") == list(DEMO_MONTHS)
    assert sorted(json.loads(cursor or "{}")) == list(DEMO_MONTHS)
    assert sensor_tick(sensor, instance, cursor) == ([], cursor)  # nothing changed, nothing asked

    july = landing / "trips" / "2026-07"
    july.mkdir()
    shutil.copy(landing / "trips" / "2026-06" / "yellow_tripdata_2026-06.parquet", july)
    requested, cursor = sensor_tick(sensor, instance, cursor)
    assert requested == ["2026-07"]
    assert "2026-07" in instance.get_dynamic_partitions("landing_months")
    assert sensor_tick(sensor, instance, cursor)[0] == []

    # A file replaced under the same name (same size, a later write) is a change of its month.
    february = landing / "trips_csv" / "2026-02" / "yellow_tripdata_2026-02.csv"
    stat = february.stat()
    os.utime(february, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    requested, cursor = sensor_tick(sensor, instance, cursor)
    assert requested == ["2026-02"]
    assert sensor_tick(sensor, instance, cursor)[0] == []


@pytest.mark.parametrize("warehouse_kind", ["duckdb"])
def test_a_month_dropped_after_the_daily_run_rebuilds_only_its_trips(
    fresh_warehouse_env, tmp_path, monkeypatch, demo_sources_factory
):
    """The whole graph with no partition (the daily job), then the months job for a new month:
    the partitioned loader and the dbt models downstream of it, in one run."""
    from conftest import source_urls

    pagila_url, courses_url = demo_sources_factory()
    landing = tmp_path / "landing"
    write_lake(landing, rows_per_month=200)
    for name, value in {**fresh_warehouse_env, **source_urls(pagila_url, courses_url)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LAKE_URL", str(landing))
    from orchestration.definitions import daily_schedule, defs

    instance = dg.DagsterInstance.ephemeral()
    # the run the daily schedule asks for: the whole graph, with no partition
    tick = daily_schedule.evaluate_tick(dg.build_schedule_context(instance=instance))
    (request,) = tick.run_requests or []
    assert request.partition_key is None and daily_schedule.job_name == "everything"
    everything = defs.resolve_job_def("everything").execute_in_process(
        instance=instance, tags=request.tags, run_config=request.run_config
    )
    assert everything.success
    # the months it found became partitions, to reload one or backfill a range
    assert instance.get_dynamic_partitions("landing_months") == list(DEMO_MONTHS)
    env = fresh_warehouse_env
    fct = "select substr(_file, 7, 7), count(*), max(_loaded_at) from marts.fct_trips group by 1"
    before = {month: (count, at) for month, count, at in warehouse_query(env, fct)}
    assert sorted(before) == list(DEMO_MONTHS)

    july = landing / "trips" / "2026-07"
    july.mkdir()
    shutil.copy(landing / "trips" / "2026-06" / "yellow_tripdata_2026-06.parquet", july)
    instance.add_dynamic_partitions("landing_months", ["2026-07"])
    run = defs.resolve_job_def("lake_by_month").execute_in_process(
        instance=instance, partition_key="2026-07"
    )

    assert run.success
    after = {month: (count, at) for month, count, at in warehouse_query(env, fct)}
    assert after.pop("2026-07")[0] == 200
    assert after == before  # the other months' trips were not rebuilt
    built = {event.asset_key.path[-1] for event in run.get_asset_materialization_events()}
    assert {"trips", "fct_trips", "rpt_trips_by_month", "published_marts"} <= built
    assert "rental" not in built
