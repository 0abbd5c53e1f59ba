"""The whole graph on Spark (ELT_WAREHOUSE=spark, a local session), as `elt run` runs it: the
loaders land the demo's raw tables in the lake as Parquet, every dbt model, snapshot, unit test
and data test builds and passes on them, the marts are published, and every mart equals the one
DuckDB builds from the same sources, row for row, decimals exact. After a day more of the demo,
the next run (a load and an incremental build) gives the same marts as a full rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from spark_marts import different_marts

from commands import dbt_build, elt
from conftest import source_urls
from demo_sources.demo import add_day
from extract_load import Settings, load_sources


def _summary(output: str) -> dict[str, int]:
    lines = [line for line in output.splitlines() if "Done. PASS=" in line]
    assert lines, output[-3000:]
    return {
        k: int(v) for k, v in (part.split("=") for part in lines[-1].split("Done. ")[1].split())
    }


def _build(env: dict[str, str], work: Path, *args: str) -> dict[str, int]:
    build = dbt_build(env, work, *args)
    counts = _summary(build.stdout)
    assert build.returncode == 0 and counts["ERROR"] == 0 and counts["SKIP"] == 0, build.stdout[
        -6000:
    ]
    return counts


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_sources_factory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("spark")
    pagila_url, courses_url = demo_sources_factory()
    sources = source_urls(pagila_url, courses_url)
    duck = {**sources, "ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": str(work / "w.duckdb")}
    spark = {
        **sources,
        "ELT_WAREHOUSE": "spark",
        "ELT_LAKE_URL": str(work / "lake"),
        "ELT_SPARK_DIR": str(work / "spark"),
    }
    assert all(r.status == "succeeded" for r in load_sources(Settings.from_env(duck)))
    _build(duck, work / "duck-dbt")
    run = elt(spark, "run")
    return {
        "work": work,
        "duck": duck,
        "spark": spark,
        "run": run,
        "urls": (pagila_url, courses_url),
    }


def test_the_whole_graph_runs_on_spark_and_its_marts_equal_duckdbs(built):
    run = built["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    assert "spark:" in run.stdout and "Analysts read the published marts: Spark" in run.stdout
    assert "marts.fct_rentals" in run.stdout  # the published rows per mart
    work = built["work"]
    assert different_marts(work / "w.duckdb", work / "spark") == []


def test_an_incremental_build_on_spark_equals_a_full_rebuild(built):
    """The full rebuild is DuckDB's (a Spark build takes minutes, DuckDB's seconds): the test
    above shows that Spark's full build equals DuckDB's."""
    work, duck, spark = built["work"], built["duck"], built["spark"]
    add_day(*built["urls"], seed=11)
    run = elt(spark, "run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    assert all(r.status == "succeeded" for r in load_sources(Settings.from_env(duck)))
    _build(duck, work / "duck-dbt", "--full-refresh")
    assert different_marts(work / "w.duckdb", work / "spark") == []
