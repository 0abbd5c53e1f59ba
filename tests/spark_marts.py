"""The marts a local Spark session built, read from its Parquet files, against DuckDB's."""

from __future__ import annotations

from pathlib import Path

import duckdb

from extract_load.identifiers import quote_ident
from extract_load.schemas import MARTS_SCHEMA

__all__ = ["different_marts", "spark_marts"]

_FLOATS = ("DOUBLE", "FLOAT", "REAL")
# Which load a row came from: two warehouses loaded apart from the same sources differ there.
_LOAD_COLUMNS = ("_loaded_at", "_batch_id")


def spark_marts(spark_dir: Path) -> dict[str, Path]:
    """Each mart's folder in the session's warehouse (spark.sql.warehouse.dir)."""
    folder = spark_dir / "spark-warehouse" / f"{MARTS_SCHEMA}.db"
    return {path.name: path for path in sorted(folder.iterdir()) if path.is_dir()}


def different_marts(duckdb_path: Path, spark_dir: Path) -> list[str]:
    """What differs between DuckDB's marts and Spark's (read with DuckDB's column types): a line
    per mart missing on one side, short of a column, or with rows (as many times) that the
    other lacks. Every value must be equal,
    decimals exactly; doubles to 6 decimal places, as engines add them up in other orders.
    The load metadata columns (`_loaded_at`, `_batch_id`) name loads, and are not compared."""
    problems: list[str] = []
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(f"ATTACH '{duckdb_path}' AS duck (READ_ONLY)")
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'duck' "
                "AND table_schema = ? AND table_type = 'BASE TABLE'",
                [MARTS_SCHEMA],
            ).fetchall()
        }
        spark = spark_marts(spark_dir)
        if sorted(spark) != sorted(tables):
            problems.append(f"marts: DuckDB's are {sorted(tables)}, Spark's {sorted(spark)}")
        for table in sorted(tables & spark.keys()):
            columns = [
                (name, data_type)
                for name, data_type in connection.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE "
                    "table_catalog = 'duck' AND table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position",
                    [MARTS_SCHEMA, table],
                ).fetchall()
                if name not in _LOAD_COLUMNS
            ]
            reference = f"duck.{MARTS_SCHEMA}.{quote_ident(table)}"
            built = _parquet(spark[table])
            described = connection.execute(f"DESCRIBE SELECT * FROM {built}").fetchall()
            found = {name.lower() for (name, *_) in described}
            missing = [name for name, _ in columns if name.lower() not in found]
            if missing:
                problems.append(f"{table}: Spark's has no column(s) {missing}")
                continue
            left, right = _typed(columns, built), _typed(columns, reference)
            for first, second, label in ((left, right, "only"), (right, left, "not")):
                difference = f"{first} EXCEPT ALL {second}"
                (count,) = connection.execute(f"SELECT count(*) FROM ({difference})").fetchall()[0]
                if count:
                    sample = connection.execute(f"{difference} LIMIT 2").fetchall()
                    problems.append(f"{table}: {count} row(s) {label} in Spark's, e.g. {sample}")
    return problems


def _parquet(folder: Path) -> str:
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def _typed(columns: list[tuple[str, str]], relation: str) -> str:
    values = []
    for name, data_type in columns:
        value = f"CAST({quote_ident(name)} AS {data_type})"
        values.append(f"round({value}, 6)" if data_type.upper() in _FLOATS else value)
    return f"SELECT {', '.join(values)} FROM {relation}"
