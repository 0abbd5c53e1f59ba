"""The seam's Arrow side on both warehouses: record batches of every Arrow type a source can
hand over land with exactly their values, and a source that fails mid-stream publishes nothing.

The read here is a source made of batches in memory: the warehouse's side of the seam is what
is under test, and it must not care which source made the batches.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from extract_load import Settings
from extract_load.ledger import Batch
from extract_load.reads import ArrowRead, LandingColumn, landing_column
from extract_load.warehouse import StagePlan, open_warehouse
from table_contents import normalise, warehouse_query


class BatchesRead(ArrowRead):
    """Batches from memory; `fail_after` raises after that many batches, like a dropped
    connection; `claimed_rows` overrides the count the source says it sent."""

    def __init__(
        self,
        columns: tuple[LandingColumn, ...],
        batches: list[pa.RecordBatch],
        fail_after: int | None = None,
        claimed_rows: int | None = None,
    ) -> None:
        self.label = "memory.table"
        self.columns = columns
        self._batches = batches
        self._fail_after = fail_after
        self._claimed = claimed_rows
        self.closed = False

    def batches(self) -> Iterator[pa.RecordBatch]:
        for index, batch in enumerate(self._batches):
            if index == self._fail_after:
                raise ConnectionError("the source went away")
            yield batch

    def finish(self) -> int:
        sent = sum(batch.num_rows for batch in self._batches)
        return sent if self._claimed is None else self._claimed

    def close(self) -> None:
        self.closed = True


# Each column: its Arrow type, its values (None = NULL), and types stated by the source.
COLUMNS: dict[str, tuple[pa.DataType, list, dict[str, str]]] = {
    "Mixed Case-name": (pa.int64(), [1, 2, 3, 4], {}),
    "order": (pa.string(), ["", None, 'a,b\n"quoted"\\', "emoji 😀 ü"], {}),
    "tiny": (pa.int8(), [-128, 127, None, 0], {}),
    "u8": (pa.uint8(), [0, 255, None, 1], {}),
    "u16": (pa.uint16(), [0, 65535, None, 1], {}),
    "u32": (pa.uint32(), [0, 4294967295, None, 1], {}),
    "u64": (pa.uint64(), [0, 18446744073709551615, None, 9223372036854775808], {}),
    "i64": (pa.int64(), [-9223372036854775808, 9223372036854775807, None, 0], {}),
    "f32": (pa.float32(), [0.1, -3.4028234663852886e38, None, 1.0e-45], {}),
    "f64": (pa.float64(), [0.1, 2 / 3, None, 1.7976931348623157e308], {}),
    "money": (
        pa.decimal128(38, 10),
        [Decimal("0.0000000001"), Decimal("-9999999999999999999999999999.9999999999"), None, 0],
        {},
    ),
    "flag": (pa.bool_(), [True, False, None, True], {}),
    "blob": (pa.binary(), [b"\x00\x01\xff", b"", None, b"\\x00"], {}),
    "day": (pa.date32(), [date(1000, 1, 1), date(9999, 12, 31), None, date(2024, 2, 29)], {}),
    "clock": (pa.time64("us"), [time(0, 0), time(23, 59, 59, 999999), None, time(12)], {}),
    "naive": (
        pa.timestamp("us"),
        [datetime(2024, 3, 31, 2, 30), datetime(1000, 1, 1), None, datetime(9999, 12, 31)],
        {},
    ),
    "aware": (
        pa.timestamp("us", tz="UTC"),
        [
            datetime(2024, 3, 31, 1, 30, 0, 5, tzinfo=UTC),
            None,
            None,
            datetime(1970, 1, 1, tzinfo=UTC),
        ],
        {},
    ),
    "span": (
        pa.duration("us"),
        [timedelta(hours=-838, minutes=-59, seconds=-59), timedelta(hours=838), None, timedelta(0)],
        {},
    ),
    "doc": (
        pa.string(),
        ['{"a": [1, 2]}', None, "[]", '"text"'],
        {"duckdb": "JSON", "postgres": "jsonb"},
    ),
}


def _columns() -> tuple[LandingColumn, ...]:
    return tuple(
        landing_column(name, kind, **stated) for name, (kind, _values, stated) in COLUMNS.items()
    )


def _batches(rows_per_batch: int = 2) -> list[pa.RecordBatch]:
    arrays = [pa.array(values, kind) for kind, values, _ in COLUMNS.values()]
    whole = pa.record_batch(arrays, names=list(COLUMNS))
    return [whole.slice(i, rows_per_batch) for i in range(0, whole.num_rows, rows_per_batch)]


def _float32(value: float) -> bytes:
    return struct.pack("<f", value)


def _landed(env: dict[str, str], table: str) -> list[tuple]:
    # JSON as its text on both: psycopg would parse jsonb into Python values.
    names = ", ".join(
        f'CAST("{name}" AS VARCHAR)' if name == "doc" else f'"{name}"' for name in COLUMNS
    )
    order = '"Mixed Case-name"'
    return [
        tuple(normalise(v) for v in row)
        for row in warehouse_query(env, f'select {names} from raw_seam."{table}" order by {order}')
    ]


def _expected() -> list[tuple]:
    # The values as the batches hold them (a float32 is not the Python float it was made of).
    columns = [pa.array(values, kind).to_pylist() for kind, values, _ in COLUMNS.values()]
    rows = list(zip(*columns, strict=True))
    return [tuple(normalise(v) for v in row) for row in rows]


def _stage(env: dict[str, str], read: ArrowRead, table: str = "every type") -> Batch:
    warehouse = open_warehouse(Settings.from_env(env))
    try:
        warehouse.ensure_schema("raw_seam")
        batch = Batch(source="seam", table=table, mode="full")
        plan = StagePlan("raw_seam", table, batch)
        warehouse.start_batch(batch)
        try:
            batch.rows_read = warehouse.write_stage(plan, read, lambda rows, size: None)
            return warehouse.publish(plan, "full", ["Mixed Case-name"])
        except Exception as error:
            warehouse.fail_batch(plan, error)
            raise
    finally:
        warehouse.close()


def test_every_arrow_type_lands_exactly(fresh_warehouse_env):
    env = fresh_warehouse_env
    read = BatchesRead(_columns(), _batches())
    batch = _stage(env, read)
    assert read.closed, "the warehouse closes the read when it is done"
    assert (batch.status, batch.rows_read, batch.rows_loaded) == ("succeeded", 4, 4)
    landed = _landed(env, "every type")
    expected = _expected()
    json_at = list(COLUMNS).index("doc")
    for got, want in zip(landed, expected, strict=True):
        for index, name in enumerate(COLUMNS):
            if index == json_at and got[index] is not None:
                # jsonb and DuckDB's JSON give the document back parsed or as text.
                assert json.loads(got[index]) == json.loads(want[index]), name
                continue
            if name == "f32" and got[index] is not None:  # psycopg reads real as "0.1"
                assert _float32(got[index]) == _float32(want[index]), name
                continue
            assert got[index] == want[index], f"{name}: {got[index]!r} != {want[index]!r}"
    types = dict(
        warehouse_query(
            env,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_seam' and table_name = 'every type'",
        )
    )
    if env["ELT_WAREHOUSE"] == "duckdb":
        assert types["u64"] == "UBIGINT" and types["money"] == "DECIMAL(38,10)"
        assert types["span"] == "INTERVAL" and types["aware"] == "TIMESTAMP WITH TIME ZONE"
    else:
        assert types["u64"] == "numeric" and types["doc"] == "jsonb"
        assert types["naive"] == "timestamp without time zone"


def test_a_source_failing_mid_stream_publishes_nothing(fresh_warehouse_env):
    env = fresh_warehouse_env
    _stage(env, BatchesRead(_columns(), _batches()))
    before = _landed(env, "every type")
    with pytest.raises(ConnectionError, match="went away"):
        _stage(env, BatchesRead(_columns(), _batches(), fail_after=1))
    assert _landed(env, "every type") == before
    stages = warehouse_query(
        env,
        "select table_name from information_schema.tables "
        "where table_schema = 'raw_seam' and table_name like '__stage%'",
    )
    assert stages == []


def test_rows_lost_between_source_and_warehouse_fail_the_batch(fresh_warehouse_env):
    env = fresh_warehouse_env
    with pytest.raises(Exception, match="the source sent 5 rows, 4 arrived"):
        _stage(env, BatchesRead(_columns(), _batches(), claimed_rows=5), table="lost")
    tables = warehouse_query(
        env,
        "select table_name from information_schema.tables where table_schema = 'raw_seam'",
    )
    assert tables == []
