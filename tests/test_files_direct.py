"""Parquet read by DuckDB itself (extract_load/warehouse/duckdb_files.py): the rows land once,
straight into raw, with the same types, lines, quarantine and ledger as the Arrow way; a file
it cannot land exactly goes the Arrow way."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract_load import Settings, load_sources, plan_tables
from extract_load.file_columns import landing_column_of
from extract_load.files_source import FileRead
from extract_load.reads import FileScan, landing_column
from extract_load.warehouse.duckdb_files import plan_direct, readable_by_name, rows_sql
from table_contents import warehouse_query

SOURCES = """
sources:
  lake:
    kind: files
    landing_url: landing
    tables:
      trips:
        format: parquet
      typed:
        format: parquet
        columns: {id: integer, amount: "numeric(8,2)", day: date, note: text}
      events:
        format: parquet
        columns: {id: bigint, payload: json}
      stamps:
        format: parquet
        columns: {id: bigint, picked_up: timestamp}
      clocks:
        format: parquet
      lists:
        format: parquet
      nested:
        format: parquet
      structs:
        format: parquet
      declared_structs:
        format: parquet
        columns: {id: bigint, meta: json}
"""
# 12.345 would be 12.35 and 2026-01-15 10:00 the day by a lax cast: they are bad lines.
BAD = {
    57: ("id", "abc"),
    120: ("day", "2026-02-30"),
    200: ("amount", "12.345"),
    250: ("day", "2026-01-15 10:00"),
}


def _env(fresh_warehouse_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "sources.yml").write_text(SOURCES, encoding="utf-8")
    return {**fresh_warehouse_env, "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"), **extra}


def _write(tmp_path: Path, dataset: str, month: str, name: str, table: pa.Table) -> None:
    folder = tmp_path / "landing" / dataset / month
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name, row_group_size=100)


def _texts(rows: int, bad: dict[int, tuple[str, str]]) -> pa.Table:
    """Rows of text columns (as a CSV converted to Parquet has them); line n holds id n."""
    columns: dict[str, list[str | None]] = {"id": [], "amount": [], "day": [], "note": []}
    for line in range(1, rows + 1):
        values = {"id": str(line), "amount": f"{line}.25", "day": "2026-01-15", "note": ""}
        if line in bad:
            values[bad[line][0]] = bad[line][1]
        for name, value in values.items():
            columns[name].append(value)
    return pa.table(columns)


def _load(env: dict[str, str], table: str):
    settings = Settings.from_env(env)
    (result,) = load_sources(
        settings, plan_tables(settings, ["lake"], [f"lake.{table}"]), raise_on_failure=False
    )
    return result


def test_text_that_does_not_fit_its_declared_type_is_quarantined_with_its_row_number(
    fresh_warehouse_env, tmp_path
):
    env = _env(fresh_warehouse_env, tmp_path)
    _write(tmp_path, "typed", "2026-01", "typed.parquet", _texts(500, BAD))

    result = _load(env, "typed")
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 500, 496)
    assert result.rows_quarantined == 4
    quarantined = warehouse_query(
        env, "select file, line, reason, row_data from elt.quarantine order by line"
    )
    assert [row[:3] for row in quarantined] == [
        ("typed/2026-01/typed.parquet", 57, "column 'id': 'abc' is not a valid integer"),
        ("typed/2026-01/typed.parquet", 120, "column 'day': '2026-02-30' is not a valid date"),
        (
            "typed/2026-01/typed.parquet",
            200,
            "column 'amount': '12.345' is not a valid numeric(8,2)",
        ),
        (
            "typed/2026-01/typed.parquet",
            250,
            "column 'day': '2026-01-15 10:00' is not a valid date",
        ),
    ]
    assert '"abc"' in quarantined[0][3] and '"2026-02-30"' in quarantined[1][3]
    loaded = warehouse_query(
        env,
        "select count(*), sum(id), sum(amount), min(day), count(*) filter (where note = ''), "
        "sum(_line), max(_line) from raw_lake.typed",
    )
    total = sum(range(1, 501)) - 57 - 120 - 200 - 250
    assert [tuple(str(v) for v in row) for row in loaded] == [
        ("496", str(total), f"{total + 496 * 0.25:.2f}", "2026-01-15", "496", str(total), "500")
    ]
    assert warehouse_query(
        env, "select rows_read, rows_loaded, rows_quarantined, status from elt.loaded_files"
    ) == [(500, 496, 4, "succeeded")]


def test_a_parquet_file_over_the_bad_rows_threshold_lands_nothing(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path, ELT_MAX_BAD_ROWS_FRACTION="0.01")
    _write(tmp_path, "typed", "2026-01", "good.parquet", _texts(100, {}))
    _write(
        tmp_path, "typed", "2026-02", "bad.parquet", _texts(100, {57: BAD[57], 80: BAD[120]})
    )  # 2 %

    result = _load(env, "typed")
    assert result.status == "failed"
    assert "typed/2026-02/bad.parquet: 2 of 100 line(s) cannot be loaded" in (result.error or "")
    assert "line 57: column 'id': 'abc' is not a valid integer" in (result.error or "")
    assert warehouse_query(env, "select distinct _file from raw_lake.typed") == [
        ("typed/2026-01/good.parquet",)
    ]
    assert warehouse_query(env, "select count(*) from elt.quarantine") == [(0,)]
    assert warehouse_query(env, "select path, status from elt.loaded_files order by path") == [
        ("typed/2026-01/good.parquet", "succeeded"),
        ("typed/2026-02/bad.parquet", "refused"),
    ]


def test_json_text_that_is_not_json_is_quarantined_too(fresh_warehouse_env, tmp_path):
    """DuckDB leaves a JSON column to the Arrow way, which checks every value."""
    env = _env(fresh_warehouse_env, tmp_path)
    payloads = ['{"a": 1}'] * 150
    payloads[99] = "{not json"
    table = pa.table({"id": pa.array(range(1, 151), pa.int64()), "payload": payloads})
    _write(tmp_path, "events", "2026-01", "events.parquet", table)

    result = _load(env, "events")
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 150, 149)
    assert warehouse_query(env, "select line, reason from elt.quarantine") == [
        (100, "column 'payload': '{not json' is not a valid json")
    ]
    assert warehouse_query(env, "select count(*), sum(id) from raw_lake.events") == [
        (149, sum(range(1, 151)) - 100)
    ]


def test_a_timestamp_with_nanoseconds_is_quarantined_not_truncated(fresh_warehouse_env, tmp_path):
    """Neither warehouse holds nanoseconds: the row of a value with some is set aside, with
    its line, the others land exactly; the same for INT96 timestamps (nanoseconds too, which
    DuckDB's own reader would truncate silently)."""
    env = _env(fresh_warehouse_env, tmp_path)
    start = 1_767_225_600 * 10**9  # 2026-01-01, in nanoseconds
    stamps = [start + i * 10**9 for i in range(150)]
    stamps[99] += 123  # line 100
    table = pa.table(
        {
            "id": pa.array(range(1, 151), pa.int64()),
            "picked_up": pa.array(stamps, pa.timestamp("ns")),
        }
    )
    for month, int96 in (("2026-01", False), ("2026-02", True)):
        folder = tmp_path / "landing" / "stamps" / month
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "s.parquet", use_deprecated_int96_timestamps=int96)

    result = _load(env, "stamps")
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 300, 298)
    value = "2026-01-01 00:01:39.000000123 (timestamp[ns])"
    reason = f"column 'picked_up': {value} does not fit timestamp exactly"
    assert warehouse_query(env, "select file, line, reason from elt.quarantine order by file") == [
        ("stamps/2026-01/s.parquet", 100, reason),
        ("stamps/2026-02/s.parquet", 100, reason),
    ]
    exact = "picked_up = timestamp '2026-01-01' + (_line - 1) * interval '1 second'"
    assert warehouse_query(
        env, f"select _file, count(*) from raw_lake.stamps where {exact} group by 1 order by 1"
    ) == [("stamps/2026-01/s.parquet", 149), ("stamps/2026-02/s.parquet", 149)]


def test_times_and_durations_with_nanoseconds_are_quarantined_too(fresh_warehouse_env, tmp_path):
    """Columns taken from the file's schema: a time or a duration in nanoseconds lands in
    microseconds, and a value with nanoseconds is a bad line (DuckDB's reader would drop them
    from a time, Arrow's conversion from either). A file each: DuckDB would read the time's
    alone itself."""
    env = _env(fresh_warehouse_env, tmp_path)
    ids = pa.array(range(1, 301), pa.int64())
    seconds = [i * 10**9 for i in range(300)]
    clock, took = list(seconds), list(seconds)
    clock[9] += 7  # line 10
    took[19] += 9  # line 20
    clocks = pa.table({"id": ids, "clock": pa.array(clock, pa.time64("ns"))})
    _write(tmp_path, "clocks", "2026-01", "clock.parquet", clocks)
    _write(
        tmp_path,
        "clocks",
        "2026-02",
        "took.parquet",
        pa.table({"id": ids, "took": pa.array(took, pa.duration("ns"))}),
    )

    result = _load(env, "clocks")
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 600, 598)
    assert warehouse_query(env, "select file, line, reason from elt.quarantine order by 1") == [
        (
            "clocks/2026-01/clock.parquet",
            10,
            "column 'clock': 00:00:09.000000007 (time64[ns]) does not fit time exactly",
        ),
        (
            "clocks/2026-02/took.parquet",
            20,
            "column 'took': 19000000009 (duration[ns]) does not fit interval exactly",
        ),
    ]
    second = "(_line - 1) * interval '1 second'"
    assert warehouse_query(
        env,
        f"select count(*) from raw_lake.clocks where clock = time '00:00:00' + {second} "
        f"or took = {second}",
    ) == [(598,)]


def test_lists_land_element_for_element_in_both_warehouses(fresh_warehouse_env, tmp_path):
    """Parquet lists land as arrays: PostgreSQL's from their array input, every element quoted
    (the text 'NULL' is not NULL), a list of lists as a two-dimensional array."""
    env = _env(fresh_warehouse_env, tmp_path)
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    columns = {
        "id": pa.array([1, 2, 3, 4], pa.int64()),
        "counts": pa.array([[1, -2, 2**62], [], None, [None, 0]], pa.list_(pa.int64())),
        "tags": pa.array(
            [['a "quoted" b', "back\\slash", "NULL", ""], ["{,}", "é 😀", None], None, []]
        ),
        "ratios": pa.array([[1.5, float("inf"), -float("inf")], [1e-300], [], None]),
        "amounts": pa.array(
            [[Decimal("12.34"), Decimal("-0.01")], None, [], [Decimal("99999999.99")]],
            pa.list_(pa.decimal128(10, 2)),
        ),
        "seen": pa.array([[moment], [], None, [moment, None]], pa.list_(pa.timestamp("us", "UTC"))),
        "days": pa.array([[date(2026, 2, 28)], None, [], [date(1, 1, 1)]]),
        "grid": pa.array([[[1, 2], [3, 4]], [], None, [[5]]], pa.list_(pa.list_(pa.int32()))),
    }
    _write(tmp_path, "lists", "2026-01", "l.parquet", pa.table(columns))

    result = _load(env, "lists")
    assert (result.status, result.rows_loaded) == ("succeeded", 4), result.error
    names = [name for name in columns if name != "id"]
    rows = warehouse_query(env, f"select {', '.join(names)} from raw_lake.lists order by id")
    expected = [tuple(columns[name][i].as_py() for name in names) for i in range(4)]
    assert rows == expected


def test_a_list_of_timestamps_with_nanoseconds_is_a_bad_line_too(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    start = 1_767_225_600 * 10**9  # 2026-01-01, in nanoseconds
    stamps = [[start + i * 10**9, None] for i in range(200)]
    stamps[49][0] += 1  # line 50
    table = pa.table({"seen": pa.array(stamps, pa.list_(pa.timestamp("ns")))})
    _write(tmp_path, "nested", "2026-01", "n.parquet", table)

    result = _load(env, "nested")
    assert (result.status, result.rows_loaded) == ("succeeded", 199), result.error
    assert warehouse_query(env, "select line from elt.quarantine") == [(50,)]
    landed = warehouse_query(env, "select seen from raw_lake.nested order by _line")
    assert landed[49] == ([datetime(2026, 1, 1, 0, 0, 50), None],)


@pytest.mark.parametrize("dataset", ["structs", "declared_structs"])
def test_a_struct_lands_as_json_with_its_values_exact(fresh_warehouse_env, tmp_path, dataset):
    env = _env(fresh_warehouse_env, tmp_path)
    meta = pa.array(
        [
            {
                "n": 1,
                "name": 'a "b"',
                "price": Decimal("19.990"),
                "at": datetime(2026, 1, 1, 1, 2, 3, 4),
            },
            None,
            {"n": None, "name": None, "price": None, "at": None},
        ],
        pa.struct(
            [
                ("n", pa.int64()),
                ("name", pa.string()),
                ("price", pa.decimal128(10, 3)),
                ("at", pa.timestamp("us")),
            ]
        ),
    )
    _write(tmp_path, dataset, "2026-01", "s.parquet", pa.table({"id": [1, 2, 3], "meta": meta}))

    result = _load(env, dataset)
    assert (result.status, result.rows_loaded) == ("succeeded", 3), result.error
    rows = warehouse_query(
        env, f"select id, cast(meta as text) from raw_lake.{dataset} order by id"
    )
    assert [(i, None if text is None else json.loads(text)) for i, text in rows] == [
        (1, {"n": 1, "name": 'a "b"', "price": 19.99, "at": "2026-01-01T01:02:03.000004"}),
        (2, None),
        (3, {"n": None, "name": None, "price": None, "at": None}),
    ]
    assert "19.990" in rows[0][1]


def _trips(rows: int) -> pa.Table:
    return pa.table(
        {
            "VendorID": pa.array([1 + i % 2 for i in range(rows)], pa.int32()),
            "fare": pa.array([f"{i}.50" for i in range(rows)]).cast(pa.decimal128(8, 2)),
            "tip": pa.array([0.0, -0.0, 1.5] * (rows // 3), pa.float64()),
        }
    )


@pytest.mark.parametrize("warehouse_kind", ["duckdb"])
def test_duckdb_reads_a_local_parquet_file_itself(
    fresh_warehouse_env, tmp_path, monkeypatch, caplog
):
    def no_arrow(self: FileRead):
        raise AssertionError(f"{self.label} was read through Arrow")

    monkeypatch.setattr(FileRead, "batches", no_arrow)
    env = _env(fresh_warehouse_env, tmp_path)
    _write(tmp_path, "trips", "2026-01", "trips.parquet", _trips(300))
    _write(tmp_path, "trips", "2026-02", "trips.parquet", _trips(150))

    with caplog.at_level(logging.WARNING, logger="extract_load"):
        result = _load(env, "trips")
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 450, 450)
    assert warehouse_query(
        env,
        'select _file, count(*), min(_line), max(_line), sum("VendorID"), sum(fare), '
        "min(_batch_id) = max(_batch_id), count(_loaded_at) "
        "from raw_lake.trips group by _file order by _file",
    ) == [
        ("trips/2026-01/trips.parquet", 300, 1, 300, 450, Decimal("45000.00"), True, 300),
        ("trips/2026-02/trips.parquet", 150, 1, 150, 225, Decimal("11250.00"), True, 150),
    ]
    types = dict(
        warehouse_query(env, "select column_name, column_type from (describe raw_lake.trips)")
    )
    assert (types["VendorID"], types["fare"], types["tip"]) == ("INTEGER", "DECIMAL(8,2)", "DOUBLE")
    assert "column 'tip' held 100 value(s) of -0.0" in caplog.text
    assert warehouse_query(
        env, "select count(*) from raw_lake.trips where tip = 0 and not signbit(tip)"
    ) == [(300,)]


def _plan(connection: duckdb.DuckDBPyConnection, path: Path, declared: dict[str, str]):
    columns = [landing_column_of(name, kind) for name, kind in declared.items()]
    columns += [landing_column("_file", pa.string()), landing_column("_line", pa.int64())]
    definitions = ", ".join(f'"{c.name}" {c.duckdb_type}' for c in columns)
    connection.execute(f"create or replace table stage ({definitions})")
    landing = {row[0]: row[1] for row in connection.execute("describe stage").fetchall()}

    def execute(sql: str) -> list[tuple[object, ...]]:
        return connection.execute(sql).fetchall()

    return plan_direct(execute, FileScan("parquet", str(path), "p"), columns, landing, 1)


def test_only_files_duckdb_lands_exactly_are_read_directly(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"n": pa.array([1.5, 2.0]), "s": ["1", "x"], "i": pa.array([1, 2], pa.int32())}),
        path,
    )
    connection = duckdb.connect()
    # 1.5 as an integer: DuckDB would round it, Arrow refuses it; so the Arrow way decides.
    assert _plan(connection, path, {"n": "integer"}) is None
    assert _plan(connection, path, {"i": "bigint"}) is None  # a conversion, not the same type
    same = _plan(connection, path, {"n": "double", "i": "integer", "missing": "date"})
    assert same is not None and same.rows_read == 2
    assert [row[:5] for row in connection.execute(rows_sql([same], "now()", "'b'")).fetchall()] == [
        (1.5, 1, None, "p", 1),
        (2.0, 2, None, "p", 2),
    ]
    # Text to cast goes the Arrow way too: DuckDB's casts are laxer ('1.5' would be 2).
    assert _plan(connection, path, {"s": "integer"}) is None
    assert _plan(connection, path, {"s": "text"}) is not None


@pytest.mark.parametrize("name", ["t[1].parquet", "t*.parquet", "t?.parquet", "t{a}.parquet"])
def test_a_name_duckdb_would_read_as_a_pattern_is_not_read_directly(name):
    assert not readable_by_name(FileScan("parquet", f"/landing/t/2026-01/{name}", name))
    assert readable_by_name(FileScan("parquet", "/landing/t/2026-01/t.parquet", "t"))
    assert not readable_by_name(FileScan("csv", "/landing/t/2026-01/t.csv", "t"))


def test_a_load_told_to_stop_before_a_file_is_published_lands_nothing_of_it(
    fresh_warehouse_env, tmp_path, monkeypatch
):
    from extract_load import attempts
    from extract_load.cancel import LoadCancelled

    seen: list[int] = []

    def stop(self: attempts.ProgressLog, rows: int, bytes_read: int) -> None:
        seen.append(rows)
        raise LoadCancelled("cancelled (test); nothing of this batch was published")

    monkeypatch.setattr(attempts.ProgressLog, "__call__", stop)
    env = _env(fresh_warehouse_env, tmp_path)
    _write(tmp_path, "trips", "2026-01", "trips.parquet", _trips(300))

    result = _load(env, "trips")
    assert result.status == "cancelled" and "cancelled (test)" in (result.error or "")
    assert seen  # the file's read reported its progress, where a cancelled load stops
    assert warehouse_query(
        env,
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw_lake' and table_name = 'trips'",
    ) == [(0,)]
    assert warehouse_query(env, "select path, status, rows_loaded from elt.loaded_files") == [
        ("trips/2026-01/trips.parquet", "cancelled", 0)
    ]


def _read_together(monkeypatch, then=None) -> list[int]:
    """Record how many files each DuckDB statement stages; `then` runs after each."""
    from extract_load.warehouse.duckdb import DuckDBWarehouse

    counts: list[int] = []
    real = DuckDBWarehouse.stage_files

    def stage_files(self, plan, reads, progress):
        counts.append(real(self, plan, reads, progress))
        if then is not None:
            then()
        return counts[-1]

    monkeypatch.setattr(DuckDBWarehouse, "stage_files", stage_files)
    return counts


@pytest.mark.parametrize("warehouse_kind", ["duckdb"])
def test_files_read_together_land_as_one_by_one_and_a_replaced_one_replaces_its_rows(
    fresh_warehouse_env, tmp_path, monkeypatch
):
    env = _env(fresh_warehouse_env, tmp_path)
    months = ["2026-01", "2026-02", "2026-03"]
    for number, month in enumerate(months, start=1):
        _write(tmp_path, "trips", month, "trips.parquet", _trips(150 * number))
    counts = _read_together(monkeypatch)
    assert _load(env, "trips").rows_loaded == 900
    assert counts == [3]  # one statement read the three
    by_file = "select _file, count(*), min(_line), max(_line), sum(fare) from raw_lake.trips "
    by_file += "group by _file order by _file"
    assert warehouse_query(env, by_file) == [
        (
            f"trips/{m}/trips.parquet",
            150 * n,
            1,
            150 * n,
            sum(Decimal(f"{i}.50") for i in range(150 * n)),
        )
        for n, m in enumerate(months, start=1)
    ]
    # February replaced, April new: read together, February's rows replaced, no others touched.
    _write(tmp_path, "trips", "2026-02", "trips.parquet", _trips(30))
    _write(tmp_path, "trips", "2026-04", "trips.parquet", _trips(60))
    counts.clear()
    assert _load(env, "trips").rows_loaded == 90
    assert counts == [2]
    assert [row[:2] for row in warehouse_query(env, by_file)] == [
        ("trips/2026-01/trips.parquet", 150),
        ("trips/2026-02/trips.parquet", 30),
        ("trips/2026-03/trips.parquet", 450),
        ("trips/2026-04/trips.parquet", 60),
    ]
    ledger = "select path, rows_read, rows_loaded, status from elt.loaded_files order by path"
    assert [row[1:] for row in warehouse_query(env, ledger)] == [
        (150, 150, "succeeded"),
        (30, 30, "succeeded"),
        (450, 450, "succeeded"),
        (60, 60, "succeeded"),
    ]


@pytest.mark.parametrize("warehouse_kind", ["duckdb"])
def test_a_file_of_several_read_together_that_cannot_be_read_fails_alone(
    fresh_warehouse_env, tmp_path, monkeypatch
):
    """The second file is overwritten with garbage after DuckDB planned its read (a landing
    changing under a load): the statement reading all three fails, so each is loaded alone;
    the other two are published, the second is recorded failed with why."""
    env = _env(fresh_warehouse_env, tmp_path)
    for month in ("2026-01", "2026-02", "2026-03"):
        _write(tmp_path, "trips", month, "trips.parquet", _trips(30))
    broken = tmp_path / "landing" / "trips" / "2026-02" / "trips.parquet"
    counts = _read_together(monkeypatch, then=lambda: broken.write_bytes(b"not parquet"))

    result = _load(env, "trips")
    assert counts[0] == 3
    assert result.status == "failed" and "trips/2026-02/trips.parquet" in (result.error or "")
    assert warehouse_query(
        env, "select _file, count(*) from raw_lake.trips group by _file order by _file"
    ) == [("trips/2026-01/trips.parquet", 30), ("trips/2026-03/trips.parquet", 30)]
    assert warehouse_query(env, "select path, status from elt.loaded_files order by path") == [
        ("trips/2026-01/trips.parquet", "succeeded"),
        ("trips/2026-02/trips.parquet", "failed"),
        ("trips/2026-03/trips.parquet", "succeeded"),
    ]


@pytest.mark.parametrize("warehouse_kind", ["duckdb"])
def test_files_read_together_are_cancelled_together(fresh_warehouse_env, tmp_path, monkeypatch):
    from extract_load.cancel import LoadCancelled
    from extract_load.warehouse import base

    env = _env(fresh_warehouse_env, tmp_path)
    for month in ("2026-01", "2026-02"):
        _write(tmp_path, "trips", month, "trips.parquet", _trips(30))
    real_publish = base.Warehouse.publish_files

    def stop(warehouse, plan, files, record):
        raise LoadCancelled("SIGTERM")

    monkeypatch.setattr(base.Warehouse, "publish_files", stop)
    assert _load(env, "trips").status == "cancelled"
    assert warehouse_query(env, "select path, status from elt.loaded_files order by path") == [
        ("trips/2026-01/trips.parquet", "cancelled"),
        ("trips/2026-02/trips.parquet", "cancelled"),
    ]
    monkeypatch.setattr(base.Warehouse, "publish_files", real_publish)
    assert _load(env, "trips").rows_loaded == 60
