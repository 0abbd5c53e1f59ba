"""One contender of files.py in its own process: ``python bench/files_worker.py NAME FORMAT
LANDING DEST`` loads the landing's files of FORMAT into DEST and prints a JSON line with its
row count and its time after its imports. It imports only what its contender needs (no
numpy or pyarrow of its own, nor the benchmark's modules): a process's start is part of its
time, and a cost common to every contender would only bring their ratios closer to 1."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from trip_layout import CSV_COLUMNS, DATASETS, DUCKDB_TYPES, SCHEMA


def worker(name: str, fmt: str, landing: Path, dest: str) -> None:
    started = time.perf_counter()
    table = f"{SCHEMA}.{DATASETS[fmt]}"
    if name.startswith("loader-"):
        from extract_load import Settings
        from extract_load.pipeline import load_sources

        warehouse = name.removeprefix("loader-")
        environ = dict(os.environ, ELT_WAREHOUSE=warehouse)
        environ["ELT_DUCKDB_PATH" if warehouse == "duckdb" else "ELT_POSTGRES_URL"] = dest
        results = load_sources(Settings.from_env(environ))
        rows = sum(r.rows_read for r in results)
    else:
        import duckdb

        with duckdb.connect(dest) as connection:
            connection.execute(f"create schema {SCHEMA}")
            files = sorted(str(p) for p in (landing / DATASETS[fmt]).glob(f"*/*.{fmt}"))
            if name == "duckdb-read_parquet":
                connection.execute(
                    f"create table {table} as select * from read_parquet(?)", [files]
                )
            elif name == "duckdb-read_csv":
                columns = ", ".join(f"'{c}': '{DUCKDB_TYPES[t]}'" for c, t in CSV_COLUMNS.items())
                connection.execute(
                    f"create table {table} as select * from "
                    f"read_csv(?, header = true, columns = {{{columns}}})",
                    [files],
                )
            else:  # pandas-duckdb: each file into a DataFrame, then into DuckDB
                import pandas as pd

                for number, path in enumerate(files):
                    if fmt == "parquet":
                        df = pd.read_parquet(path)
                    else:
                        df = pd.read_csv(path, parse_dates=list(CSV_COLUMNS)[1:3])
                    connection.register("df", df)
                    verb = "create table {} as" if number == 0 else "insert into {}"
                    connection.execute(verb.format(table) + " select * from df")
                    connection.unregister("df")
            rows = -1
    print(json.dumps({"rows": rows, "work_seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4])
