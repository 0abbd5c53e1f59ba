"""A MariaDB database loaded as a new user would load theirs, into both warehouses: discovered,
pasted into a copy of sources.yml, loaded exactly, reloaded with nothing or only the changed
rows, compared, and killed mid-load with the previous table left whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mysql_server import admin_connection
from orchestration.cli import main
from table_contents import warehouse_query

REPOSITORY = Path(__file__).resolve().parents[1]
ELT = str(Path(sys.executable).with_name("elt"))

SHOP = [
    """CREATE TABLE `Customer` (
        `CustomerId` INT UNSIGNED PRIMARY KEY,
        `Full Name` VARCHAR(100) CHARACTER SET utf8mb4,
        `is_active` TINYINT(1),
        `balance` DECIMAL(12,2),
        `big` BIGINT UNSIGNED,
        `born` DATE,
        `UpdatedAt` DATETIME(6) NOT NULL,
        `seen` TIMESTAMP(6) NULL,
        `wake` TIME,
        `joined` YEAR,
        `tier` ENUM('free','pro'),
        `tags` SET('a','b','c'),
        `doc` JSON,
        `photo` BLOB
    )""",
    "CREATE TABLE `order` (id BIGINT PRIMARY KEY, `user` VARCHAR(20), placed DATETIME)",
    "CREATE TABLE `order line` (`LineNo` INT, qty INT, note TEXT)",
    # Zero dates are what MySQL's old defaults let in; the loader must not fail on them.
    "SET SESSION sql_mode = ''",
    # TIMESTAMP is converted through the session zone: written at +09:00, it is 01:00 UTC.
    "SET SESSION time_zone = '+09:00'",
    """INSERT INTO `Customer` VALUES
        (1, 'Ada 😀', 1, 12.30, 18446744073709551615, '1815-12-10',
         '2026-01-01 10:00:00.123456', '2026-01-01 10:00:00', '-838:59:59', 2026, 'pro',
         'a,c', '{"k": [1, 2]}', x'00ff00'),
        (2, '', 2, -0.01, 0, '0000-00-00', '2026-01-02 11:30:00', NULL, '838:59:59', NULL,
         NULL, '', NULL, NULL),
        (3, NULL, NULL, NULL, NULL, NULL, '2026-01-03 00:00:00', '1970-01-01 09:00:01',
         NULL, NULL, 'free', NULL, 'null', '')""",
    "INSERT INTO `order` VALUES (1, 'ada', '2026-03-29 02:30:00'), (2, NULL, '0000-00-00')",
    "INSERT INTO `order line` VALUES (1, 2, 'two'), (1, 2, 'two'), (2, NULL, '')",
]
TABLES = {"Customer", "order", "order line"}


def _execute(url: str, statements: list[str]) -> None:
    with admin_connection(url) as connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        connection.commit()


@pytest.fixture
def shop(new_mysql_database, tmp_path, monkeypatch, fresh_warehouse_env, capsys) -> dict:
    url = new_mysql_database
    _execute(url, SHOP)
    for name, value in fresh_warehouse_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHOP_URL", url)
    discover = ["sources", "discover", "--name", "shop", "--kind", "mysql", "--url-env", "SHOP_URL"]
    assert main(discover) == 0
    entry = capsys.readouterr().out
    assert "      Customer:  # key (CustomerId)" in entry
    assert '      "order line":  # no primary key: loads in full' in entry
    # Pasted, with the suggested cursor taken up.
    entry = entry.replace(
        "        # mode: incremental\n        # cursor_column: UpdatedAt",
        "        mode: incremental\n        cursor_column: UpdatedAt",
    )
    assert "cursor_column: UpdatedAt" in entry
    sources = tmp_path / "sources.yml"
    sources.write_text((REPOSITORY / "sources.yml").read_text() + "\n" + entry)
    monkeypatch.setenv("ELT_SOURCES_FILE", str(sources))
    return {"url": url, **fresh_warehouse_env}


def _summary(capsys) -> dict[str, list[str]]:
    """`elt load`'s summary lines by table; the fields after the name (which may hold spaces)."""
    found = {}
    for line in capsys.readouterr().out.splitlines():
        names = [t for t in (*TABLES, "events") if line.startswith(f"shop.{t} ")]
        if names:
            name = max(names, key=len)
            found[f"shop.{name}"] = ["", *line[len(f"shop.{name}") :].split()]
    return found


def test_every_type_lands_exactly_and_compares_equal(shop, capsys):
    assert main(["load", "--source", "shop"]) == 0
    assert main(["compare", "--source", "shop"]) == 0
    assert capsys.readouterr().out.count("equal") == len(TABLES)
    names = warehouse_query(
        shop, "select table_name from information_schema.tables where table_schema = 'raw_shop'"
    )
    assert {name for (name,) in names} == TABLES
    rows = warehouse_query(
        shop,
        'select "Full Name", is_active, balance, big, born, "UpdatedAt", seen, joined, tier, '
        'tags, cast(doc as varchar), photo from raw_shop."Customer" order by "CustomerId"',
    )
    ada, empty, nulls = rows
    assert ada[0] == "Ada 😀" and empty[0] == "" and nulls[0] is None
    assert (ada[1], empty[1]) == (1, 2)  # TINYINT(1) keeps its integer
    assert (ada[2], empty[2]) == (Decimal("12.30"), Decimal("-0.01"))
    assert int(ada[3]) == 18446744073709551615
    assert str(ada[4]) == "1815-12-10" and empty[4] is None  # a zero date is NULL
    assert ada[5] == datetime(2026, 1, 1, 10, 0, 0, 123456)  # DATETIME: never shifted
    assert ada[6].astimezone(UTC) == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert nulls[6].astimezone(UTC) == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert ada[7] == 2026 and ada[8] == "pro" and ada[9] == "a,c" and empty[9] == ""
    assert ada[10].replace(" ", "") == '{"k":[1,2]}'
    assert bytes(ada[11]) == b"\x00\xff\x00" and bytes(nulls[11]) == b""
    (wake,) = warehouse_query(
        shop, 'select cast(wake as varchar) from raw_shop."Customer" where "CustomerId" = 1'
    )
    assert wake[0].replace(" ", "") in ("-838:59:59", "-34days-22:59:59", "-838:59:59.000000")
    assert warehouse_query(shop, 'select count(*) from raw_shop."order line"') == [(3,)]
    (nulled,) = warehouse_query(
        shop,
        "select sum(values_nulled) from elt.load_batches where source = 'shop' "
        "and status = 'succeeded'",
    )
    assert int(nulled[0]) == 2  # Customer.born and order.placed


def test_reruns_load_nothing_then_only_the_changed_rows(shop, capsys):
    assert main(["load", "--source", "shop"]) == 0
    capsys.readouterr()
    assert main(["load", "--source", "shop"]) == 0
    unchanged = _summary(capsys)
    assert {key: line[-2] for key, line in unchanged.items()} == {
        f"shop.{table}": "0" for table in TABLES
    }
    _execute(
        shop["url"],
        [
            "UPDATE `Customer` SET `Full Name` = 'Ada L.', `UpdatedAt` = '2026-02-01' "
            "WHERE `CustomerId` = 1",
            "INSERT INTO `Customer` (`CustomerId`, `UpdatedAt`) VALUES (4, '2026-02-02')",
        ],
    )
    assert main(["load", "--source", "shop", "--table", "Customer"]) == 0
    line = _summary(capsys)["shop.Customer"]
    assert line[1:3] == ["incremental", "succeeded"], line
    assert line[-2] == "2", line  # rows changed: the edited one and the new one
    assert main(["compare", "--source", "shop"]) == 0


def _checksum(env: dict) -> list:
    return warehouse_query(env, 'select count(*), sum(n), max(label) from raw_shop."events"')


def test_killed_mid_load_the_previous_table_stays_whole(shop, capsys):
    _execute(
        shop["url"],
        [
            "CREATE TABLE events (n BIGINT PRIMARY KEY, label VARCHAR(40), at DATETIME(6))",
            "CREATE TABLE digits (i INT)",
            "INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
            # 300,000 rows on MySQL and MariaDB alike (no sequence engine, no recursion cap).
            "INSERT INTO events SELECT n, CONCAT('first ', n), NOW(6) FROM (SELECT "
            "a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i + 100000 * f.i AS n "
            "FROM digits a, digits b, digits c, digits d, digits e, digits f "
            "WHERE f.i < 3) AS numbers",
        ],
    )
    assert main(["load", "--source", "shop", "--table", "events"]) == 0
    before = _checksum(shop)
    assert before[0][0] == 300000
    _execute(shop["url"], ["UPDATE events SET label = CONCAT('second ', n)"])
    env = {**os.environ, **{k: v for k, v in shop.items() if k != "url"}}
    env.update(SHOP_URL=shop["url"], ELT_SOURCES_FILE=os.environ["ELT_SOURCES_FILE"])
    rng = random.Random(7)
    killed_mid_load = 0
    for _ in range(3):
        process = subprocess.Popen(
            [ELT, "load", "--source", "shop", "--table", "events"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        for line in process.stderr:
            if "shop.events: reading (" in line:
                break
        time.sleep(rng.uniform(0.0, 0.8))
        if process.poll() is not None:  # it finished first: nothing was killed
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_mid_load += 1
        assert _checksum(shop) == before, "a killed load changed the published table"
    assert killed_mid_load, "every load finished before it could be killed: use more rows"
    assert main(["load", "--source", "shop", "--table", "events"]) == 0
    after = _checksum(shop)
    assert after[0][0] == 300000 and after[0][2].startswith("second ")
    assert main(["compare", "--source", "shop", "--table", "events"]) == 0
