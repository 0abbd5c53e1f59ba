"""-0.0 in a DuckDB float column is stored as 0.0 and counted (duckdb_limits.py): DuckDB's
storage would otherwise mix the two signs of zero on its own at a checkpoint."""

from __future__ import annotations

from pathlib import Path

import duckdb

from extract_load.duckdb_limits import count_sql, zero_signs

VALUES = "(CAST('-0' AS DOUBLE), 1), (0, 2), (NULL, 3), ('nan', 4), (-1.5, 5), ('-0', 6)"


def test_duckdb_storage_mixes_the_signs_of_zero(tmp_path: Path) -> None:
    """Why the module exists: stored as it is, a column of 0.0 and -0.0 comes back changed."""
    connection = duckdb.connect(str(tmp_path / "zeros.duckdb"))
    connection.execute("CREATE TABLE t AS SELECT * FROM (VALUES (0.0::DOUBLE), ('-0')) v(x)")
    connection.execute("CHECKPOINT")
    assert [repr(x) for (x,) in connection.execute("SELECT x FROM t").fetchall()] != [
        "0.0",
        "-0.0",
    ]


def test_negative_zeros_stored_as_zero_and_counted(tmp_path: Path) -> None:
    signs = zero_signs([("x", "DOUBLE", "x"), ("n", "INTEGER", "n")])
    assert signs.definitions == [
        ("x", "DOUBLE"),
        ("n", "INTEGER"),
        ("__elt_negative_zero_x", "BIGINT"),
    ]
    assert signs.loads[1] == "n"  # other types untouched
    connection = duckdb.connect(str(tmp_path / "stage.duckdb"))
    columns = ", ".join(f'"{name}" {kind}' for name, kind in signs.definitions)
    connection.execute(f"CREATE TABLE stage ({columns})")
    connection.execute(
        f"INSERT INTO stage SELECT {', '.join(signs.loads)} FROM (VALUES {VALUES}) v(x, n)"
    )
    connection.execute("CHECKPOINT")
    stored = connection.execute("SELECT x FROM stage ORDER BY n").fetchall()
    assert [repr(x) for (x,) in stored] == ["0.0", "0.0", "None", "nan", "-1.5", "0.0"]
    assert connection.execute(count_sql("stage", signs.markers)).fetchall() == [(2,)]


def test_negative_zeros_in_lists_stored_as_zero_and_counted(tmp_path: Path) -> None:
    signs = zero_signs([("x", "DOUBLE[][]", "x")])
    connection = duckdb.connect(str(tmp_path / "stage.duckdb"))
    columns = ", ".join(f'"{name}" {kind}' for name, kind in signs.definitions)
    connection.execute(f"CREATE TABLE stage ({columns})")
    z = "CAST('-0' AS DOUBLE)"
    rows = f"([[{z}, 0], [1, {z}]]), ([[0, 0]]), (NULL), ([[NULL]])"
    connection.execute(
        f"INSERT INTO stage SELECT {', '.join(signs.loads)} FROM (VALUES {rows}) v(x)"
    )
    connection.execute("CHECKPOINT")
    stored = connection.execute("SELECT CAST(x AS VARCHAR) FROM stage").fetchall()
    assert stored == [("[[0.0, 0.0], [1.0, 0.0]]",), ("[[0.0, 0.0]]",), (None,), ("[[NULL]]",)]
    assert connection.execute(count_sql("stage", signs.markers)).fetchall() == [(2,)]
