"""A run terminated from Dagster's UI stops its load within seconds, even while the source
sends nothing: the run ends CANCELED, nothing of the batch is published, and the ledger
records it `cancelled`. (The UI's Terminate button is the GraphQL mutation `terminateRun`.)"""

from __future__ import annotations

import time

import psycopg
import pytest

from conftest import source_urls
from dagster_server import TERMINATE, dagster_dev, launch, post, status
from source_stalls import held, source_readers
from table_contents import warehouse_query

ROWS = 2_000_000


@pytest.fixture(scope="module")
def big_pagila(demo_sources_factory) -> dict[str, str]:
    """The demo's sources, with two million more rentals: a table that takes a while."""
    pagila, courses = demo_sources_factory()
    with psycopg.connect(pagila, autocommit=True) as connection:
        connection.execute(
            "insert into rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
            "select 10000000 + i, timestamptz '1990-01-01 00:00+00' + i * interval '1 second', "
            "(select min(inventory_id) from inventory), (select min(customer_id) from customer), "
            "(select min(staff_id) from staff) from generate_series(1, %s) as i",
            (ROWS,),
        )
    return source_urls(pagila, courses)


def test_a_run_terminated_in_the_ui_cancels_its_load(big_pagila, tmp_path):
    with dagster_dev(tmp_path, big_pagila) as served:
        port = served["_port"]
        run_id = launch(port, assets=[["raw_pagila", "rental"]])
        deadline = time.monotonic() + 180
        while not source_readers(big_pagila["PAGILA_URL"], "rental"):
            assert status(port, run_id) not in ("SUCCESS", "FAILURE", "CANCELED")
            assert time.monotonic() < deadline, "the run never started reading rental"
            time.sleep(0.1)
        time.sleep(0.3)  # some rows on their way
        with held(big_pagila["PAGILA_URL"], "rental", throttle=True):
            time.sleep(1)
            assert status(port, run_id) == "STARTED"
            terminated = post(port, TERMINATE, {"id": run_id})["terminateRun"]
            assert terminated["__typename"] == "TerminateRunSuccess", terminated
            asked = time.monotonic()
            while (now := status(port, run_id)) not in ("SUCCESS", "FAILURE", "CANCELED"):
                assert time.monotonic() - asked < 30, f"still {now} 30 s after Terminate"
                time.sleep(0.5)
            took = time.monotonic() - asked
        assert now == "CANCELED"
        assert took < 15, f"{took:.1f} s from Terminate to CANCELED"
        warehouse = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": served["_duckdb_path"]}
        assert warehouse_query(
            warehouse,
            "select status from elt.load_batches where table_name = 'rental'",
        ) == [("cancelled",)]
        assert (
            warehouse_query(
                warehouse,
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_pagila' and table_name like '%rental%'",
            )
            == []
        )
