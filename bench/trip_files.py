"""The files benchmark's data: monthly taxi-trip files shaped like the demo lake's
(``demo_sources/lake.py``: the same columns and types as the ``lake`` source's ``trips`` Parquet
and ``trips_csv`` CSV datasets, the same layout ``<dataset>/YYYY-MM/<file>``), generated with
numpy and pyarrow so that millions of rows take seconds; the same files for the same seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from trip_layout import DATASETS

_ZONES = 40
_MONEY = pa.decimal128(10, 2)


def months(count: int, first_year: int = 2026) -> list[str]:
    """`count` consecutive months from January of `first_year`: 2026-01, 2026-02, ..."""
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def split_rows(total: int, parts: int) -> list[int]:
    """`total` rows over `parts` months, the remainder on the first ones."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _money(cents: np.ndarray) -> pa.Array:
    """decimal128(10,2) from whole cents (non-negative int64), without a Python loop: the
    16-byte little-endian values are the cents and a zero high word."""
    words = np.zeros((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    return pa.Array.from_buffers(_MONEY, len(cents), [None, pa.py_buffer(words.tobytes())])


def trips_table(month: str, rows: int, seed: int) -> pa.Table:
    """One month of trips; the same table for the same month, rows and seed."""
    rng = np.random.default_rng([seed, int(month.replace("-", ""))])
    start = np.datetime64(f"{month}-01T00:00:00", "us")
    pickup = start + rng.integers(0, 28 * 24 * 3600, rows) * np.timedelta64(1, "s")
    dropoff = pickup + rng.integers(3, 61, rows) * np.timedelta64(1, "m")
    distance = np.round(rng.uniform(0.3, 18.0, rows), 2)
    fare = np.round((3 + distance * 2.5) * 100).astype(np.int64)
    payment = rng.choice(np.array([1, 1, 1, 2, 3, 4], dtype=np.int64), rows)
    tip = np.round(fare * rng.choice(np.array([0, 10, 15, 20]), rows) / 100).astype(np.int64)
    tip = np.where(payment == 1, tip, 0)
    passengers = rng.choice(np.array([1, 1, 1, 2, 3, 0], dtype=np.int64), rows)
    return pa.table(
        {
            "VendorID": pa.array(rng.integers(1, 3, rows, dtype=np.int32)),
            "tpep_pickup_datetime": pa.array(pickup, pa.timestamp("us")),
            "tpep_dropoff_datetime": pa.array(dropoff, pa.timestamp("us")),
            "passenger_count": pa.array(passengers, mask=passengers == 0),  # 1 in 6 unknown
            "trip_distance": pa.array(distance),
            "PULocationID": pa.array(rng.integers(1, _ZONES + 1, rows, dtype=np.int32)),
            "DOLocationID": pa.array(rng.integers(1, _ZONES + 1, rows, dtype=np.int32)),
            "payment_type": pa.array(payment),
            "fare_amount": _money(fare),
            "tip_amount": _money(tip),
            "total_amount": _money(fare + tip + 100),
        }
    )


def _write_csv(table: pa.Table, path: Path) -> None:
    """As the demo lake writes it: a bare header, seconds without a fraction, empty NULLs."""
    for name in ("tpep_pickup_datetime", "tpep_dropoff_datetime"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table[name].cast(pa.timestamp("s")))
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    with path.open("wb") as out:
        out.write((",".join(table.column_names) + "\n").encode())
        pa_csv.write_csv(table, out, options)


def write_landing(landing: Path, rows: int, month_count: int, formats: list[str], seed: int) -> int:
    """Write `rows` trips over `month_count` months into `landing` in each format; the bytes
    written."""
    written = 0
    for month, count in zip(months(month_count), split_rows(rows, month_count), strict=True):
        table = trips_table(month, count, seed)
        for fmt in formats:
            folder = landing / DATASETS[fmt] / month
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"yellow_tripdata_{month}.{fmt}"
            if fmt == "parquet":
                pq.write_table(table, path)
            else:
                _write_csv(table, path)
            written += path.stat().st_size
    return written
