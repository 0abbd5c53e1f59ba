"""A row of every awkward PostgreSQL type survives the trip into each warehouse exactly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from uuid import UUID

import psycopg
import pytest

from extract_load import Settings, SourceSpec, TableSpec, load_table
from extract_load.warehouse import open_warehouse
from table_contents import warehouse_query


@pytest.fixture(params=["duckdb", "duckdb-psql", "postgres"])
def warehouse_kind(request) -> str:
    """Both of DuckDB's ways of reading PostgreSQL (its extension, psql's CSV) must be exact."""
    return request.param


SCHEMA = """
create type mood as enum ('sad', 'ok', 'happy');
create domain year as integer check (value >= 1901 and value <= 2155);
create domain price as numeric(5,2);
create table awkward (
    id integer primary key,
    money_exact numeric(5,2),
    money_domain price,
    rate numeric(4,2),
    wide numeric(50,3),
    unconstrained numeric,
    small smallint,
    big bigint,
    ratio double precision,
    flag boolean,
    rating mood,
    release year,
    features text[],
    moods mood[],
    numbers integer[],
    padded char(20),
    label varchar(10),
    note text,
    document tsvector,
    picture bytea,
    happened timestamptz,
    local_time timestamp,
    day date,
    duration interval,
    id_uuid uuid,
    payload jsonb,
    never_set numeric(4,2)
);
insert into awkward values
 (1, 12.34, 999.99, 4.99, 12345678901234567890123456789012345678901234567.125,
  0.1000000000000000000000000000000000000001, 32767, 9223372036854775807, 0.1, true,
  'happy', 2006, '{"Deleted Scenes","Behind the Scenes",NULL,""}', '{ok,sad}', '{1,NULL,3}',
  'English', '', E'two\\nlines, a "quote" and a \\\\ backslash',
  to_tsvector('english', 'the quick brown fox'),
  '\\x00ff10', '2022-03-27 01:30:00+01', '2022-03-27 02:30:00', '2022-02-28',
  '1 year 2 mons -3 days 04:05:06.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": [1, "x"], "b": null}', null),
 (2, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null, null, null, null),
 (3, -0.01, 0, 0, 0, -1e-30, -32768, -1, 'NaN', false, 'sad', 1901, '{}', '{}', '{}',
  '', 'NULL', 'NA', '', '', '2022-10-30 01:30:00-00', '1999-12-31 23:59:59.999999',
  '1999-12-31', '-1 days +02:00:00', null, '[]', null);
"""

EXPECTED_DUCKDB_TYPES = {
    "money_exact": "DECIMAL(5,2)",
    "money_domain": "DECIMAL(5,2)",
    "rate": "DECIMAL(4,2)",
    "small": "SMALLINT",
    "big": "BIGINT",
    "flag": "BOOLEAN",
    "rating": "VARCHAR",
    "release": "INTEGER",
    "features": "VARCHAR[]",
    "moods": "VARCHAR[]",
    "numbers": "INTEGER[]",
    "padded": "VARCHAR",
    "document": "VARCHAR",
    "picture": "BLOB",
    "happened": "TIMESTAMP WITH TIME ZONE",
    "local_time": "TIMESTAMP",
    "day": "DATE",
    "duration": "INTERVAL",
    "id_uuid": "UUID",
    "payload": "JSON",
    "never_set": "DECIMAL(4,2)",
}
EXPECTED_POSTGRES_TYPES = {
    "money_exact": "numeric(5,2)",
    "money_domain": "numeric(5,2)",
    "rate": "numeric(4,2)",
    "wide": "numeric(50,3)",
    "unconstrained": "numeric",
    "small": "smallint",
    "big": "bigint",
    "rating": "text",
    "release": "integer",
    "features": "text[]",
    "moods": "text[]",
    "numbers": "integer[]",
    "padded": "text",
    "document": "text",
    "picture": "bytea",
    "happened": "timestamp with time zone",
    "local_time": "timestamp without time zone",
    "payload": "jsonb",
    "never_set": "numeric(4,2)",
}


@pytest.fixture(scope="module")
def awkward_source(new_database) -> str:
    url = new_database("awkward")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SCHEMA)
    return url


def _load(env: dict[str, str], url: str) -> None:
    spec = TableSpec("awkward")
    source = SourceSpec("fixture", "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        result = load_table(warehouse, source, spec, url)
    finally:
        warehouse.close()
    assert result.status == "succeeded", result.error
    assert result.rows_read == 3


def _row(env: dict[str, str], row_id: int) -> dict[str, object]:
    columns = [
        name
        for (name,) in warehouse_query(
            env,
            "select column_name from information_schema.columns where table_schema = "
            "'raw_fixture' and table_name = 'awkward' order by ordinal_position",
        )
    ]
    (values,) = warehouse_query(env, f"select * from raw_fixture.awkward where id = {row_id}")
    return dict(zip(columns, values, strict=True))


def test_every_awkward_type_round_trips(fresh_warehouse_env, awkward_source):
    env = fresh_warehouse_env
    _load(env, awkward_source)
    utc = dt.UTC

    first = _row(env, 1)
    assert first["money_exact"] == Decimal("12.34")
    assert first["money_domain"] == Decimal("999.99")
    assert first["rate"] == Decimal("4.99")
    assert Decimal(str(first["wide"])) == Decimal(
        "12345678901234567890123456789012345678901234567.125"
    )
    assert Decimal(str(first["unconstrained"])) == Decimal(
        "0.1000000000000000000000000000000000000001"
    )
    assert first["small"] == 32767
    assert first["big"] == 9223372036854775807
    assert first["ratio"] == 0.1
    assert first["flag"] is True
    assert first["rating"] == "happy"
    assert first["release"] == 2006
    assert first["features"] == ["Deleted Scenes", "Behind the Scenes", None, ""]
    assert first["moods"] == ["ok", "sad"]
    assert first["numbers"] == [1, None, 3]
    assert first["padded"] == "English"
    assert first["label"] == ""
    assert first["note"] == 'two\nlines, a "quote" and a \\ backslash'
    assert first["document"] == "'brown':3 'fox':4 'quick':2"
    assert bytes(first["picture"]) == b"\x00\xff\x10"
    assert first["happened"] == dt.datetime(2022, 3, 27, 0, 30, tzinfo=utc)
    assert first["local_time"] == dt.datetime(2022, 3, 27, 2, 30)
    assert first["day"] == dt.date(2022, 2, 28)
    assert str(first["id_uuid"]) == str(UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
    payload = first["payload"]
    assert (payload if isinstance(payload, dict) else json.loads(payload)) == {
        "a": [1, "x"],
        "b": None,
    }
    assert first["never_set"] is None

    # NULL stays NULL in every column, '' stays ''.
    second = _row(env, 2)
    assert all(
        value is None
        for name, value in second.items()
        if name not in ("id", "_loaded_at", "_batch_id")
    )
    third = _row(env, 3)
    assert third["features"] == [] and third["moods"] == [] and third["numbers"] == []
    assert third["padded"] == "" and third["label"] == "NULL" and third["note"] == "NA"
    assert third["document"] == "" and bytes(third["picture"]) == b""
    assert third["ratio"] != third["ratio"]  # NaN
    assert third["small"] == -32768 and third["money_exact"] == Decimal("-0.01")
    assert third["happened"] == dt.datetime(2022, 10, 30, 1, 30, tzinfo=utc)
    assert third["local_time"] == dt.datetime(1999, 12, 31, 23, 59, 59, 999999)

    # Intervals keep months, days and time apart (each engine spells them its own way).
    durations = warehouse_query(
        env,
        "select cast(duration as varchar) from raw_fixture.awkward where id in (1, 3) order by id",
    )
    assert durations == (
        [("1 year 2 mons -3 days +04:05:06.5",), ("-1 days +02:00:00",)]
        if env["ELT_WAREHOUSE"] == "postgres"
        else [("1 year 2 months -3 days 04:05:06.5",), ("-1 day 02:00:00",)]
    )

    if env["ELT_WAREHOUSE"] == "duckdb":
        types = dict(
            warehouse_query(
                env,
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_fixture' and table_name = 'awkward'",
            )
        )
        expected = EXPECTED_DUCKDB_TYPES
    else:
        types = dict(
            warehouse_query(
                env,
                "select attname, format_type(atttypid, atttypmod) from pg_attribute "
                "where attrelid = 'raw_fixture.awkward'::regclass and attnum > 0",
            )
        )
        expected = EXPECTED_POSTGRES_TYPES
    assert {name: types[name] for name in expected} == expected


EDGE_TIMES = """
create table edge_times (id integer primary key, happened timestamptz, local_time timestamp,
                         day date);
insert into edge_times values
 (1, 'infinity', 'infinity', 'infinity'),
 (2, '-infinity', '-infinity', '-infinity'),
 (3, '0044-03-15 12:00:00.5+00 BC', '0044-03-15 12:00:00 BC', '0044-03-15 BC'),
 (4, '10000-01-01 00:00:00+00', '10000-01-01 00:00:00', '10000-01-01'),
 (5, '2024-02-29 23:59:59.999999+00', '2024-02-29 23:59:59.999999', '2024-02-29');
"""
# How DuckDB spells the same instants (PostgreSQL's own text is checked against the source).
EDGE_TIMES_DUCKDB = [
    (1, "infinity", "infinity", "infinity"),
    (2, "-infinity", "-infinity", "-infinity"),
    (3, "0044-03-15 (BC) 12:00:00.5+00", "0044-03-15 (BC) 12:00:00", "0044-03-15 (BC)"),
    (4, "10000-01-01 00:00:00+00", "10000-01-01 00:00:00", "10000-01-01"),
    (5, "2024-02-29 23:59:59.999999+00", "2024-02-29 23:59:59.999999", "2024-02-29"),
]


def test_timestamps_arrow_cannot_represent_round_trip(fresh_warehouse_env, new_database, caplog):
    """Infinity, BC and years after 9999 make Arrow refuse the fast path; the table is read
    again with them as text, and nothing changes on the way (DuckDB would read a BC timestamp
    as AD if it were given PostgreSQL's spelling)."""
    env = fresh_warehouse_env
    url = new_database("edge_times")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(EDGE_TIMES)
        connection.execute("set timezone = 'UTC'")
        in_source = connection.execute(
            "select id, happened::text, local_time::text, day::text from edge_times order by id"
        ).fetchall()
    spec = TableSpec("edge_times")
    source = SourceSpec("fixture", "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema(source.raw_schema)
        with caplog.at_level("INFO", logger="extract_load"):
            result = load_table(warehouse, source, spec, url)
    finally:
        warehouse.close()
    assert result.status == "succeeded", result.error
    loaded = warehouse_query(
        env,
        "select id, cast(happened as varchar), cast(local_time as varchar), "
        "cast(day as varchar) from raw_fixture.edge_times order by id",
    )
    if env["ELT_WAREHOUSE"] == "duckdb":
        assert loaded == EDGE_TIMES_DUCKDB
        if env["ELT_DUCKDB_POSTGRES_READER"] == "psql":  # the extension reads them in binary
            assert "reading it again with timestamps and dates as text" in caplog.text
        years = warehouse_query(
            env, "select year(local_time), year(day) from raw_fixture.edge_times where id = 3"
        )
        assert years == [(-43, -43)]  # 44 BC is year -43: not 44 AD
    else:
        assert loaded == in_source


def test_an_error_before_the_end_of_the_stream_does_not_wait_for_psql():
    """Mid-stream, psql is alive and blocked on a full pipe: waiting for its exit status would
    stall every error, and the fallback to text timestamps, by the whole wait (it did: 10 s on
    a 600k-row table). Once the stream has ended, psql's status is worth waiting for."""
    import io

    import pyarrow as pa

    from extract_load.streams import CountingReader
    from extract_load.warehouse.duckdb import _cause, _TemporalOutOfRange

    class Source:
        def __init__(self) -> None:
            self.waits: list[float] = []

        def failure(self, wait_seconds: float = 0) -> None:
            self.waits.append(wait_seconds)

    source = Source()
    stream = CountingReader(io.BytesIO(b"1,infinity\n"))
    error = pa.ArrowInvalid(
        "In CSV column #1: CSV conversion error to timestamp[us, tz=UTC]: invalid value 'infinity'"
    )
    assert isinstance(_cause(error, source, stream, False), _TemporalOutOfRange)
    assert source.waits == [0]
    while stream.read(1 << 20):
        pass
    assert _cause(error, source, stream, True) is error
    assert source.waits[-1] > 0
