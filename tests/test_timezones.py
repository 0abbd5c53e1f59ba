"""Every timestamp lands as UTC, and the marts do not depend on the time zone of the machine
(or of the PostgreSQL session) that builds them, daylight-saving edges included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from commands import dbt_build
from conftest import source_urls, warehouse_env
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Instants whose local date differs between UTC, Tokyo and New York, around DST changes.
EDGES = [
    "2022-03-13 06:30:00+00",  # New York springs forward at 07:00 UTC
    "2022-03-26 20:00:00+00",  # 05:00 on the 27th in Tokyo
    "2022-03-27 00:30:00+00",  # Europe springs forward at 01:00 UTC
    "2022-03-27 01:30:00+00",
    "2022-06-30 23:59:59.999999+00",
]


def _run(args: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(
        args, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


def _build(env: dict[str, str], work: Path, zone: str) -> None:
    """Load and dbt build as separate processes running in time zone `zone`."""
    process_env = {
        **os.environ,
        **env,
        "TZ": zone,
        "PGTZ": zone,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    _run([str(BIN / "elt"), "load"], process_env)
    built = dbt_build(process_env, work)
    assert built.returncode == 0, built.stdout[-3000:]


def _marts(env: dict[str, str]) -> dict[str, list]:
    tables = [
        name
        for (name,) in warehouse_query(
            env, "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    ]
    result = {}
    for table in tables:
        columns = [
            name
            for (name,) in warehouse_query(
                env,
                "select column_name from information_schema.columns where table_schema = "
                f"'marts' and table_name = '{table}' order by ordinal_position",
            )
            # when and in which batch the load ran differ between the two runs
            if "loaded_at" not in name and "batch_id" not in name
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = warehouse_query(env, f'select {select} from marts."{table}"')
        result[table] = sorted(rows, key=repr)
    return result


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_marts_are_identical_in_utc_and_tokyo(
    kind, tmp_path_factory, new_database, demo_sources_factory
):
    pagila_url, courses_url = demo_sources_factory()
    with psycopg.connect(pagila_url, autocommit=True) as connection:
        ids = [
            r
            for (r,) in connection.execute(
                "select rental_id from rental order by rental_id limit %s", (len(EDGES),)
            )
        ]
        for rental_id, instant in zip(ids, EDGES, strict=True):
            connection.execute(
                "update rental set rental_date = %s::timestamptz, "
                "return_date = %s::timestamptz + interval '3 days' where rental_id = %s",
                (instant, instant, rental_id),
            )
    built = {}
    for zone in ("UTC", "Asia/Tokyo"):
        work = tmp_path_factory.mktemp(f"tz-{kind}")
        env = {
            **warehouse_env(kind, work, new_database),
            **source_urls(pagila_url, courses_url),
        }
        _build(env, work, zone)
        built[zone] = env

    utc, tokyo = _marts(built["UTC"]), _marts(built["Asia/Tokyo"])
    assert utc.keys() == tokyo.keys() and len(utc) >= 15
    for table in utc:
        assert utc[table] == tokyo[table], f"marts.{table} depends on the time zone"

    # Raw timestamps are the source's instants, and the marts date them in UTC.
    for zone, env in built.items():
        same_instants = warehouse_query(
            env,
            "select count(*) from raw_pagila.rental where "
            + " or ".join(
                f"(rental_id = {rental_id} and rental_date = cast('{edge}' as timestamptz))"
                for rental_id, edge in zip(ids, EDGES, strict=True)
            ),
        )
        assert same_instants == [(len(EDGES),)], zone
        keys = warehouse_query(
            env,
            "select rental_date_key from marts.fct_rentals "
            f"where rental_id in ({', '.join(map(str, ids))}) order by rental_id",
        )
        assert [key for (key,) in keys] == [20220313, 20220326, 20220327, 20220327, 20220630]
