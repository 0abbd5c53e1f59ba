"""A load's session on the warehouse: on PostgreSQL one connection holds its table's lock and
its COPY (tests/test_many_tables.py counts the connections of a whole run); on DuckDB a
statement under way stops when the load is cancelled."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from extract_load.warehouse.postgres import PostgresWarehouse


def _backend(warehouse: PostgresWarehouse) -> int:
    ((pid,),) = warehouse.execute("select pg_backend_pid()")
    return pid


def test_a_tables_lock_is_held_by_the_loads_own_session_named_after_the_table(new_database):
    url = new_database("warehouse")
    warehouse = PostgresWarehouse(url)
    session = _backend(warehouse)
    with psycopg.connect(url, autocommit=True) as watcher:

        def advisory_holders() -> list[tuple[int, str]]:
            return watcher.execute(
                "select locks.pid, activity.application_name from pg_locks as locks "
                "join pg_stat_activity as activity using (pid) "
                "where locks.locktype = 'advisory' and locks.granted"
            ).fetchall()

        with warehouse.table_lock("raw_shop", "orders"):
            assert advisory_holders() == [(session, "elt-loader raw_shop.orders")]
            assert _backend(warehouse) == session
        assert advisory_holders() == []
        ((name,),) = warehouse.execute("select current_setting('application_name')")
        assert name == "elt-loader"
    warehouse.close()


def test_a_copy_left_early_commits_nothing_and_the_session_goes_on(new_database):
    url = new_database("warehouse")
    warehouse = PostgresWarehouse(url)
    warehouse.execute("create table copied (n integer)")

    def pieces() -> Iterator[bytes]:
        block = b"".join(b"%d\n" % n for n in range(400_000))  # over psycopg's 1 MiB flush
        for start in range(0, len(block), 1 << 16):
            yield block[start : start + (1 << 16)]
        # most of them are in the server's transaction, uncommitted, when the source fails
        assert _copied_by_server(url, 50_000), "the rows never reached the server"
        raise RuntimeError("the source gave up")

    with pytest.raises(RuntimeError, match="gave up"):
        warehouse._copy_in("COPY copied (n) FROM STDIN", pieces())
    assert warehouse.execute("select count(*) from copied") == [(0,)]
    assert warehouse._copy_in("COPY copied (n) FROM STDIN", iter([b"1\n2\n"])) == 2
    warehouse.close()


def test_a_duckdb_statement_under_way_is_interrupted(tmp_path):
    """A cancelled load interrupts the warehouse's statements (publishing a large table, a
    long merge), not only its reads: DuckDB's are interrupted through their cursors."""
    import threading

    import duckdb

    from extract_load.warehouse.duckdb import DuckDBWarehouse

    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            warehouse.execute("select count(*) from range(1000000000000) as a")
            outcome.append(None)
        except BaseException as error:  # reported below
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    warehouse.interrupt()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the statement went on"
    assert time.monotonic() - started < 5
    assert len(outcome) == 1 and isinstance(outcome[0], duckdb.InterruptException), outcome
    warehouse.close()


def _copied_by_server(url: str, rows: int, timeout: float = 30) -> bool:
    """Whether the server's running COPY has taken in at least `rows` rows within `timeout`
    seconds (pg_stat_progress_copy, which counts in steps of 1000), seen from another
    connection."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            row = watcher.execute(
                "select max(tuples_processed) from pg_stat_progress_copy "
                "where datname = current_database()"
            ).fetchone()
            if row is not None and row[0] is not None and row[0] >= rows:
                return True
            time.sleep(0.05)
    return False
