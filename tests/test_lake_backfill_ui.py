"""A backfill of three months launched as Dagster's UI launches one: months added to the
partitions with the UI's "add partition", then the backfill of the lake's raw assets over three
of them sent to `dagster dev`'s GraphQL API, run by its daemon. Exactly those partitions are
materialised, and only their files land in the warehouse."""

from __future__ import annotations

import time

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from conftest import source_urls
from dagster_server import add_partition, backfill, backfill_status, dagster_dev
from demo_sources.lake import DEMO_MONTHS, write_lake
from table_contents import warehouse_query

LAKE = ("trips", "trips_csv", "zones")
WANTED = ["2026-02", "2026-03", "2026-04"]


def test_a_backfill_launched_from_the_ui_materialises_exactly_its_months(
    tmp_path, demo_sources_factory
):
    landing = tmp_path / "landing"
    write_lake(landing, rows_per_month=200)
    home = tmp_path / "dagster"
    home.mkdir()
    env = {**source_urls(*demo_sources_factory()), "LAKE_URL": str(landing)}
    with dagster_dev(home, env) as served:
        port = served["_port"]
        for month in DEMO_MONTHS:
            # or the landing's sensor found the month first
            assert add_partition(port, "landing_months", month) in (
                "AddDynamicPartitionSuccess",
                "DuplicateDynamicPartitionError",
            )
        backfill_id = backfill(port, [["raw_lake", table] for table in LAKE], WANTED)
        deadline = time.monotonic() + 300
        while (now := backfill_status(port, backfill_id)) in ("REQUESTED", "CANCELING", "FAILING"):
            assert time.monotonic() < deadline, f"the backfill is still {now} after 300 s"
            time.sleep(2)
        assert now in ("COMPLETED", "COMPLETED_SUCCESS"), (
            now,
            (home / "dagster-dev.log").read_text()[-3000:],
        )
        instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
        for table in LAKE:
            key = dg.AssetKey(["raw_lake", table])
            assert instance.get_materialized_partitions(key) == set(WANTED), table
        warehouse = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": served["_duckdb_path"]}
    months = warehouse_query(
        warehouse, "select distinct substr(_file, 7, 7) from raw_lake.trips order by 1"
    )
    assert [month for (month,) in months] == WANTED
    loaded = warehouse_query(
        warehouse,
        "select distinct split_part(path, '/', 2) from elt.loaded_files "
        "where source = 'lake' and status = 'succeeded' order by 1",
    )
    assert [month for (month,) in loaded] == WANTED
