"""A files source on both warehouses: monthly drops loaded once each, replaced files reloaded
alone, bad lines quarantined with file and line so that every file's counts reconcile."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract_load import Settings, load_sources
from extract_load.errors import ConfigError
from extract_load.files_source import parse_months
from table_contents import table_checksum, warehouse_query

MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]

SOURCES = """
sources:
  lake:
    kind: files
    landing_url: landing
    tables:
      trips:
        format: parquet
      zones:
        format: csv
        columns: {LocationID: integer, Borough: text, Zone: text, zip: text}
      readings:
        format: csv
        delimiter: ";"
        header: false
        columns: {sensor: text, reading: "numeric(6,2)", taken_on: date, ok: boolean}
      events:
        format: jsonl
        columns: {id: bigint, kind: text, happened_at: timestamptz, payload: json}
      fares:
        format: csv
        columns: {id: integer, amount: "numeric(8,2)", paid_on: date, note: text}
      measures:
        format: csv
        columns: {id: integer, value: double}
      amounts:
        format: jsonl
        columns: {id: integer, amount: "numeric(20,2)", label: text, ratio: double, meta: json}
"""


def _env(fresh_warehouse_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "sources.yml").write_text(SOURCES, encoding="utf-8")
    (tmp_path / "landing").mkdir(exist_ok=True)
    return {**fresh_warehouse_env, "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"), **extra}


def _drop(tmp_path: Path, dataset: str, month: str, name: str, content: bytes) -> Path:
    folder = tmp_path / "landing" / dataset / month
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return folder / name


def _trips(tmp_path: Path, month: str, rows: int, fare: str = "10.50") -> None:
    folder = tmp_path / "landing" / "trips" / month
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "VendorID": pa.array([1 + i % 2 for i in range(rows)], pa.int32()),
            "trip_distance": pa.array([float(i) / 10 for i in range(rows)], pa.float64()),
            "fare_amount": pa.array([fare] * rows, pa.string()).cast(pa.decimal128(8, 2)),
        }
    )
    pq.write_table(table, folder / f"yellow_tripdata_{month}.parquet")


def _load(env: dict[str, str], tables: list[str], months: str | None = None) -> dict[str, object]:
    settings = Settings.from_env(env)
    from extract_load import plan_tables

    pairs = plan_tables(settings, ["lake"], [f"lake.{t}" for t in tables])
    results = load_sources(
        settings,
        pairs,
        raise_on_failure=False,
        months=parse_months(months) if months else None,
    )
    return {r.table: r for r in results}


def test_six_months_load_once_and_a_rerun_loads_nothing(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    for number, month in enumerate(MONTHS, start=1):
        _trips(tmp_path, month, 100 * number)

    (first,) = _load(env, ["trips"]).values()
    assert (first.status, first.rows_read, first.rows_loaded) == ("succeeded", 2100, 2100)
    by_file = warehouse_query(
        env, "select _file, count(*), min(_line), max(_line) from raw_lake.trips group by _file"
    )
    assert sorted(by_file) == [
        (f"trips/{month}/yellow_tripdata_{month}.parquet", 100 * n, 1, 100 * n)
        for n, month in enumerate(MONTHS, start=1)
    ]
    ledger = warehouse_query(
        env,
        "select count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) "
        "from elt.loaded_files where status = 'succeeded'",
    )
    assert ledger == [(6, 2100, 2100, 0)]
    before = table_checksum(env, "raw_lake", "trips")

    (second,) = _load(env, ["trips"]).values()
    assert (second.status, second.rows_read, second.rows_changed) == ("succeeded", 0, 0)
    assert table_checksum(env, "raw_lake", "trips") == before


def test_a_replaced_file_replaces_exactly_its_own_rows(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    for month in MONTHS[:3]:
        _trips(tmp_path, month, 50)
    (first,) = _load(env, ["trips"]).values()
    _trips(tmp_path, MONTHS[1], 40, fare="99.99")  # February corrected, fewer rows

    (second,) = _load(env, ["trips"]).values()
    assert (second.rows_read, second.rows_loaded) == (40, 40)
    rows = warehouse_query(
        env,
        "select _file, _batch_id, count(*), min(fare_amount), max(fare_amount) "
        "from raw_lake.trips group by _file, _batch_id order by _file",
    )
    assert [(f.split("/")[1], b, n) for f, b, n, _, _ in rows] == [
        ("2026-01", first.batch_id, 50),
        ("2026-02", second.batch_id, 40),
        ("2026-03", first.batch_id, 50),
    ]
    assert {str(r[3]) for r in rows} == {"10.50", "99.99"}
    assert str(rows[1][3]) == str(rows[1][4]) == "99.99"
    # A month reloaded gives the same rows: a third run changes nothing.
    (third,) = _load(env, ["trips"]).values()
    assert third.rows_read == 0
    assert warehouse_query(env, "select count(*) from raw_lake.trips") == [(140,)]


GOOD = "{i},{amount},2026-01-{day:02d},fare {i}\n"
BAD_LINES = {
    # line number in the file -> (text, reason)
    3: ('2,"unterminated,2.00,2026-01-02,x\n', "unterminated quote"),
    5: ("4,1.00\n", "2 field(s), expected 4"),
    7: ("6,1.00,2026-01-06,x,extra\n", "5 field(s), expected 4"),
    9: ("8,abc,2026-01-08,x\n", "column 'amount': 'abc' is not a valid numeric(8,2)"),
    11: ("10,1.00,2026-02-30,x\n", "column 'paid_on': '2026-02-30' is not a valid date"),
}


def _fares(lines: int, bad: dict[int, tuple[str, str]]) -> bytes:
    """A header, then `lines` lines: the bad ones where `bad` says, good ones elsewhere (one
    holding a quoted newline, which is one row over two lines)."""
    out = [b"id,amount,paid_on,note\n"]
    line = 2
    i = 1
    while line <= lines + 1:
        if line in bad:
            out.append(bad[line][0].encode())
        elif line == 20:
            out.append(b'19,3.00,2026-01-19,"two\nlines"\n')
            line += 1  # the record spans this line and the next
        else:
            out.append(GOOD.format(i=i, amount=f"{i % 50}.25", day=1 + i % 28).encode())
        line += 1
        i += 1
    return b"".join(out)


def test_bad_lines_are_quarantined_with_file_and_line_and_counts_reconcile(
    fresh_warehouse_env, tmp_path
):
    env = _env(fresh_warehouse_env, tmp_path)
    content = _fares(1000, BAD_LINES) + b"1001,1.00,2026-01-01,caf\xe9 latin-1\n"
    _drop(tmp_path, "fares", "2026-01", "fares.csv", content)

    (result,) = _load(env, ["fares"]).values()
    assert result.status == "succeeded"
    physical = content.count(b"\n") - 1  # less the header
    assert result.rows_read == physical - 1  # one row spans two lines
    assert result.rows_quarantined == 6
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    quarantined = warehouse_query(
        env,
        "select file, line, reason, row_data from elt.quarantine "
        "where source = 'lake' and table_name = 'fares' order by line",
    )
    expected = [
        ("fares/2026-01/fares.csv", line, reason, text.rstrip("\n"))
        for line, (text, reason) in sorted(BAD_LINES.items())
    ]
    last = physical + 1
    assert quarantined[:5] == expected
    assert quarantined[5][:3] == ("fares/2026-01/fares.csv", last, "invalid UTF-8 at byte 24")
    # The lines after the unterminated quote all loaded, each with its own line number.
    loaded = warehouse_query(env, "select _line from raw_lake.fares order by _line")
    lines = {line for (line,) in loaded}
    assert len(lines) == result.rows_loaded
    assert lines | set(BAD_LINES) | {last, 21} == set(range(2, last + 1))
    assert warehouse_query(env, "select note from raw_lake.fares where _line = 20") == [
        ("two\nlines",)
    ]
    assert warehouse_query(
        env, "select rows_read, rows_loaded, rows_quarantined, status from elt.loaded_files"
    ) == [(result.rows_read, result.rows_loaded, 6, "succeeded")]


def test_a_file_over_the_bad_rows_threshold_lands_nothing(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path, ELT_MAX_BAD_ROWS_FRACTION="0.01")
    _drop(tmp_path, "fares", "2026-01", "good.csv", _fares(100, {}))
    _drop(tmp_path, "fares", "2026-02", "bad.csv", _fares(100, BAD_LINES))  # 5 %

    (result,) = _load(env, ["fares"]).values()
    assert result.status == "failed"
    assert "fares/2026-02/bad.csv: 5 of 99 line(s) cannot be loaded" in (result.error or "")
    assert "line 3: unterminated quote" in (result.error or "")
    assert warehouse_query(env, "select distinct _file from raw_lake.fares") == [
        ("fares/2026-01/good.csv",)
    ]
    assert warehouse_query(env, "select count(*) from elt.quarantine") == [(0,)]
    assert warehouse_query(env, "select path, status from elt.loaded_files order by path") == [
        ("fares/2026-01/good.csv", "succeeded"),
        ("fares/2026-02/bad.csv", "refused"),
    ]


def test_text_stays_text_gzip_headerless_semicolons_and_json_lines(fresh_warehouse_env, tmp_path):
    # One bad line of three in the JSON lines: allowed here, to see it quarantined.
    env = _env(fresh_warehouse_env, tmp_path, ELT_MAX_BAD_ROWS_FRACTION="0.5")
    zones = b"LocationID,Borough,Zone,zip\n1,Boston,Allston,02134\n2,,Empty borough,00501\n"
    _drop(tmp_path, "zones", "2026-01", "zones.csv.gz", gzip.compress(zones))
    _drop(
        tmp_path,
        "readings",
        "2026-01",
        "readings.csv",
        b"s-01;12.50;2026-01-03;true\ns-02;;2026-01-04;false\n",
    )
    events = [
        {
            "id": 1,
            "kind": "open",
            "happened_at": "2026-01-05T10:00:00+01:00",
            "payload": {"a": [1, 2]},
        },
        {"id": 2, "kind": "close", "happened_at": "2026-01-05T12:00:00Z", "extra": "not declared"},
    ]
    _drop(
        tmp_path,
        "events",
        "2026-01",
        "events.jsonl",
        b"".join(json.dumps(e).encode() + b"\n" for e in events) + b'{"id": "x"}\n',
    )

    results = _load(env, ["zones", "readings", "events"])
    assert {name: r.status for name, r in results.items()} == dict.fromkeys(
        ("events", "readings", "zones"), "succeeded"
    )
    assert warehouse_query(
        env, 'select "LocationID", "Borough", zip, _line from raw_lake.zones order by 1'
    ) == [(1, "Boston", "02134", 2), (2, "", "00501", 3)]
    readings = warehouse_query(
        env,
        "select sensor, cast(reading as varchar), taken_on, ok, _line "
        "from raw_lake.readings order by 1",
    )
    assert [(s, r, str(d), ok, line) for s, r, d, ok, line in readings] == [
        ("s-01", "12.50", "2026-01-03", True, 1),
        ("s-02", None, "2026-01-04", False, 2),
    ]
    rows = warehouse_query(
        env,
        "select id, kind, cast(happened_at as varchar), cast(payload as varchar) "
        "from raw_lake.events order by id",
    )
    assert [(i, k) for i, k, _, _ in rows] == [(1, "open"), (2, "close")]
    assert rows[0][2].startswith("2026-01-05 09:00:00")
    assert json.loads(rows[0][3]) == {"a": [1, 2]}
    assert rows[1][3] is None
    assert warehouse_query(env, "select table_name, line, reason from elt.quarantine") == [
        ("events", 3, "column 'id': 'x' is not a valid bigint")
    ]


def test_month_selector_loads_only_those_months(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    for month in MONTHS:
        _trips(tmp_path, month, 10)
    (result,) = _load(env, ["trips"], months="2026-02..2026-03").values()
    assert result.rows_read == 20
    assert warehouse_query(env, "select distinct _file from raw_lake.trips order by 1") == [
        ("trips/2026-02/yellow_tripdata_2026-02.parquet",),
        ("trips/2026-03/yellow_tripdata_2026-03.parquet",),
    ]


def test_an_undeclared_csv_column_names_the_file_and_the_fix(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    _drop(tmp_path, "zones", "2026-01", "zones.csv", b"LocationID,Borough,Zone,zip,extra\n")
    (result,) = _load(env, ["zones"]).values()
    assert result.status == "failed"
    assert result.error == (
        "zones/2026-01/zones.csv: column(s) ['extra'] are not declared; add them to the "
        "dataset's columns in sources.yml with their types (text keeps digits such as postal "
        "codes exactly)"
    )


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("2026-01", "2026-01", "2026-01"), ("2025-11..2026-02", "2025-11", "2026-02")],
)
def test_months_are_a_month_or_a_range(text, first, last):
    months = parse_months(text)
    assert (months.first, months.last) == (first, last)
    assert "2026-01" in months
    assert "2026-03" not in months


@pytest.mark.parametrize("text", ["2026-1", "2026-13", "2026-03..2026-01", "jan"])
def test_a_bad_month_is_refused_with_the_format(text):
    with pytest.raises(ConfigError, match="YYYY-MM"):
        parse_months(text)


def test_columns_drift_between_months_as_between_database_loads(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)

    def month(name: str, columns: dict[str, pa.Array]) -> None:
        folder = tmp_path / "landing" / "trips" / name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), folder / "trips.parquet")

    month("2026-01", {"id": pa.array([1], pa.int32()), "fare": pa.array([1.5])})
    month(
        "2026-02", {"id": pa.array([2], pa.int32()), "fare": pa.array([2.5]), "tip": pa.array([1])}
    )
    month("2026-03", {"id": pa.array([3], pa.int32())})
    (result,) = _load(env, ["trips"]).values()
    assert result.status == "succeeded"
    assert warehouse_query(env, "select id, fare, tip from raw_lake.trips order by id") == [
        (1, 1.5, None),
        (2, 2.5, 1),
        (3, None, None),
    ]

    month("2026-04", {"id": pa.array(["4"])})  # integer ids became text
    (result,) = _load(env, ["trips"]).values()
    assert result.status == "failed"
    assert "column 'id' changed type from INTEGER to VARCHAR" in (result.error or "") or (
        "column 'id' changed type from integer to text" in (result.error or "")
    )
    assert warehouse_query(env, "select count(*) from raw_lake.trips") == [(3,)]


def test_elt_load_reloads_a_month_with_the_same_rows_never_twice(
    fresh_warehouse_env, tmp_path, monkeypatch, capsys
):
    from orchestration.cli import main

    for name, value in _env(fresh_warehouse_env, tmp_path).items():
        monkeypatch.setenv(name, value)
    for month in MONTHS:
        _trips(tmp_path, month, 10)
    assert main(["load", "--source", "lake", "--table", "trips"]) == 0
    before = warehouse_query(
        fresh_warehouse_env, "select _file, _line, fare_amount from raw_lake.trips order by 1, 2"
    )

    assert main(["load", "--source", "lake", "--month", "2026-02..2026-03", "--reload"]) == 0
    out = capsys.readouterr().out
    assert "lake.trips" in out and " 20 " in out.split("lake.trips")[-1].splitlines()[0]
    after = warehouse_query(
        fresh_warehouse_env, "select _file, _line, fare_amount from raw_lake.trips order by 1, 2"
    )
    assert after == before  # the same rows, none twice
    batches = warehouse_query(
        fresh_warehouse_env,
        "select substr(_file, 7, 7), count(distinct _batch_id) from raw_lake.trips "
        "group by 1 order by 1",
    )
    assert len({b for _, b in batches}) == 1
    reloaded = warehouse_query(
        fresh_warehouse_env,
        "select count(distinct _batch_id) from raw_lake.trips",
    )
    assert reloaded == [(2,)]  # February and March carry the reload's batch


def test_month_is_for_files_sources_only(fresh_warehouse_env, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    for name, value in _env(fresh_warehouse_env, tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["load", "--source", "lake", "--month", "2026-13"]) != 0
    assert "elt: --month '2026-13': give a month as YYYY-MM" in capsys.readouterr().err
    crm = "\n  crm:\n    kind: postgres\n    url_env: CRM_URL\n"
    (tmp_path / "sources.yml").write_text(SOURCES + crm, encoding="utf-8")
    assert main(["load", "--month", "2026-01"]) != 0
    assert capsys.readouterr().err.strip() == (
        "elt: --month is for files sources, and crm is not one: name the files source with --source"
    )


def test_an_unreadable_file_fails_alone_and_is_named(fresh_warehouse_env, tmp_path):
    env = _env(fresh_warehouse_env, tmp_path)
    _trips(tmp_path, "2026-01", 10)
    _drop(tmp_path, "trips", "2026-02", "broken.parquet", b"PAR1 this is not parquet")
    _drop(tmp_path, "zones", "2026-01", "zones.csv.gz", b"not gzip at all")

    results = _load(env, ["trips", "zones"])
    assert results["trips"].status == "failed"
    assert (results["trips"].error or "").startswith(
        "lake.trips: trips/2026-02/broken.parquet: not a readable Parquet file"
    )
    assert results["trips"].rows_loaded == 10  # January's file was published
    assert (results["zones"].error or "").startswith(
        "lake.zones: zones/2026-01/zones.csv.gz: cannot be read"
    )
    assert warehouse_query(env, "select path, status from elt.loaded_files order by path") == [
        ("trips/2026-01/yellow_tripdata_2026-01.parquet", "succeeded"),
        ("trips/2026-02/broken.parquet", "failed"),
        ("zones/2026-01/zones.csv.gz", "failed"),
    ]


def test_a_cancelled_files_load_stops_at_its_file_and_records_it_cancelled(
    fresh_warehouse_env, tmp_path, monkeypatch
):
    """Told to stop while its second file loads: the first stays published, the second is
    recorded `cancelled` (not `failed`), and the ones after it are not touched; the next load
    takes them up. (DuckDB reads one file per statement here; files read together are
    cancelled together: test_files_direct.py.)"""
    from extract_load.cancel import LoadCancelled
    from extract_load.warehouse import base, duckdb

    env = _env(fresh_warehouse_env, tmp_path)
    for month in MONTHS[:3]:
        _trips(tmp_path, month, 10)
    published = []
    real_publish = base.Warehouse.publish_files

    def publish_then_stop(warehouse, plan, files, record):
        if published:
            raise LoadCancelled("SIGTERM")
        published.append(list(files))
        real_publish(warehouse, plan, files, record)

    monkeypatch.setattr(duckdb, "_FILES_AT_ONCE", 1)
    monkeypatch.setattr(base.Warehouse, "publish_files", publish_then_stop)
    (result,) = _load(env, ["trips"]).values()
    assert result.status == "cancelled"
    statuses = warehouse_query(env, "select path, status from elt.loaded_files order by path")
    assert statuses == [
        (f"trips/{MONTHS[0]}/yellow_tripdata_{MONTHS[0]}.parquet", "succeeded"),
        (f"trips/{MONTHS[1]}/yellow_tripdata_{MONTHS[1]}.parquet", "cancelled"),
    ]
    monkeypatch.setattr(base.Warehouse, "publish_files", real_publish)
    (again,) = _load(env, ["trips"]).values()
    assert (again.status, again.rows_loaded) == ("succeeded", 20)


def test_a_number_past_a_doubles_range_is_a_bad_line_not_an_infinity(fresh_warehouse_env, tmp_path):
    """Arrow reads 1e400 as infinity and 1e-400 as 0; PostgreSQL refuses both: bad lines.
    Spelled infinities, NaN and zeros with an exponent land as they are."""
    env = _env(fresh_warehouse_env, tmp_path)
    values = ["1.5", "inf", "-Infinity", "NaN", "0.0e10", "1e400", "-1e-400", "2.5e-308"]
    values += [str(n) for n in range(300)]
    lines = "".join(f"{n},{value}\n" for n, value in enumerate(values, start=1))
    _drop(tmp_path, "measures", "2026-01", "m.csv", ("id,value\n" + lines).encode())

    result = _load(env, ["measures"])["measures"]
    assert (result.status, result.rows_read, result.rows_loaded) == ("succeeded", 308, 306)
    assert warehouse_query(env, "select line, reason from elt.quarantine order by line") == [
        (7, "column 'value': '1e400' is not a valid double precision"),
        (8, "column 'value': '-1e-400' is not a valid double precision"),
    ]
    landed = warehouse_query(
        env, "select id, value from raw_lake.measures where id <= 8 order by id"
    )
    assert [(i, str(v)) for i, v in landed] == [
        (1, "1.5"),
        (2, "inf"),
        (3, "-inf"),
        (4, "nan"),
        (5, "0.0"),
        (8, "2.5e-308"),
    ]


def test_json_numbers_land_with_their_digits(fresh_warehouse_env, tmp_path):
    """A JSON number is not read through a float: a numeric keeps all its digits, a text
    column its literal, a JSON column its numbers; 1e400 is a bad line, not infinity."""
    env = _env(fresh_warehouse_env, tmp_path)
    lines = [
        '{"id": 1, "amount": 123456789012345678.12, "label": 1.10, "ratio": 0.1, '
        '"meta": {"price": 19.990, "big": 12345678901234567890.123456789, "n": [1, 2.50]}}',
        '{"id": 2, "amount": 1, "label": "x", "ratio": 1e400, "meta": null}',
    ]
    lines += [f'{{"id": {n}, "amount": {n}.5, "label": "ok"}}' for n in range(3, 201)]
    _drop(tmp_path, "amounts", "2026-01", "a.jsonl", "\n".join(lines).encode())

    result = _load(env, ["amounts"])["amounts"]
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("succeeded", 199, 1)
    assert warehouse_query(env, "select line, reason from elt.quarantine") == [
        (2, "column 'ratio': '1E+400' is not a valid double precision")
    ]
    ((amount, label, ratio, meta),) = warehouse_query(
        env, "select amount, label, ratio, cast(meta as text) from raw_lake.amounts where id = 1"
    )
    assert (amount, label, ratio) == (Decimal("123456789012345678.12"), "1.10", 0.1)
    assert "19.990" in meta and "12345678901234567890.123456789" in meta and "2.50" in meta
