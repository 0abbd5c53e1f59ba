"""The lake's trips in the marts, on both warehouses: fct_trips built incrementally by file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from commands import REPOSITORY, dbt, elt
from demo_sources.lake import write_lake
from table_contents import warehouse_query

TRIPS = "select trip_id, fare_amount, _file from {} order by trip_id"


def _lake_env(fresh_warehouse_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """sources.yml's lake entry alone, its landing (the demo, small) in tmp_path."""
    entry = yaml.safe_load((REPOSITORY / "sources.yml").read_text(encoding="utf-8"))
    sources = {"sources": {"lake": entry["sources"]["lake"]}}
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    write_lake(tmp_path / "landing", rows_per_month=50)
    return {**fresh_warehouse_env, "ELT_SOURCES_FILE": str(tmp_path / "sources.yml")}


def _load_and_run(env: dict[str, str], work: Path) -> None:
    loaded = elt(env, "load", "--source", "lake", "--table", "trips")
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    ran = dbt(env, work, "run", "--select", "+fct_trips")
    assert ran.returncode == 0, ran.stdout[-5000:]


def test_a_file_dropped_again_replaces_all_its_trips_in_fct_trips(fresh_warehouse_env, tmp_path):
    env = _lake_env(fresh_warehouse_env, tmp_path)
    _load_and_run(env, tmp_path)
    assert warehouse_query(env, "select count(*) from marts.fct_trips") == [(300,)]
    (before,) = warehouse_query(
        env, "select max(_loaded_at) from marts.fct_trips where _file like 'trips/2026-01/%'"
    )

    # February dropped again: its first 20 trips, the first with another fare.
    february = tmp_path / "landing" / "trips" / "2026-02" / "yellow_tripdata_2026-02.parquet"
    table = pq.read_table(february).slice(0, 20)
    fares = table.column("fare_amount").to_pylist()
    fares[0] = fares[0] + 1
    table = table.set_column(
        table.schema.get_field_index("fare_amount"),
        "fare_amount",
        pa.array(fares, type=table.schema.field("fare_amount").type),
    )
    pq.write_table(table, february)
    _load_and_run(env, tmp_path)

    assert warehouse_query(env, "select count(*) from marts.fct_trips") == [(270,)]
    assert warehouse_query(env, TRIPS.format("marts.fct_trips")) == warehouse_query(
        env, TRIPS.format("staging.stg_lake__trips")
    )
    assert warehouse_query(
        env, "select count(*) from marts.fct_trips where _file like 'trips/2026-02/%'"
    ) == [(20,)]
    # The other months were left as they were built: an incremental build, not a rebuild.
    assert warehouse_query(
        env, "select max(_loaded_at) from marts.fct_trips where _file like 'trips/2026-01/%'"
    ) == [before]
