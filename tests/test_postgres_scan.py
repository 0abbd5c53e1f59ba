"""PostgreSQL into DuckDB through DuckDB's PostgreSQL extension: a large table is read over
page ranges by several connections in one snapshot, and a password reaches the server without
landing in a message, a log or the warehouse file."""

from __future__ import annotations

import itertools
import logging
import uuid
from pathlib import Path

import psycopg
import pytest
from logins import PASSWORD, WRONG_PASSWORD, as_login, password_authentication, query

import extract_load.warehouse.duckdb_scan as duckdb_scan
from extract_load import Settings, SourceSpec, TableSpec, load_table
from extract_load.postgres_source import MIN_PART_PAGES, page_ranges
from extract_load.warehouse import open_warehouse
from table_contents import source_rows, warehouse_rows


# -- page ranges: pure -----------------------------------------------------------------------
@pytest.mark.parametrize("streams", [1, 2, 3, 8])
@pytest.mark.parametrize("pages", [0, 1, 255, 256, 511, 512, 10_000, 1_000_003])
def test_page_ranges_cover_the_table_once_one_per_stream(pages, streams):
    ranges = page_ranges(pages, streams)
    large = streams > 1 and pages >= streams * MIN_PART_PAGES
    assert len(ranges) == (streams if large else 1)
    assert ranges[0][0] == 0
    assert ranges[-1][1] is None  # pages added after the size was read are read too
    for (_, end), (first, _) in itertools.pairwise(ranges):
        assert end == first  # contiguous: no page twice, none left out
    sizes = [end - first for first, end in ranges[:-1] if end is not None]
    if sizes:
        assert max(sizes) - min(sizes) <= 1
        assert pages - ranges[-1][0] <= max(sizes)


# -- one snapshot over every range -------------------------------------------------------------
ROWS = 40_000  # about 1,000 pages: two ranges of more than MIN_PART_PAGES

TABLE = f"""
create table events (id integer primary key, label text not null, amount numeric(10,2));
insert into events
select i, 'event ' || i || repeat('x', 150), i / 100.0 from generate_series(1, {ROWS}) as i
"""


def _load(env: dict[str, str], url: str, table: str) -> None:
    source = SourceSpec("fixture", "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        result = load_table(warehouse, source, TableSpec(table), url)
    finally:
        warehouse.close()
    assert result.status == "succeeded", result.error


def _duckdb_env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "ELT_WAREHOUSE": "duckdb",
        "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "ELT_DUCKDB_POSTGRES_READER": "extension",
        **more,
    }


def test_ranges_read_by_two_connections_see_one_snapshot(new_database, tmp_path, monkeypatch):
    """Rows changed in the source after the snapshot was exported, before the parts read, are
    seen by no part (the first, in the exporting transaction, nor the second, which takes it):
    the table lands as of one instant, like one COPY."""
    url = new_database("scan")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(TABLE)
    before = source_rows(url, "events", ["id", "label", "amount"])
    split = []
    real_exported = duckdb_scan._Parts.exported

    def exported_then_changed(parts, snapshot):
        split.append(parts.count)
        # Committed before any part is read: rows leave the last pages and the first, and a
        # row is updated (a new version, on another page).
        with psycopg.connect(url, autocommit=True) as source:
            source.execute(f"delete from events where id > {ROWS - 1000} or id <= 1000")
            source.execute("update events set label = 'changed' where id = 5000")
            source.execute(f"insert into events values ({ROWS + 1}, 'new', 1)")
        real_exported(parts, snapshot)

    monkeypatch.setattr(duckdb_scan._Parts, "exported", exported_then_changed)
    env = _duckdb_env(tmp_path, ELT_MAX_WORKERS="2")
    _load(env, url, "events")

    assert split == [2]  # the table was split: each range by its own connection
    assert warehouse_rows(env, "raw_fixture", "events") == before
    # ... and the next load sees the changes.
    monkeypatch.setattr(duckdb_scan._Parts, "exported", real_exported)
    _load(env, url, "events")
    after = source_rows(url, "events", ["id", "label", "amount"])
    assert after != before
    assert warehouse_rows(env, "raw_fixture", "events") == after


def test_a_small_table_is_one_query_and_one_worker_never_splits(new_database, tmp_path):
    url = new_database("scan_small")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(TABLE)
        connection.execute("create table tiny as select * from events where id <= 10")
    split = []
    real_run_parts = duckdb_scan._run_parts

    def recording(attachments, alias, session, queries, insert, progress):
        split.append(len(queries))
        return real_run_parts(attachments, alias, session, queries, insert, progress)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckdb_scan, "_run_parts", recording)
        _load(_duckdb_env(tmp_path / "a", ELT_MAX_WORKERS="4"), url, "tiny")
        _load(_duckdb_env(tmp_path / "b", ELT_MAX_WORKERS="1"), url, "events")
        assert split == []
        _load(_duckdb_env(tmp_path / "c", ELT_MAX_WORKERS="2"), url, "events")
        assert split == [2]  # the same table, split where two may read it


# -- the password -----------------------------------------------------------------------------
def test_the_password_reaches_the_extension_and_nothing_else(
    postgres_server, new_database, tmp_path, caplog
):
    """With password authentication really on: the load through the extension succeeds, and
    the password is in no log line and not in the warehouse file. When the extension's
    connection is refused (the password changed; the load reads the catalog through the
    extension too), its error names the failure without repeating the password, and nothing
    is retried."""
    url = new_database("scan_secret")
    login = f"elt_scan_reader_{uuid.uuid4().hex[:8]}"
    query(url, f"create role {login} login password '{PASSWORD}'")
    query(url, TABLE)
    query(url, f"grant select on events to {login}")
    with password_authentication(postgres_server, [login]) as checked:
        if not checked:
            pytest.skip("the test server is not the embedded one: its authentication is not ours")
        caplog.set_level(logging.DEBUG)
        env = _duckdb_env(tmp_path / "right")
        _load(env, as_login(url, login), "events")
        assert len(warehouse_rows(env, "raw_fixture", "events")) == ROWS
        assert PASSWORD not in caplog.text
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert files and not [p for p in files if PASSWORD.encode() in p.read_bytes()]

        caplog.clear()
        query(url, f"alter role {login} password '{WRONG_PASSWORD}'")
        source = SourceSpec("fixture", "FIXTURE_URL")
        warehouse = open_warehouse(Settings.from_env(_duckdb_env(tmp_path / "changed")))
        try:
            warehouse.ensure_schema(source.raw_schema)
            result = load_table(warehouse, source, TableSpec("events"), as_login(url, login))
        finally:
            warehouse.close()
        assert result.status == "failed"
        assert "password authentication failed" in (result.error or "")
        assert "retrying" not in caplog.text
        assert PASSWORD not in (result.error or "") + caplog.text
    query(url, f"drop owned by {login}")
    query(url, f"drop role {login}")
