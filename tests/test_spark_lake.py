"""ELT_WAREHOUSE=spark: raw tables land in the lake as Parquet versions, each made current
only once whole, a load that changed nothing writes none, and a loader killed mid-write leaves
the previous version current, whole and read by Spark (the next open of the lake writes the
lost one)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg

from extract_load import Settings, load_sources
from extract_load.types_spark import spark_cast
from extract_load.warehouse.lake import CURRENT, IN_LAKE, PENDING, LakeWarehouse, version_name

# -- policy: no server ------------------------------------------------------------------------


def test_types_spark_cannot_read_land_as_text_and_the_others_keep_theirs():
    for unreadable, landed in (
        ("UUID", "VARCHAR"),
        ("INTERVAL", "VARCHAR"),
        ("TIME", "VARCHAR"),
        ("TIME WITH TIME ZONE", "VARCHAR"),
        ("TIMESTAMP_NS", "VARCHAR"),
        ("HUGEINT", "VARCHAR"),
        ("UHUGEINT", "VARCHAR"),
        ("BIT", "VARCHAR"),
        ("JSON", "VARCHAR"),
        ("UNION(a INTEGER, b VARCHAR)", "VARCHAR"),
        # Only the unreadable part of a nested type: the nesting stays.
        ("UUID[]", "VARCHAR[]"),
        ("JSON[][]", "VARCHAR[][]"),
        ("INTERVAL[3]", "VARCHAR[3]"),
        ("STRUCT(a INTEGER, b INTERVAL)", "STRUCT(a INTEGER, b VARCHAR)"),
        ("MAP(VARCHAR, JSON)", "MAP(VARCHAR, VARCHAR)"),
        ("MAP(UUID, TIME WITH TIME ZONE[])", "MAP(VARCHAR, VARCHAR[])"),
        # A field named like a type keeps its name (DESCRIBE leaves `uuid` unquoted).
        ('STRUCT(uuid UUID, "time" TIME)', 'STRUCT(uuid VARCHAR, "time" VARCHAR)'),
        ("STRUCT(u UNION(a INTEGER, b UUID))", "VARCHAR"),
    ):
        assert spark_cast(unreadable) == landed, unreadable
    for readable in (
        "INTEGER",
        "DECIMAL(38,10)",
        "VARCHAR",
        "VARCHAR[]",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP WITH TIME ZONE[]",
        "DATE",
        "BLOB",
        "UBIGINT",
        'STRUCT("time" VARCHAR, "uuid" INTEGER)',  # field names are not types
        "STRUCT(uuid INTEGER, json VARCHAR, time DATE)",
        "ENUM('UUID', 'a,JSON')",  # nor are an enum's labels
    ):
        assert spark_cast(readable) is None, readable


def test_versions_are_numbered_in_order_with_a_random_part():
    first = version_name(None)
    assert first.startswith("v00000001-")
    second = version_name(first)
    assert second.startswith("v00000002-")
    assert version_name(first) != second  # two writers of one number never share a folder
    assert version_name("something else").startswith("v00000001-")


# -- loads from a real PostgreSQL source --------------------------------------------------------

SOURCES = """\
sources:
  shop:
    kind: postgres
    url_env: SHOP_URL
    tables:
      orders:
        mode: incremental
        cursor_column: updated_at
"""


def _lake_env(tmp_path: Path, url: str) -> dict[str, str]:
    (tmp_path / "sources.yml").write_text(SOURCES)
    return {
        "ELT_WAREHOUSE": "spark",
        "ELT_LAKE_URL": str(tmp_path / "lake"),
        "ELT_SOURCES_FILE": str(tmp_path / "sources.yml"),
        "SHOP_URL": url,
    }


def _orders(new_database, values: str) -> str:
    """A source database with an orders table of the given rows; its URL."""
    url = new_database("shop")
    with psycopg.connect(url, autocommit=True) as source:
        source.execute(
            "CREATE TABLE orders (id integer PRIMARY KEY, amount numeric(12, 2), tags text[], "
            "uid uuid, span interval, updated_at timestamptz NOT NULL)"
        )
        source.execute(f"INSERT INTO orders VALUES {values}")
    return url


def _versions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("v"))


def _months(version: Path) -> list[str]:
    return sorted(p.name for p in version.iterdir())


def _inode(month: Path) -> int:
    """The inode of the month folder's one file."""
    (file,) = month.glob("*.parquet")
    return file.stat().st_ino


def _current_rows(folder: Path) -> list[tuple]:
    version = (folder / CURRENT).read_text().strip()
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        return connection.execute(
            "SELECT id, amount, tags, uid, span, _month, _deleted_at IS NULL FROM read_parquet("
            f"'{folder / version}/**/*.parquet', hive_partitioning = true) ORDER BY id"
        ).fetchall()


def test_an_incremental_table_lands_as_monthly_parquet_versions(tmp_path, new_database):
    url = _orders(
        new_database,
        "(1, 12345678.91, '{a,b}', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '1 day 02:03:04', "
        "'2024-01-31 23:30:00-02'), "  # February in UTC
        "(2, -0.01, '{}', NULL, NULL, '2024-01-15 10:00:00+00')",
    )
    env = _lake_env(tmp_path, url)
    (result,) = load_sources(Settings.from_env(env))
    assert result.status == "succeeded", result
    folder = tmp_path / "lake" / "raw" / "shop" / "orders"
    (first,) = _versions(folder)
    assert (folder / CURRENT).read_text().strip() == first
    assert sorted(p.name for p in (folder / first).iterdir()) == [
        "_month=2024-01",
        "_month=2024-02",
    ]
    assert _current_rows(folder) == [
        (
            1,
            Decimal("12345678.91"),
            ["a", "b"],
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "1 day 02:03:04",
            "2024-02",
            True,
        ),
        (2, Decimal("-0.01"), [], None, None, "2024-01", True),
    ]

    # The metadata file keeps the table's columns and no rows: they are the lake's. The loads
    # below read them back to merge with (row 1 is in the next versions only through that).
    with duckdb.connect(str(tmp_path / "lake" / "_elt" / "metadata.duckdb")) as metadata:
        assert metadata.execute("SELECT count(*) FROM raw_shop.orders").fetchall() == [(0,)]
        assert metadata.execute(f"SELECT * FROM {IN_LAKE}").fetchall() == [
            ("shop", "raw_shop", "orders")
        ]

    # Nothing changed in the source: no new version.
    (result,) = load_sources(Settings.from_env(env))
    assert result.status == "succeeded" and _versions(folder) == [first]

    with psycopg.connect(url, autocommit=True) as source:
        source.execute("UPDATE orders SET amount = 1.50, updated_at = '2024-03-01' WHERE id = 2")
        source.execute("INSERT INTO orders VALUES (3, 0, NULL, NULL, NULL, '2024-03-02')")
    (result,) = load_sources(Settings.from_env(env))
    assert result.status == "succeeded", result
    first_again, second = _versions(folder)
    assert first_again == first and second.startswith("v00000002-")
    assert (folder / CURRENT).read_text().strip() == second
    assert [(row[0], row[1], row[5]) for row in _current_rows(folder)] == [
        (1, Decimal("12345678.91"), "2024-02"),
        (2, Decimal("1.50"), "2024-03"),
        (3, Decimal("0.00"), "2024-03"),
    ]

    # January emptied and March is new; February did not change: its file is the first
    # version's, linked, not written again.
    assert _months(folder / second) == ["_month=2024-02", "_month=2024-03"]
    february = _inode(folder / first / "_month=2024-02")
    assert _inode(folder / second / "_month=2024-02") == february

    # A third version drops the first; the second stays for readers still on it.
    with psycopg.connect(url, autocommit=True) as source:
        source.execute("UPDATE orders SET amount = 2, updated_at = '2024-03-05' WHERE id = 3")
    load_sources(Settings.from_env(env))
    second_again, third = _versions(folder)
    assert second_again == second
    assert [(row[0], row[1], row[5]) for row in _current_rows(folder)] == [
        (1, Decimal("12345678.91"), "2024-02"),
        (2, Decimal("1.50"), "2024-03"),
        (3, Decimal("2.00"), "2024-03"),
    ]
    assert _inode(folder / third / "_month=2024-02") == february
    assert _inode(folder / third / "_month=2024-03") != _inode(folder / second / "_month=2024-03")

    # A row leaving a month that keeps others rewrites it: the count tells, as its rows'
    # latest _loaded_at may not.
    with psycopg.connect(url, autocommit=True) as source:
        source.execute("INSERT INTO orders VALUES (4, 4, NULL, NULL, NULL, '2024-03-06')")
    load_sources(Settings.from_env(env))
    with psycopg.connect(url, autocommit=True) as source:
        source.execute("UPDATE orders SET updated_at = '2024-04-01' WHERE id = 2")
    load_sources(Settings.from_env(env))
    assert [(row[0], row[5]) for row in _current_rows(folder)] == [
        (1, "2024-02"),
        (2, "2024-04"),
        (3, "2024-03"),
        (4, "2024-03"),
    ]


def test_a_lake_on_object_storage(tmp_path, new_database, s3_filesystem, caplog):
    """The lake on S3 (a server on loopback): versions uploaded, read back through fsspec for
    the next load, unchanged months copied."""
    s3, bucket = s3_filesystem, "spark-lake"
    if s3.exists(bucket):
        s3.rm(bucket, recursive=True)
    s3.mkdir(bucket)
    url = _orders(
        new_database,
        "(1, 1.10, '{a}', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '1 day', '2024-01-02'), "
        "(2, 2.20, NULL, NULL, NULL, '2024-02-03')",
    )
    env = {
        **_lake_env(tmp_path, url),
        "ELT_LAKE_URL": f"s3://{bucket}/lake",
        "ELT_LAKE_METADATA_PATH": str(tmp_path / "metadata.duckdb"),
    }
    (result,) = load_sources(Settings.from_env(env))
    assert result.status == "succeeded", result
    with psycopg.connect(url, autocommit=True) as source:
        source.execute("UPDATE orders SET amount = 2.50, updated_at = '2024-02-04' WHERE id = 2")
    with caplog.at_level(logging.INFO, logger="extract_load"):
        (result,) = load_sources(Settings.from_env(env))
    assert result.status == "succeeded", result
    assert "1 unchanged month(s) kept" in caplog.text  # January, copied

    folder = f"{bucket}/lake/raw/shop/orders"
    version = s3.cat_file(f"{folder}/{CURRENT}").decode().strip()
    assert version.startswith("v00000002-")
    assert sorted(p.rsplit("/", 1)[-1] for p in s3.ls(f"{folder}/{version}")) == [
        "_month=2024-01",
        "_month=2024-02",
    ]
    with duckdb.connect() as reader:
        reader.register_filesystem(s3)
        rows = reader.execute(
            "SELECT id, amount, tags, uid, span, _month FROM read_parquet("
            f"'s3://{folder}/{version}/**/*.parquet', hive_partitioning = true) ORDER BY id"
        ).fetchall()
    assert rows == [
        (1, Decimal("1.10"), ["a"], "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "1 day", "2024-01"),
        (2, Decimal("2.50"), None, None, None, "2024-02"),
    ]


# -- a loader killed while it writes a version ---------------------------------------------------

# Spark reads the version `_current` names as dbt's on-run-start does (macros/raw_tables.sql).
_SPARK_READER = """\
import sys
from pyspark.sql import SparkSession

folder, scratch = sys.argv[1], sys.argv[2]
spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.warehouse.dir", scratch + "/spark-warehouse")
    .config("spark.driver.extraJavaOptions", "-Dderby.system.home=" + scratch)
    .getOrCreate()
)
version = open(folder + "/_current").read().strip()
rows = spark.sql(
    f"select count(*), sum(id) from parquet.`{folder}/{version}` "
    "with ('recursiveFileLookup' = 'true')"
).collect()
print("spark read", rows[0][0], rows[0][1])
"""

_KILLED_WRITER = """\
import sys
from pathlib import Path
from extract_load.warehouse.lake import LakeWarehouse

lake, metadata = sys.argv[1], Path(sys.argv[2])
warehouse = LakeWarehouse(lake, metadata)
warehouse.ensure_metadata()
with warehouse.table_lock("raw_big", "t"):
    with warehouse.transaction():
        warehouse.execute(
            "CREATE OR REPLACE TABLE raw_big.t AS SELECT range AS id, "
            "CAST(range AS DECIMAL(18, 2)) * 1.25 AS amount, md5(CAST(range AS VARCHAR)) AS note "
            "FROM range(8000000)"
        )
        warehouse._mark("big", "raw_big", "t")
# The lake version is written as the lock is let go.
print("published", flush=True)
"""


def test_a_loader_killed_mid_write_leaves_the_previous_version_whole(tmp_path):
    lake, metadata = tmp_path / "lake", tmp_path / "metadata.duckdb"
    warehouse = LakeWarehouse(str(lake), metadata)
    warehouse.ensure_metadata()
    warehouse.ensure_schema("raw_big")
    warehouse.execute("CREATE TABLE raw_big.t AS SELECT range AS id FROM range(100)")
    first = warehouse.publish_to_lake("big", "raw_big", "t")
    warehouse.close()
    folder = lake / "raw" / "big" / "t"

    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(_KILLED_WRITER))
    writer = subprocess.Popen(
        [sys.executable, str(script), str(lake), str(metadata)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    # Killed once the new version's first Parquet file is on disk, while DuckDB writes it.
    deadline = time.monotonic() + 120
    while not [p for p in folder.glob("v00000002-*/*.parquet") if p.stat().st_size]:
        assert writer.poll() is None, "the writer ended before it wrote anything"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert writer.stdout is not None and "published" not in writer.stdout.read()

    # The previous version is current and whole; the killed one's folder is a leftover.
    assert (folder / CURRENT).read_text().strip() == first
    with duckdb.connect() as reader:
        assert reader.execute(
            f"SELECT count(*), sum(id) FROM read_parquet('{folder / first}/*.parquet')"
        ).fetchall() == [(100, 4950)]
    (left,) = [v for v in _versions(folder) if v != first]
    assert left.startswith("v00000002-")
    reader = tmp_path / "reader.py"
    reader.write_text(_SPARK_READER)
    read = subprocess.run(
        [sys.executable, str(reader), str(folder), str(tmp_path / "spark")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "spark read 100 4950" in read.stdout, read.stdout + read.stderr[-3000:]

    # The next open of the lake writes the version the killed loader did not, and drops the
    # leftover.
    warehouse = LakeWarehouse(str(lake), metadata)
    warehouse.ensure_metadata()
    assert warehouse.execute(f"SELECT count(*) FROM {PENDING}") == [(0,)]
    warehouse.close()
    current = (folder / CURRENT).read_text().strip()
    assert current.startswith("v00000002-") and current != left
    assert _versions(folder) == [first, current]
    with duckdb.connect() as reader:
        assert reader.execute(
            f"SELECT count(*), max(amount) FROM read_parquet('{folder / current}/*.parquet')"
        ).fetchall() == [(8_000_000, Decimal("9999998.75"))]
