"""The files benchmark's layout: where each format lands and the CSV dataset's declared types,
apart from the data's generation (trip_files.py) so that a contender's process imports no
numpy or pyarrow for them: its start is part of its time."""

from __future__ import annotations

SOURCE = "bench_files"
SCHEMA = f"raw_{SOURCE}"
# format -> the dataset it lands in (the lake source's names)
DATASETS = {"parquet": "trips", "csv": "trips_csv"}
# The trips_csv dataset's declared columns, as in sources.yml, and DuckDB's name for each type
# (read_csv's `columns`, the floor's).
CSV_COLUMNS = {
    "VendorID": "integer",
    "tpep_pickup_datetime": "timestamp",
    "tpep_dropoff_datetime": "timestamp",
    "passenger_count": "bigint",
    "trip_distance": "double",
    "PULocationID": "integer",
    "DOLocationID": "integer",
    "payment_type": "bigint",
    "fare_amount": "numeric(10,2)",
    "tip_amount": "numeric(10,2)",
    "total_amount": "numeric(10,2)",
}
DUCKDB_TYPES = {
    "integer": "INTEGER",
    "timestamp": "TIMESTAMP",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "numeric(10,2)": "DECIMAL(10,2)",
}
