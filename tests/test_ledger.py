"""The ledger's writes, through a bare `execute` on an in-memory DuckDB: no warehouse, no server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pytest

from extract_load import ledger
from extract_load.ledger import Batch


@pytest.fixture
def execute():
    connection = duckdb.connect(":memory:")

    def run(statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = connection.execute(statement.replace("%s", "?"), list(params))
        return cursor.fetchall() if cursor.description else []

    run(f"CREATE SCHEMA {ledger.METADATA_SCHEMA}")
    for statement in ledger.METADATA_DDL:
        run(statement)
    yield run
    connection.close()


def _rows(execute, batch: Batch) -> list[tuple[Any, ...]]:
    return execute(
        "SELECT status, rows_read, cursor_after, error FROM elt.load_batches WHERE batch_id = %s",
        (batch.batch_id,),
    )


def test_a_committed_batch_moves_the_cursor_and_a_later_one_replaces_it(execute):
    assert ledger.read_cursor(execute, "shop", "orders") is None
    for cursor_after in ("2024-01-01", "2024-02-01"):
        batch = Batch("shop", "orders", "incremental", cursor_column="updated_at")
        ledger.start_batch(execute, batch)
        assert _rows(execute, batch) == [("running", None, None, None)]
        batch.rows_read, batch.cursor_after = 10, cursor_after
        ledger.commit_batch(execute, batch)
        assert _rows(execute, batch) == [("succeeded", 10, cursor_after, None)]
    assert ledger.read_cursor(execute, "shop", "orders") == "2024-02-01"
    assert execute("SELECT count(*) FROM elt.cursors", ()) == [(1,)]


def test_a_failed_batch_leaves_the_cursor_alone(execute):
    batch = Batch("shop", "orders", "incremental", cursor_column="updated_at")
    ledger.start_batch(execute, batch)
    batch.status, batch.error, batch.cursor_after = "failed", "boom", "2024-03-01"
    ledger.finish_batch(execute, batch)
    assert _rows(execute, batch) == [("failed", 0, "2024-03-01", "boom")]
    assert ledger.read_cursor(execute, "shop", "orders") is None


def test_a_full_load_writes_no_cursor(execute):
    batch = Batch("shop", "films", "full")
    ledger.start_batch(execute, batch)
    ledger.commit_batch(execute, batch)
    assert execute("SELECT count(*) FROM elt.cursors", ()) == [(0,)]


def test_batches_left_running_by_a_dead_process_are_marked_abandoned(execute):
    dead = Batch("shop", "orders", "incremental", cursor_column="updated_at")
    other_table = Batch("shop", "films", "full")
    for batch in (dead, other_table):
        ledger.start_batch(execute, batch)
    assert ledger.abandon_running_batches(execute, "shop", "orders") == [dead.batch_id]
    status, _, _, error = _rows(execute, dead)[0]
    assert status == ledger.ABANDONED and "nothing of it was published" in error
    assert _rows(execute, other_table)[0][0] == ledger.RUNNING  # another table's, untouched
    assert ledger.abandon_running_batches(execute, "shop", "orders") == []
    assert ledger.read_cursor(execute, "shop", "orders") is None
