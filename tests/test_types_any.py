"""Any PostgreSQL type lands exactly on both warehouses, or as its text form with one warning.

Expected values are computed by the source itself (`col::text`, `to_json(col)`, ...), never
written down here: the test states each type's rule, the source applies it to the data.
"""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

from extract_load import Settings, SourceSpec, TableSpec, load_table
from extract_load.compare import compare_table
from extract_load.warehouse import open_warehouse
from table_contents import warehouse_query

KINDS = ["duckdb", "duckdb-psql", "postgres"]


@pytest.fixture(params=KINDS)
def warehouse_kind(request) -> str:
    """Both of DuckDB's ways of reading PostgreSQL (its extension, psql's CSV) must be exact."""
    return request.param


SCHEMA = """
create extension hstore; create extension ltree; create extension cube; create extension citext;
create type pair as (n integer, label text, amount numeric(6,2));
create type feeling as enum ('meh', 'good');
create domain tags as text[];
create domain short_code as varchar(8);
create table every_type (
    id integer primary key, updated_at timestamptz not null default '2024-01-01',
    doc json, docb jsonb, uid uuid, span interval, addr inet, net cidr, mac macaddr,
    mac8 macaddr8, cash money, flags bit(4), vflags varbit, clock time, clock_tz timetz,
    ints int4range, times tstzrange, days daterange, amounts numrange, int_ranges int4multirange,
    pair_value pair, store hstore, pairs pair[], range_list int4range[], uids uuid[],
    spans interval[], docs jsonb[], grid integer[][], feelings feeling[], stores hstore[],
    local_time timestamp, code varchar(8), any_number numeric, page xml, ci citext,
    path ltree, box_value cube, location point, coded short_code, tag_list tags
);
-- page stays NULL: the embedded server is built without libxml, so it cannot make an xml value.
insert into every_type (id) values (2);
insert into every_type values
 (1, default, '{"b": 1.10000000000000000000001,  "a": [1, "x"], "a": 2}', '{"z": 1.50, "a": null}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 year 2 mons -3 days 04:05:06.000001',
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', '-1234.56',
  B'0010', B'000101', '24:00:00', '12:34:56.789+05:30', '[1,10)',
  '["2024-01-01 00:00:00+00",infinity)', '(,2024-01-01]', '[1.50,2.25]', '{[1,3),[5,7)}',
  row(1, 'a "quoted", comma, (paren)', null), '"a b"=>"1", "k\\"q"=>NULL, c=>""',
  array[row(1, 'x', 1.00)::pair, null, row(null, 'y, "z"', -0.5)::pair],
  array['[1,2)'::int4range, 'empty', null],
  array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, null],
  array['1 mon -1 days +00:00:00.000001'::interval, '-00:00:00.000001', null],
  array['{"a": 1.50}'::jsonb, 'null', null], '{{1,NULL},{3,4}}', '{good,meh,NULL}',
  array['a=>1'::hstore, null], '2022-03-27 02:30:00', 'abc',
  0.1000000000000000000000000000000000000001,
  null, 'MiXeD', 'top.science.astronomy', '(1,2),(3,4)', '(1.5,-2)', 'xy',
  '{"a b",NULL,"","q\\"uote"}'),
 (3, default, 'null', '[]', '00000000-0000-0000-0000-000000000000', '-1 days +02:00:00',
  '::1', '::/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00', '0', B'0000', '',
  '00:00:00', '23:59:59.999999-15:59', 'empty', '(-infinity,"2024-01-01 00:00:00+00")', 'empty',
  '(,)', '{}', row(null, null, null), '', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
  '-infinity', '', 'NaN', null, '', '', '(0)', '(0,0)', '', '{}');
"""

DUCKDB_TYPES = {
    "doc": "JSON", "docb": "JSON", "uid": "UUID", "span": "INTERVAL", "addr": "VARCHAR",
    "net": "VARCHAR", "mac": "VARCHAR", "mac8": "VARCHAR", "cash": "DECIMAL(19,2)",
    "flags": "BIT", "vflags": "VARCHAR", "clock": "TIME", "clock_tz": "TIME WITH TIME ZONE",
    "ints": "VARCHAR", "times": "VARCHAR", "days": "VARCHAR", "amounts": "VARCHAR",
    "int_ranges": "VARCHAR", "pair_value": "JSON", "store": "MAP(VARCHAR, VARCHAR)",
    "pairs": "JSON", "range_list": "VARCHAR[]", "uids": "UUID[]", "spans": "INTERVAL[]",
    "docs": "JSON[]", "grid": "INTEGER[][]", "feelings": "VARCHAR[]",
    "stores": "MAP(VARCHAR, VARCHAR)[]", "local_time": "TIMESTAMP", "code": "VARCHAR",
    "any_number": "VARCHAR", "page": "VARCHAR", "ci": "VARCHAR", "path": "VARCHAR",
    "box_value": "VARCHAR", "location": "VARCHAR", "coded": "VARCHAR", "tag_list": "VARCHAR[]",
}  # fmt: skip
POSTGRES_TYPES = {
    "doc": "json", "docb": "jsonb", "uid": "uuid", "span": "interval", "addr": "inet",
    "net": "cidr", "mac": "macaddr", "mac8": "macaddr8", "cash": "numeric(19,2)",
    "flags": "bit(4)", "vflags": "bit varying", "clock": "time without time zone",
    "clock_tz": "time with time zone", "ints": "int4range", "times": "tstzrange",
    "days": "daterange", "amounts": "numrange", "int_ranges": "int4multirange",
    "pair_value": "jsonb", "store": "jsonb", "pairs": "jsonb", "range_list": "int4range[]",
    "uids": "uuid[]", "spans": "interval[]", "docs": "jsonb[]", "grid": "integer[]",
    "feelings": "text[]", "stores": "jsonb[]", "local_time": "timestamp without time zone",
    "code": "character varying(8)", "any_number": "numeric", "page": "xml", "ci": "text",
    "path": "text", "box_value": "text", "location": "point", "coded": "character varying(8)",
    "tag_list": "text[]",
}  # fmt: skip
FALLBACKS = {"duckdb": {"path", "box_value", "location"}, "postgres": {"path", "box_value"}}

# What each column must hold, as the source computes it (PostgreSQL warehouse: its text form).
_CONVERTED = {
    "cash": "{}::numeric",
    "pair_value": "to_jsonb({})",
    "pairs": "to_jsonb({})",
    "store": "{}::jsonb",
    "stores": "{}::jsonb[]",
}
_MONTHS_DAYS_MICROS = {  # an interval's three fields, as each engine reads them
    "postgres": "case when {0} is not null then concat_ws(',', (extract(year from {0}) * 12 + "
    "extract(month from {0}))::bigint, extract(day from {0})::bigint, (extract(hour from {0}) * "
    "3600000000 + extract(minute from {0}) * 60000000 + extract(microseconds from {0}))::bigint) "
    "end",
    "duckdb": "case when {0} is not null then concat_ws(',', datepart('year', {0}) * 12 + "
    "datepart('month', {0}), datepart('day', {0}), datepart('hour', {0}) * 3600000000 + "
    "datepart('minute', {0}) * 60000000 + datepart('microseconds', {0})) end",
}
# DuckDB: (source SQL, warehouse SQL) giving equal Python values; others compare as text.
_DUCKDB_PAIRS = {
    "cash": ("{0}::numeric::text", "CAST({0} AS VARCHAR)"),
    "pair_value": ("to_json({})::text", "CAST({} AS VARCHAR)"),
    "pairs": ("to_json({})::text", "CAST({} AS VARCHAR)"),
    "store": ("to_json({})", "{}"),
    "stores": ("to_json({})", "{}"),
    "range_list": ("{}::text[]", "{}"),
    "uids": ("{}::text[]", "CAST({} AS VARCHAR[])"),
    "docs": ("{}::text[]", "CAST({} AS VARCHAR[])"),
    "grid": ("{}", "{}"),
    "feelings": ("{}::text[]", "{}"),
    "tag_list": ("{}::text[]", "{}"),
    "span": tuple(_MONTHS_DAYS_MICROS[kind].format("{0}") for kind in ("postgres", "duckdb")),
    "spans": (
        "case when {0} is not null then array(select "
        + _MONTHS_DAYS_MICROS["postgres"].format("e")
        + " from unnest({0}) with ordinality as u(e, i) order by i) end",
        "list_transform({0}, lambda e: " + _MONTHS_DAYS_MICROS["duckdb"].format("e") + ")",
    ),
}


def _source(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        connection.execute("set timezone = 'UTC'")
        return connection.execute(query).fetchall()


def _value_pairs(env: dict[str, str], url: str, column: str) -> tuple[list, list]:
    """(source's expected values, warehouse's values) of one column, rows by id."""
    quoted = f'"{column}"'
    if env["ELT_WAREHOUSE"] == "postgres":
        source_sql = _CONVERTED.get(column, "{}").format(quoted) + "::text"
        warehouse_sql = f"{quoted}::text"
    else:
        # The type's output form (inet's `::text` would add /32 where COPY shows none).
        output_form = "case when {0} is not null then concat({0}) end"
        source_sql, warehouse_sql = _DUCKDB_PAIRS.get(column, (output_form, "CAST({0} AS VARCHAR)"))
        source_sql, warehouse_sql = source_sql.format(quoted), warehouse_sql.format(quoted)
    expected = [row[0] for row in _source(url, f"select {source_sql} from every_type order by id")]
    loaded = warehouse_query(env, f"select {warehouse_sql} from raw_fixture.every_type order by id")
    return expected, [row[0] for row in loaded]


@pytest.fixture
def every_type_source(new_database) -> str:
    url = new_database("every_type")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SCHEMA)
    return url


def _load(env: dict[str, str], url: str, spec: TableSpec, source_name: str = "fixture"):
    """Load the table, then compare it with the source; (result, comparison, records logged
    by the load alone)."""
    source = SourceSpec(source_name, "FIXTURE_URL")
    warehouse = open_warehouse(Settings.from_env(env))
    handler = _Records()
    logger = logging.getLogger("extract_load")
    try:
        warehouse.ensure_schema(source.raw_schema)
        logger.addHandler(handler)
        try:
            result = load_table(warehouse, source, spec, url)
        finally:
            logger.removeHandler(handler)
        assert result.status == "succeeded", result.error
        comparison = compare_table(warehouse, source, spec, url)
    finally:
        warehouse.close()
    return result, comparison, handler.records


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _fallback_warnings(records: list[logging.LogRecord], column: str) -> int:
    return sum(1 for r in records if f"column {column!r} is of type" in r.getMessage())


def test_every_type_lands_exactly(fresh_warehouse_env, every_type_source):
    env, kind = fresh_warehouse_env, fresh_warehouse_env["ELT_WAREHOUSE"]
    spec = TableSpec("every_type")
    result, comparison, records = _load(env, every_type_source, spec)
    loaded_warnings = {c: _fallback_warnings(records, c) for c in DUCKDB_TYPES}
    assert result.rows_read == 3 and result.rows_changed == 3
    assert comparison.matches, comparison.describe()

    if kind == "duckdb":
        query = (
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_fixture' and table_name = 'every_type'"
        )
        expected_types = DUCKDB_TYPES
    else:
        query = (
            "select attname, format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'raw_fixture.every_type'::regclass and attnum > 0"
        )
        expected_types = POSTGRES_TYPES
    types = dict(warehouse_query(env, query))
    assert {name: types[name] for name in expected_types} == expected_types

    for column in DUCKDB_TYPES:
        expected, actual = _value_pairs(env, every_type_source, column)
        assert actual == expected, column
        assert actual[1] is None, column  # the all-NULL row

    # One warning per column that fell back to text, and none for the others.
    assert {c for c, n in loaded_warnings.items() if n} == FALLBACKS[kind]
    assert all(loaded_warnings[c] == 1 for c in FALLBACKS[kind])

    # A rerun with no change writes nothing.
    again, comparison, _ = _load(env, every_type_source, spec)
    assert again.rows_changed == 0 and comparison.matches


# The lake too: each load and comparison reads the table back from its Parquet version, where
# uuid, interval, json, ... landed as text, and must get every value back exactly.
@pytest.mark.parametrize("warehouse_kind", [*KINDS, "spark"])
def test_incremental_merge_of_every_type(fresh_warehouse_env, every_type_source):
    """Re-read rows that did not change are not rewritten, and a change that equality would
    miss (1 day to 24 hours, a JSON's spacing) is found by the merge and by the comparison."""
    env = fresh_warehouse_env
    spec = TableSpec(
        "every_type", mode="incremental", primary_key=("id",), cursor_column="updated_at"
    )
    first, _, _ = _load(env, every_type_source, spec, "incr")
    again, comparison, _ = _load(env, every_type_source, spec, "incr")
    assert (first.rows_changed, again.rows_changed) == (3, 0)
    assert comparison.matches, comparison.describe()
    # `=` says these are equal (interval normalises, json has none): compared as text.
    for change in (
        "span = '1 day'",
        "span = '24:00:00'",
        "doc = '{\"a\":1}'",
        "doc = '{\"a\": 1}'",
    ):
        with psycopg.connect(every_type_source, autocommit=True) as connection:
            connection.execute(f"update every_type set {change} where id = 3")
        changed, comparison, _ = _load(env, every_type_source, spec, "incr")
        assert changed.rows_changed == 1, change
        assert comparison.matches, comparison.describe()


LOCAL_TIMES = """
create table local_times (id integer primary key, local_time timestamp);
insert into local_times values (1, '2024-03-10 02:30:00'), (2, '2024-11-03 01:30:00'),
 (3, '2024-06-30 23:59:59.999999'), (4, '1900-01-01 00:00:00'), (5, '-infinity'),
 (6, '0044-03-15 12:00:00 BC');
"""


def test_timestamps_without_zone_ignore_the_loaders_zone(
    fresh_warehouse_env, new_database, monkeypatch
):
    env = fresh_warehouse_env
    url = new_database("local_times")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(LOCAL_TIMES)
        expected = connection.execute(
            "select id, local_time::text from local_times order by id"
        ).fetchall()
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    monkeypatch.setenv("PGTZ", "America/New_York")
    time.tzset()
    try:
        spec = TableSpec("local_times")
        _, comparison, _ = _load(env, url, spec)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert comparison.matches, comparison.describe()
    loaded = warehouse_query(
        env, "select id, cast(local_time as varchar) from raw_fixture.local_times order by id"
    )
    if env["ELT_WAREHOUSE"] == "duckdb":  # DuckDB's spelling of BC
        expected[-1] = (6, expected[-1][1].removesuffix(" BC").replace(" ", " (BC) ", 1))
    assert loaded == expected
