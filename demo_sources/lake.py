"""The demo lake: monthly taxi-trip files shaped like the public NYC yellow-taxi records, and a
zone lookup, written into a landing folder, the same for the same seed.

    landing/trips/2026-01/yellow_tripdata_2026-01.parquet   (Parquet: its schema gives types)
    landing/trips_csv/2026-01/yellow_tripdata_2026-01.csv   (the same shape as CSV, declared)
    landing/zones/2026-01/taxi_zone_lookup.csv

A few CSV months hold realistic bad lines (a row cut short, `abc` in a fare, an impossible date,
a quote never closed), well under the loader's 1 % threshold, to be found in `elt.quarantine`.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["DEMO_MONTHS", "TRIP_COLUMNS", "ensure_lake", "write_lake"]

DEMO_MONTHS = tuple(f"2026-{month:02d}" for month in range(1, 7))
TRIP_COLUMNS = (
    "VendorID",
    "tpep_pickup_datetime",
    "tpep_dropoff_datetime",
    "passenger_count",
    "trip_distance",
    "PULocationID",
    "DOLocationID",
    "payment_type",
    "fare_amount",
    "tip_amount",
    "total_amount",
)
_BOROUGHS = ("Manhattan", "Brooklyn", "Queens", "Bronx", "Staten Island", "EWR")
_ZONES = 40
# The CSV months with bad lines, and the lines (after the header) that are bad.
_BAD_MONTHS = {"2026-03": (17, 230, 611, 805), "2026-05": (42, 499)}
_MONEY = pa.decimal128(10, 2)


def _zones(rng: random.Random) -> list[tuple[int, str, str, str]]:
    zones = []
    for location in range(1, _ZONES + 1):
        borough = _BOROUGHS[location % len(_BOROUGHS)]
        service = "EWR" if borough == "EWR" else ("Yellow Zone" if location % 3 else "Boro Zone")
        zones.append((location, borough, f"{borough} zone {rng.randint(100, 999)}", service))
    return zones


def _trips(rng: random.Random, month: str, rows: int) -> list[dict[str, object]]:
    start = datetime.strptime(month, "%Y-%m")
    trips: list[dict[str, object]] = []
    for _ in range(rows):
        pickup = start + timedelta(seconds=rng.randrange(28 * 24 * 3600))
        minutes = rng.randint(3, 60)
        distance = round(rng.uniform(0.3, 18.0), 2)
        fare = Decimal(str(round(3 + distance * 2.5, 2))).quantize(Decimal("0.01"))
        payment = rng.choice((1, 1, 1, 2, 3, 4))
        tip = (fare * Decimal(rng.choice((0, 10, 15, 20))) / 100).quantize(Decimal("0.01"))
        tip = tip if payment == 1 else Decimal("0.00")
        trips.append(
            {
                "VendorID": rng.choice((1, 2)),
                "tpep_pickup_datetime": pickup,
                "tpep_dropoff_datetime": pickup + timedelta(minutes=minutes),
                "passenger_count": rng.choice((1, 1, 1, 2, 3, None)),
                "trip_distance": distance,
                "PULocationID": rng.randint(1, _ZONES),
                "DOLocationID": rng.randint(1, _ZONES),
                "payment_type": payment,
                "fare_amount": fare,
                "tip_amount": tip,
                "total_amount": fare + tip + Decimal("1.00"),
            }
        )
    return trips


def _parquet(trips: list[dict[str, object]], path: Path) -> None:
    schema = pa.schema(
        [
            ("VendorID", pa.int32()),
            ("tpep_pickup_datetime", pa.timestamp("us")),
            ("tpep_dropoff_datetime", pa.timestamp("us")),
            ("passenger_count", pa.int64()),
            ("trip_distance", pa.float64()),
            ("PULocationID", pa.int32()),
            ("DOLocationID", pa.int32()),
            ("payment_type", pa.int64()),
            ("fare_amount", _MONEY),
            ("tip_amount", _MONEY),
            ("total_amount", _MONEY),
        ]
    )
    pq.write_table(pa.Table.from_pylist(trips, schema=schema), path)


def _csv(trips: list[dict[str, object]], bad: tuple[int, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRIP_COLUMNS)
    for number, trip in enumerate(trips, start=1):
        values = ["" if trip[c] is None else str(trip[c]) for c in TRIP_COLUMNS]
        if number in bad:
            kind = bad.index(number) % 4
            if kind == 0:
                values = values[:6]  # a row cut short
            elif kind == 1:
                values[8] = "abc"  # not a fare
            elif kind == 2:
                values[1] = "2026-02-30 10:00:00"  # no such day
            else:
                values[6] = '"17'  # a quote opened and never closed
                out.write(",".join(values) + "\n")
                continue
        writer.writerow(values)
    return out.getvalue().encode()


def write_lake(landing: Path, seed: int = 42, rows_per_month: int = 1000) -> None:
    """Write the demo files into `landing` (existing files of the same names are replaced)."""
    rng = random.Random(seed)
    zones_folder = landing / "zones" / DEMO_MONTHS[0]
    zones_folder.mkdir(parents=True, exist_ok=True)
    with (zones_folder / "taxi_zone_lookup.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("LocationID", "Borough", "Zone", "service_zone"))
        writer.writerows(_zones(rng))
    for month in DEMO_MONTHS:
        trips = _trips(rng, month, rows_per_month)
        for dataset in ("trips", "trips_csv"):
            (landing / dataset / month).mkdir(parents=True, exist_ok=True)
        _parquet(trips, landing / "trips" / month / f"yellow_tripdata_{month}.parquet")
        csv_path = landing / "trips_csv" / month / f"yellow_tripdata_{month}.csv"
        csv_path.write_bytes(_csv(trips, _BAD_MONTHS.get(month, ())))


def ensure_lake(landing: Path, seed: int = 42) -> bool:
    """Write the demo files unless `landing` exists already; True if they were written."""
    if landing.exists():
        return False
    write_lake(landing, seed)
    return True
