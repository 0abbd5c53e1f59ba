"""A files source whose landing is on S3: an S3-compatible server (moto's server mode) started
on loopback, the landing's URL in a variable, and the same guarantees as a local folder."""

from __future__ import annotations

import pytest

from dagster_server import sensor_tick
from extract_load import Settings, load_sources, plan_tables
from extract_load.files_source import parse_months
from table_contents import warehouse_query

BUCKET = "lake-landing"
SOURCES = """
sources:
  lake:
    kind: files
    url_env: LAKE_URL
    tables:
      fares:
        format: csv
        columns: {id: integer, zip: text, amount: "numeric(8,2)"}
"""


@pytest.fixture
def s3(s3_filesystem):
    """An s3fs filesystem on the loopback server, with a fresh bucket."""
    if s3_filesystem.exists(BUCKET):
        s3_filesystem.rm(BUCKET, recursive=True)
    s3_filesystem.mkdir(BUCKET)
    return s3_filesystem


def _fares(first: int, count: int, bad_line: int | None = None) -> bytes:
    lines = ["id,zip,amount"]
    for i in range(first, first + count):
        lines.append(f"{i},0{i:04d},{i}.25" if len(lines) + 1 != bad_line else f'{i},"0{i},1')
    return ("\n".join(lines) + "\n").encode()


def _load(env: dict[str, str], months: str | None = None):
    settings = Settings.from_env(env)
    (result,) = load_sources(
        settings,
        plan_tables(settings, ["lake"]),
        raise_on_failure=False,
        months=parse_months(months) if months else None,
    )
    return result


def test_files_on_s3_load_once_replace_alone_and_quarantine_by_line(
    s3, fresh_warehouse_env, tmp_path
):
    (tmp_path / "sources.yml").write_text(SOURCES, encoding="utf-8")
    env = {
        **fresh_warehouse_env,
        "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
        "LAKE_URL": f"s3://{BUCKET}/drops",
    }
    for month in ("2026-01", "2026-02", "2026-03"):
        s3.pipe(f"{BUCKET}/drops/fares/{month}/fares.csv", _fares(int(month[-1]) * 1000, 200))
    s3.pipe(f"{BUCKET}/drops/fares/2026-02/more.csv", _fares(5000, 200, bad_line=50))

    first = _load(env)
    assert (first.status, first.rows_read, first.rows_loaded, first.rows_quarantined) == (
        "succeeded",
        800,
        799,
        1,
    )
    assert warehouse_query(env, "select file, line, reason from elt.quarantine") == [
        ("fares/2026-02/more.csv", 50, "unterminated quote")
    ]
    assert warehouse_query(env, "select zip from raw_lake.fares where id = 1000") == [("01000",)]

    assert _load(env).rows_read == 0  # nothing new

    s3.pipe(f"{BUCKET}/drops/fares/2026-03/fares.csv", _fares(3000, 10))
    replaced = _load(env, months="2026-03")
    assert (replaced.rows_read, replaced.rows_loaded) == (10, 10)
    assert warehouse_query(
        env, "select _file, count(*) from raw_lake.fares group by _file order by 1"
    ) == [
        ("fares/2026-01/fares.csv", 200),
        ("fares/2026-02/fares.csv", 200),
        ("fares/2026-02/more.csv", 199),
        ("fares/2026-03/fares.csv", 10),
    ]


def test_parquet_on_s3_is_read_by_duckdb_through_fsspec(
    s3, fresh_warehouse_env, tmp_path, monkeypatch
):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from extract_load.files_source import FileRead

    if fresh_warehouse_env["ELT_WAREHOUSE"] == "duckdb":  # PostgreSQL: the Arrow way

        def no_arrow(self: FileRead):
            raise AssertionError(f"{self.label} was read through Arrow")

        monkeypatch.setattr(FileRead, "batches", no_arrow)
    sources = SOURCES.replace("      fares:", "      trips:\n        format: parquet\n      fares:")
    (tmp_path / "sources.yml").write_text(sources, encoding="utf-8")
    env = {
        **fresh_warehouse_env,
        "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
        "LAKE_URL": f"s3://{BUCKET}/drops",
    }
    for month, rows in (("2026-01", 120), ("2026-02", 80)):
        buffer = io.BytesIO()
        ids = pa.array(range(rows), pa.int32())
        pq.write_table(pa.table({"id": ids, "fare": pa.array([1.25] * rows)}), buffer)
        s3.pipe(f"{BUCKET}/drops/trips/{month}/trips.parquet", buffer.getvalue())

    settings = Settings.from_env(env)
    (result,) = load_sources(settings, plan_tables(settings, ["lake"], ["lake.trips"]))
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 200, 200)
    assert warehouse_query(
        env,
        "select _file, count(*), max(_line), sum(fare) from raw_lake.trips group by 1 order by 1",
    ) == [
        ("trips/2026-01/trips.parquet", 120, 120, 150.0),
        ("trips/2026-02/trips.parquet", 80, 80, 100.0),
    ]


def test_the_landing_sensor_sees_a_months_files_change_on_s3(s3, tmp_path, monkeypatch):
    """The lake's sensor on an S3 landing: a listing only; a file rewritten with the same size
    is a change (its entity tag changed), a month dropped is a new run."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.instance import ensure_instance_settings

    monkeypatch.setenv("LAKE_URL", f"s3://{BUCKET}/landing")
    ensure_instance_settings(tmp_path / "home")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "home"))
    sensor = defs.resolve_sensor_def("lake_landing")

    zones = f"{BUCKET}/landing/zones/2026-01/taxi_zone_lookup.csv"
    s3.pipe(zones, b"LocationID,Borough,Zone,service_zone\n1,EWR,Newark Airport,EWR\n")
    requested, cursor = sensor_tick(sensor, instance, None)
    assert requested == [] and instance.get_dynamic_partitions("landing_months") == ["2026-01"]
    assert sensor_tick(sensor, instance, cursor) == ([], cursor)

    s3.pipe(zones, b"LocationID,Borough,Zone,service_zone\n1,EWR,Newark Airpors,EWR\n")
    requested, cursor = sensor_tick(sensor, instance, cursor)
    assert requested == ["2026-01"]
    s3.pipe(f"{BUCKET}/landing/zones/2026-02/taxi_zone_lookup.csv", b"LocationID\n")
    requested, cursor = sensor_tick(sensor, instance, cursor)
    assert requested == ["2026-02"]
    assert sensor_tick(sensor, instance, cursor)[0] == []
