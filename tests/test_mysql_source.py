"""The MySQL source against a real MariaDB server: every type read exactly (or as its text form
with one warning), the catalog, the errors a user can cause, incremental filters, and a read
stopped midway. No warehouse is needed: the source's Arrow batches are compared with the
Python values inserted."""

from __future__ import annotations

import json
import logging
import os
import struct
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pymysql
import pytest
from sqlalchemy.engine import make_url

from extract_load.errors import ConfigError, SourceError
from extract_load.mysql_source import (
    MySQLColumn,
    MySQLRead,
    check_mysql,
    connect_mysql,
    incremental_filter,
    list_tables,
    open_read,
    read_table_info,
)
from mysql_server import admin_connection, with_database

V = "MYSQL_TEST_URL"  # the variable named in messages
# The session that inserts test data writes TIMESTAMPs in this zone; the loader reads in UTC.
INSERT_ZONE = "+05:30"
OFFSET = timedelta(hours=5, minutes=30)


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def _wkb_point(x: float, y: float) -> bytes:
    return struct.pack("<BIdd", 1, 1, x, y)


# name, declaration, Arrow type, DuckDB type, PostgreSQL type
COLUMNS = [
    ("id", "int primary key", pa.int32(), "INTEGER", "integer"),
    ("t_tinyint", "tinyint", pa.int8(), "TINYINT", "smallint"),
    ("t_tinyint_u", "tinyint unsigned", pa.uint8(), "UTINYINT", "smallint"),
    ("t_bool", "tinyint(1)", pa.int8(), "TINYINT", "smallint"),
    ("t_smallint", "smallint", pa.int16(), "SMALLINT", "smallint"),
    ("t_smallint_u", "smallint unsigned", pa.uint16(), "USMALLINT", "integer"),
    ("t_mediumint", "mediumint", pa.int32(), "INTEGER", "integer"),
    ("t_mediumint_u", "mediumint unsigned", pa.uint32(), "UINTEGER", "bigint"),
    ("t_int", "int", pa.int32(), "INTEGER", "integer"),
    ("t_int_u", "int unsigned", pa.uint32(), "UINTEGER", "bigint"),
    ("t_bigint", "bigint", pa.int64(), "BIGINT", "bigint"),
    ("t_bigint_u", "bigint unsigned", pa.uint64(), "UBIGINT", "numeric(20,0)"),
    ("t_decimal", "decimal(10,2)", pa.decimal128(10, 2), "DECIMAL(10,2)", "numeric(10,2)"),
    ("t_decimal38", "decimal(38,10)", pa.decimal128(38, 10), "DECIMAL(38,10)", "numeric(38,10)"),
    ("t_decimal65", "decimal(65,30)", pa.string(), "VARCHAR", "numeric(65,30)"),
    ("t_float", "float", pa.float32(), "FLOAT", "real"),
    ("t_double", "double", pa.float64(), "DOUBLE", "double precision"),
    ("t_date", "date", pa.date32(), "DATE", "date"),
    ("t_datetime", "datetime(6)", pa.timestamp("us"), "TIMESTAMP", "timestamp"),
    ("t_datetime0", "datetime", pa.timestamp("us"), "TIMESTAMP", "timestamp"),
    ("t_timestamp", "timestamp(6) null", pa.timestamp("us", "UTC"), "TIMESTAMPTZ", "timestamptz"),
    ("t_time", "time(6)", pa.duration("us"), "INTERVAL", "interval"),
    ("t_year", "year", pa.int16(), "SMALLINT", "smallint"),
    ("t_char", "char(8)", pa.string(), "VARCHAR", "text"),
    ("t_varchar", "varchar(50)", pa.string(), "VARCHAR", "text"),
    ("t_text", "text", pa.string(), "VARCHAR", "text"),
    ("t_enum", "enum('small','large')", pa.string(), "VARCHAR", "text"),
    ("t_set", "set('a','b','c')", pa.string(), "VARCHAR", "text"),
    ("t_json", "json", pa.string(), "JSON", "jsonb"),
    ("t_binary", "binary(4)", pa.binary(), "BLOB", "bytea"),
    ("t_varbinary", "varbinary(16)", pa.binary(), "BLOB", "bytea"),
    ("t_blob", "blob", pa.binary(), "BLOB", "bytea"),
    ("t_bit", "bit(10)", pa.uint16(), "USMALLINT", "integer"),
    ("t_bit64", "bit(64)", pa.uint64(), "UBIGINT", "numeric(20,0)"),
    ("t_geometry", "geometry", pa.binary(), "BLOB", "bytea"),
]
NAMES = [name for name, *_ in COLUMNS]
DEC65_MAX = "9" * 35 + "." + "9" * 30
TIME_MAX = timedelta(hours=838, minutes=59, seconds=59)


class Given:
    """A value inserted as `sql` (text, so that MySQL parses it) that reads back as `value`."""

    def __init__(self, sql: object, value: object) -> None:
        self.sql, self.value = sql, value


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Columns a row does not name are NULL. Temporal values are given as the inserting session's
# text (TIMESTAMPs in INSERT_ZONE) and read back as UTC.
ROWS: list[dict[str, object]] = [
    {
        "id": 1, "t_tinyint": -128, "t_tinyint_u": 0, "t_bool": -1, "t_smallint": -32768,
        "t_smallint_u": 0, "t_mediumint": -8388608, "t_mediumint_u": 0, "t_int": -2147483648,
        "t_int_u": 0, "t_bigint": -9223372036854775808, "t_bigint_u": 0,
        "t_decimal": Decimal("-99999999.99"),
        "t_decimal38": Decimal("-9999999999999999999999999999.9999999999"),
        "t_decimal65": "-" + DEC65_MAX,
        "t_float": -3.4028234663852886e38, "t_double": -1.7976931348623157e308,
        "t_date": Given("1000-01-01", date(1000, 1, 1)),
        "t_datetime": Given("1000-01-01 00:00:00.000000", datetime(1000, 1, 1)),
        "t_datetime0": Given("1000-01-01 00:00:00", datetime(1000, 1, 1)),
        "t_timestamp": Given("1970-01-01 05:30:01", _utc(1970, 1, 1, 0, 0, 1)),
        "t_time": Given("-838:59:59", -TIME_MAX), "t_year": 1901,
        "t_char": "a", "t_varchar": "", "t_text": "", "t_enum": "small", "t_set": "a,b",
        "t_json": '{"a": [1, 2.5, "é😀"], "b": null}',
        "t_binary": b"\x00\x01\x00\x02", "t_varbinary": b"", "t_blob": b"\x00NUL\x00\xff\x00",
        "t_bit": 0, "t_bit64": 0, "t_geometry": _wkb_point(1, 2),
    },
    {
        "id": 2, "t_tinyint": 127, "t_tinyint_u": 255, "t_bool": 2, "t_smallint": 32767,
        "t_smallint_u": 65535, "t_mediumint": 8388607, "t_mediumint_u": 16777215,
        "t_int": 2147483647, "t_int_u": 4294967295, "t_bigint": 9223372036854775807,
        "t_bigint_u": 18446744073709551615, "t_decimal": Decimal("99999999.99"),
        "t_decimal38": Decimal("9999999999999999999999999999.9999999999"),
        "t_decimal65": DEC65_MAX,
        "t_float": 3.4028234663852886e38, "t_double": 1.7976931348623157e308,
        "t_date": Given("9999-12-31", date(9999, 12, 31)),
        "t_datetime": Given("9999-12-31 23:59:59.999999", datetime.max),
        "t_datetime0": Given("9999-12-31 23:59:59", datetime(9999, 12, 31, 23, 59, 59)),
        "t_timestamp": Given("2038-01-19 08:44:07.999999", _utc(2038, 1, 19, 3, 14, 7, 999999)),
        "t_time": Given("838:59:59", TIME_MAX), "t_year": 2155,
        "t_char": "ünï😀", "t_varchar": "😀 emoji, ünïcödé, 中文",
        "t_text": "line 1\nline 2\ttab \\ backslash ' quote \" double",
        "t_enum": "large", "t_set": "a,c", "t_json": '{"nested": {"k": [true, false, 1e300]}}',
        "t_binary": b"\xff\xff\xff\xff", "t_varbinary": b"\x00", "t_blob": bytes(range(256)),
        "t_bit": 1023, "t_bit64": 18446744073709551615, "t_geometry": _wkb_point(-1.5, 1e-300),
    },
    {"id": 3},  # NULL in every column
    {
        # Zero dates become NULL: four here, one in the next row.
        "id": 4, "t_date": Given("0000-00-00", None),
        "t_datetime": Given("0000-00-00 00:00:00", None),
        "t_datetime0": Given("2024-05-00 10:00:00", None),
        "t_timestamp": Given("0000-00-00 00:00:00", None),
        "t_float": Given(0.1, _float32(0.1)), "t_double": 0.1, "t_char": "",
        "t_time": Given("00:00:00.000001", timedelta(microseconds=1)), "t_decimal": Decimal("0.01"),
    },
    {
        "id": 5, "t_date": Given("2024-00-15", None),
        "t_datetime": Given("2024-03-01 10:00:00.123456", datetime(2024, 3, 1, 10, 0, 0, 123456)),
        "t_timestamp": Given("2024-03-01 15:30:00.654321", _utc(2024, 3, 1, 10, 0, 0, 654321)),
        "t_time": Given("-00:00:00.500000", timedelta(microseconds=-500000)),
        "t_float": Given(16777217.0, 16777216.0), "t_double": 5e-324,
        "t_year": 2024, "t_set": "", "t_enum": "", "t_text": None, "t_varchar": " padded ",
    },
]  # fmt: skip
ZERO_DATES = {"t_date": 2, "t_datetime": 1, "t_datetime0": 1, "t_timestamp": 1}

FLOATS = [0.1, 1 / 3, 16777217.0, 3.4028234663852886e38, 1.1754943508222875e-38, -2.5, 0.0]
DOUBLES = [0.1, 1 / 3, 0.30000000000000004, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308]
DOUBLES.append(-1.2345678901234567e-7)


def _insert(cursor, table: str, row: dict[str, object]) -> None:
    names = list(row)
    values = [v.sql if isinstance(v, Given) else v for v in row.values()]
    marks = ["ST_GeomFromWKB(%s)" if n == "t_geometry" else "%s" for n in names]
    cursor.execute(
        f"INSERT INTO `{table}` ({', '.join(f'`{n}`' for n in names)}) VALUES ({', '.join(marks)})",
        values,
    )


def _build(url: str) -> None:
    with admin_connection(url) as connection, connection.cursor() as cursor:
        # Zero dates are refused by the default sql_mode; the loader must read them anyway.
        cursor.execute(f"SET time_zone = '{INSERT_ZONE}', sql_mode = ''")
        declarations = ", ".join(f"`{name}` {declared}" for name, declared, *_ in COLUMNS)
        cursor.execute(f"CREATE TABLE every_type ({declarations}) COMMENT 'one of each'")
        for row in ROWS:
            _insert(cursor, "every_type", row)
        cursor.execute("CREATE TABLE floats (id int primary key, f float, d double)")
        for i, (f, d) in enumerate(zip(FLOATS, DOUBLES, strict=True)):
            cursor.execute("INSERT INTO floats VALUES (%s, %s, %s)", (i, f, d))
        cursor.execute(
            "CREATE TABLE `Mixed Case-Name` (`Id` int, `Kind` varchar(5), "
            "`updated at` datetime, PRIMARY KEY (`Kind`, `Id`))"
        )
        cursor.execute(
            "INSERT INTO `Mixed Case-Name` VALUES (1, 'a', '2024-01-01'), (2, 'b', NULL)"
        )
        cursor.execute(
            "CREATE TABLE `order` (`user` int primary key, `select` varchar(10), "
            "`50% off` decimal(5,2), `back``tick` int, updated_at timestamp null, "
            "created date)"
        )
        cursor.execute(
            "INSERT INTO `order` VALUES (1, 'x', 0.5, 7, '2024-03-01 15:30:00', '2024-03-01')"
        )
        cursor.execute("CREATE TABLE no_key (note text)")
        cursor.execute("INSERT INTO no_key VALUES ('one'), ('two')")
        cursor.execute("CREATE VIEW v_order AS SELECT `user`, `select` FROM `order`")
        cursor.execute("ANALYZE TABLE every_type, floats, `Mixed Case-Name`, `order`, no_key")
        cursor.fetchall()


@pytest.fixture
def source(new_mysql_database: str) -> str:
    _build(new_mysql_database)
    return new_mysql_database


def _table(url: str, name: str, schema: str | None = None):
    with connect_mysql(url, V) as connection:
        return read_table_info(connection, schema, name, V)


def _read_all(
    url: str, name: str, where=None, batch_rows: int = 50_000
) -> tuple[MySQLRead, pa.Table]:
    table = _table(url, name)
    with open_read(url, V, table, table.column_names, where, batch_rows) as read:
        batches = list(read.batches())
        for batch in batches:
            assert batch.schema == read.schema
            assert batch.num_rows <= batch_rows
        assert read.finish() == sum(b.num_rows for b in batches)
    return read, pa.Table.from_batches(batches, schema=read.schema)


def _expected(row: dict[str, object]) -> dict[str, object]:
    return {name: (v.value if isinstance(v := row.get(name), Given) else v) for name in NAMES}


def test_every_type_reads_exactly(source, caplog):
    with caplog.at_level(logging.WARNING, logger="extract_load.mysql"):
        read, table = _read_all(source, "every_type")
    assert read.schema == pa.schema([pa.field(name, arrow) for name, _, arrow, *_ in COLUMNS])
    landing = {c.name: (c.duckdb_type, c.postgres_type) for c in read.columns}
    assert landing == {name: (duck, pg) for name, _, _, duck, pg in COLUMNS}
    rows = sorted(table.to_pylist(), key=lambda r: r["id"])
    for got, row in zip(rows, ROWS, strict=True):
        expected = _expected(row)
        for name in ("t_json",):  # MySQL normalises JSON text; MariaDB keeps it
            if got[name] is not None:
                got[name] = json.loads(got[name])
                expected[name] = json.loads(expected[name])
        assert got == expected, f"row {row['id']}"
    assert read.values_nulled == sum(ZERO_DATES.values())
    assert read.bytes_read > 0
    nulled = [r.getMessage() for r in caplog.records if "zero or invalid date" in r.getMessage()]
    assert len(nulled) == len(ZERO_DATES)
    for name, count in ZERO_DATES.items():
        assert any(f"'{name}' had {count} zero" in message for message in nulled), nulled
    wide = [r.getMessage() for r in caplog.records if "t_decimal65" in r.getMessage()]
    assert len(wide) == 1 and "VARCHAR" in wide[0]
    assert sum("t_geometry" in r.getMessage() for r in caplog.records) == 1


def test_floats_round_trip(source):
    _, table = _read_all(source, "floats")
    rows = sorted(table.to_pylist(), key=lambda r: r["id"])
    assert [r["f"] for r in rows] == [_float32(f) for f in FLOATS]
    assert [struct.pack("d", r["d"]) for r in rows] == [struct.pack("d", d) for d in DOUBLES]


def test_timestamps_are_utc_whatever_the_server_zone(source):
    with admin_connection(source) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT @@global.time_zone")
        (server_zone,) = cursor.fetchone()
    with connect_mysql(source, V) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT @@session.time_zone, @@session.sql_mode")
        assert cursor.fetchone() == ("+00:00", "")
    # The private server runs in +05:30; a server given by ELT_TEST_MYSQL_URL may not.
    assert server_zone != "+00:00" or "ELT_TEST_MYSQL_URL" in os.environ
    _, table = _read_all(source, "every_type")
    by_id = {r["id"]: r["t_timestamp"] for r in table.to_pylist()}
    assert by_id[5] == _utc(2024, 3, 1, 10, 0, 0, 654321)


def test_session_is_read_only(source):
    check_mysql(source, V)
    check_mysql(source.replace("mysql://", "mysql+pymysql://"), V)
    with (
        connect_mysql(source, V) as connection,
        connection.cursor() as cursor,
        pytest.raises(pymysql.err.MySQLError, match="READ ONLY"),
    ):
        cursor.execute("INSERT INTO no_key VALUES ('three')")


def test_list_tables(source):
    with connect_mysql(source, V) as connection:
        catalog = {t.name: t for t in list_tables(connection, None, V)}
        database = make_url(source).database
        assert [t.name for t in list_tables(connection, database, V)] == sorted(catalog)
    assert sorted(catalog) == [
        "Mixed Case-Name",
        "every_type",
        "floats",
        "no_key",
        "order",
        "v_order",
    ]
    every = catalog["every_type"]
    assert [c.name for c in every.columns] == NAMES
    assert every.primary_key == ("id",)
    assert every.estimated_rows == len(ROWS)
    assert every.comment == "one of each" and every.is_base_table
    assert every.column("t_decimal65").declared == "decimal(65,30)"
    orderable = {c.name for c in every.columns if c.orderable}
    assert orderable == {
        "id", "t_tinyint", "t_tinyint_u", "t_bool", "t_smallint", "t_smallint_u", "t_mediumint",
        "t_mediumint_u", "t_int", "t_int_u", "t_bigint", "t_bigint_u", "t_date", "t_datetime",
        "t_datetime0", "t_timestamp",
    }  # fmt: skip
    assert [c.name for c in every.cursor_candidates()] == [
        "t_date", "t_datetime", "t_datetime0", "t_timestamp"
    ]  # fmt: skip
    assert [c.name for c in catalog["order"].cursor_candidates()] == ["updated_at", "created"]
    assert catalog["Mixed Case-Name"].primary_key == ("Kind", "Id")  # key order, not column order
    assert catalog["no_key"].primary_key == ()
    assert catalog["no_key"].estimated_rows == 2
    view = catalog["v_order"]
    assert not view.is_base_table and view.comment == "" and view.estimated_rows is None
    assert [c.name for c in view.columns] == ["user", "select"]


def test_awkward_names_are_quoted(source):
    _, mixed = _read_all(source, "Mixed Case-Name")
    assert sorted(mixed.to_pylist(), key=lambda r: r["Id"]) == [
        {"Id": 1, "Kind": "a", "updated at": datetime(2024, 1, 1)},
        {"Id": 2, "Kind": "b", "updated at": None},
    ]
    table = _table(source, "order")
    assert table.primary_key == ("user",)
    where = incremental_filter(table.column("user"), "1", timedelta(0))
    with open_read(source, V, table, ["50% off", "back`tick", "select"], where) as read:
        rows = [row for batch in read.batches() for row in batch.to_pylist()]
        assert read.finish() == 1
    assert rows == [{"50% off": Decimal("0.50"), "back`tick": 7, "select": "x"}]


def test_mariadb_json_and_unmapped_types(source, caplog):
    with admin_connection(source) as connection, connection.cursor() as cursor:
        if "mariadb" not in connection.get_server_info().lower():
            pytest.skip("MariaDB's JSON (a checked LONGTEXT) and INET6 exist on MariaDB only")
        cursor.execute(
            "CREATE TABLE docs (id int primary key, doc longtext check (json_valid(`doc`)), "
            "loose text check (json_valid(loose) or loose is null), addr inet6)"
        )
        cursor.execute("INSERT INTO docs VALUES (1, '{\"k\": [1]}', '[]', '::1')")
    with caplog.at_level(logging.WARNING, logger="extract_load.mysql"):
        read, table = _read_all(source, "docs")
    types = {c.name: (c.arrow_type, c.duckdb_type, c.postgres_type) for c in read.columns}
    assert types["doc"] == (pa.string(), "JSON", "jsonb")
    assert types["loose"] == (pa.string(), "VARCHAR", "text")  # not only json_valid: text
    assert types["addr"] == (pa.string(), "VARCHAR", "text")
    assert table.to_pylist() == [{"id": 1, "doc": '{"k": [1]}', "loose": "[]", "addr": "::1"}]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "'addr'" in warnings[0] and "inet6" in warnings[0]


def test_missing_table_and_schema(source):
    with connect_mysql(source, V) as connection:
        with pytest.raises(SourceError) as missing:
            read_table_info(connection, None, "Every_Type", V)
        with pytest.raises(SourceError) as no_schema:
            list_tables(connection, "no_such_schema", V)
    message = str(missing.value)
    assert message.startswith(f"{V}: table ") and ".Every_Type not found" in message
    assert "sources.yml" in message and "\n" not in message
    assert "'no_such_schema' not found" in str(no_schema.value)
    assert str(no_schema.value).startswith(V)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mysql://root@localhost:notaport/db", "is not a valid MySQL URL"),
        ("postgresql://root@localhost/db", "is not a MySQL URL"),
        ("mysql://root@localhost/db?sslmode=require", "unknown or repeated URL parameter"),
        ("mysql://root:s3cret@127.0.0.1:1/db", "check that the server is running"),
        ("mysql://root@localhost/db?unix_socket=/nonexistent/mysql.sock", "server is running"),
    ],
)
def test_connection_errors(url, expected):
    with pytest.raises(SourceError) as error:
        check_mysql(url, V)
    message = str(error.value)
    assert message.startswith(f"{V}: ") and expected in message, message
    assert "\n" not in message and "s3cret" not in message


def test_bad_password_and_unknown_database(source, mysql_server):
    with admin_connection(mysql_server) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE USER IF NOT EXISTS elt_pw@localhost IDENTIFIED BY 'right'")
        cursor.execute("CREATE USER IF NOT EXISTS 'elt_pw'@'%' IDENTIFIED BY 'right'")
    login = mysql_server.replace("://root@", "://elt_pw:wrong-s3cret@")
    with pytest.raises(SourceError) as wrong:
        check_mysql(login, V)
    with pytest.raises(SourceError) as unknown:
        check_mysql(with_database(mysql_server, "no_such_database"), V)
    for error, fix in ((wrong, "user and password"), (unknown, "create the database")):
        message = str(error.value)
        assert message.startswith(f"{V}: cannot connect to ") and fix in message, message
        assert "\n" not in message and "s3cret" not in message
    assert "***" in str(wrong.value)


def _column(data_type: str, declared: str | None = None) -> MySQLColumn:
    return MySQLColumn(
        "c%", declared or data_type, data_type, unsigned="unsigned" in (declared or "")
    )


HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    "data_type, cursor_before, lookback, expected",
    [
        ("datetime", "2024-03-01 10:00:00", HOUR, datetime(2024, 3, 1, 9)),
        ("datetime", "2024-03-01 10:00:00.123456", HOUR, datetime(2024, 3, 1, 9, 0, 0, 123456)),
        ("datetime", "2024-03-01T10:00:00", HOUR, datetime(2024, 3, 1, 9)),
        ("timestamp", "2024-03-01 10:00:00+00", HOUR, datetime(2024, 3, 1, 9)),
        ("timestamp", "2024-03-01 10:00:00.5+00", HOUR, datetime(2024, 3, 1, 9, 0, 0, 500000)),
        ("timestamp", "2024-03-01 15:30:00+05:30", timedelta(0), datetime(2024, 3, 1, 10)),
        ("timestamp", "2024-03-01 10:00:00", HOUR, datetime(2024, 3, 1, 9)),
        ("date", "2024-03-01", timedelta(days=2), date(2024, 2, 28)),
        ("date", "2024-03-01", HOUR, date(2024, 3, 1)),  # date >= Feb 29 23:00: from Mar 1
        ("date", "2024-03-01", timedelta(0), date(2024, 3, 1)),
        ("int", "42", HOUR, 42),
        ("bigint", " 18446744073709551615 ", timedelta(days=3), 18446744073709551615),
        ("smallint", "-5", timedelta(0), -5),
    ],
)  # fmt: skip
def test_incremental_filter(data_type, cursor_before, lookback, expected):
    clause, params = incremental_filter(_column(data_type), cursor_before, lookback)
    assert clause == "`c%%` >= %s"
    assert params == (expected,) and type(params[0]) is type(expected)


@pytest.mark.parametrize("data_type", ["varchar", "float", "decimal", "bit", "year", "json"])
def test_incremental_filter_refuses_unordered_columns(data_type):
    with pytest.raises(ConfigError, match="cursor column 'c%' is"):
        incremental_filter(_column(data_type), "1", HOUR)


def test_incremental_filter_refuses_unreadable_cursor_text():
    with pytest.raises(ConfigError, match="cannot be read as int"):
        incremental_filter(_column("int"), "2024-03-01", HOUR)


def test_incremental_filter_on_the_server(source):
    with admin_connection(source) as connection, connection.cursor() as cursor:
        cursor.execute(f"SET time_zone = '{INSERT_ZONE}'")
        cursor.execute(
            "CREATE TABLE events (id bigint unsigned primary key, at datetime(6), "
            "stamp timestamp(6) null, day date)"
        )
        for i in range(1, 6):  # one hour apart from 2024-03-01 10:00 UTC
            local = datetime(2024, 3, 1, 10 + i) + OFFSET
            cursor.execute(
                "INSERT INTO events VALUES (%s, %s, %s, %s)",
                (18446744073709551610 + i, f"2024-03-01 {10 + i}:00:00", local, f"2024-03-0{i}"),
            )
    table = _table(source, "events")

    def ids(column: str, cursor_before: str, lookback: timedelta) -> list[int]:
        where = incremental_filter(table.column(column), cursor_before, lookback)
        with open_read(source, V, table, ["id"], where) as read:
            found = sorted(i for b in read.batches() for i in b.column("id").to_pylist())
            read.finish()
        return [i - 18446744073709551610 for i in found]

    assert ids("at", "2024-03-01 14:00:00", HOUR) == [3, 4, 5]
    assert ids("at", "2024-03-01 14:00:00.000001", timedelta(0)) == [5]
    assert ids("stamp", "2024-03-01 14:00:00+00", HOUR) == [3, 4, 5]
    assert ids("stamp", "2024-03-01 19:30:00+05:30", timedelta(0)) == [4, 5]
    assert ids("day", "2024-03-04", HOUR) == [4, 5]
    assert ids("day", "2024-03-04", timedelta(days=1)) == [3, 4, 5]
    assert ids("id", "18446744073709551614", HOUR) == [4, 5]


def _running_reads(url: str, table: str) -> int:
    with admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.PROCESSLIST "
            "WHERE ID <> connection_id() AND INFO LIKE %s",
            (f"SELECT % FROM %{table}%",),
        )
        (count,) = cursor.fetchone()
    return count


def _big_table(url: str):
    with admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE big (id int auto_increment primary key, pad varchar(200))")
        cursor.execute("INSERT INTO big (pad) VALUES (repeat('x', 200))")
        for _ in range(17):  # 131,072 rows, 27 MB
            cursor.execute("INSERT INTO big (pad) SELECT pad FROM big")
    return _table(url, "big")


def test_close_mid_stream_stops_the_query(source):
    table = _big_table(source)
    read = open_read(source, V, table, table.column_names, None, batch_rows=1_000)
    first = next(iter(read.batches()))
    assert first.num_rows == 1_000
    assert _running_reads(source, "big") == 1
    started = time.monotonic()
    read.close()
    assert time.monotonic() - started < 2
    # Nothing more was read from the server: the rest of the result was not drained.
    assert read.bytes_read < 3_000_000
    read.close()  # twice is harmless
    deadline = time.monotonic() + 10
    while _running_reads(source, "big") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_reads(source, "big") == 0
    with pytest.raises(RuntimeError, match="finish"):
        read.finish()

    # Leaving the context manager early does the same.
    with open_read(source, V, table, ["id"], None, batch_rows=500) as read:
        assert next(iter(read.batches())).num_rows == 500
    deadline = time.monotonic() + 10
    while _running_reads(source, "big") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_reads(source, "big") == 0


def test_a_query_killed_midway_fails_the_read(source):
    table = _big_table(source)
    with open_read(source, V, table, table.column_names, None, batch_rows=1_000) as read:
        batches = read.batches()
        next(batches)
        with admin_connection(source) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT %big%' "
                "AND ID <> connection_id()"
            )
            (thread,) = cursor.fetchone()
            cursor.execute(f"KILL QUERY {thread}")
        with pytest.raises(SourceError, match=f"^{V}: reading .*big failed"):
            list(batches)
        with pytest.raises(SourceError, match="failed"):
            read.finish()
    assert _running_reads(source, "big") == 0


def test_batches_are_bounded_by_rows_and_bytes(source, monkeypatch):
    table = _table(source, "every_type")
    with open_read(source, V, table, table.column_names, None, batch_rows=2) as read:
        assert [b.num_rows for b in read.batches()] == [2, 2, 1]
        assert read.finish() == len(ROWS)
    # Past the byte bound a batch ends at the next fetch: here after every row.
    monkeypatch.setattr("extract_load.mysql_read._BATCH_BYTES", 1)
    monkeypatch.setattr("extract_load.mysql_read._FETCH_ROWS", 1)
    with open_read(source, V, table, table.column_names, None) as read:
        assert [b.num_rows for b in read.batches()] == [1] * len(ROWS)
