"""The workers that run the Python contenders (the loaders, pandas, the peers of peers.py), each
in its own process: ``bench/load.py --_worker NAME ...`` runs one and prints a JSON line with
its own timings."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from contenders import BASE_CONTENDERS, SOURCE


def sqlalchemy_url(url: str) -> str:
    """The URL with the driver pandas' way uses: psycopg 3, or PyMySQL."""
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    return re.sub(r"^(mysql|mariadb)://", "mysql+pymysql://", url)


def check_loaders(expected: str) -> None:
    """Fail loudly unless the extract_load imported is the one the benchmark meant (a
    baseline checkout's, or the benchmark's own): an editable install elsewhere would
    otherwise be measured in its place."""
    import extract_load

    imported = Path(extract_load.__file__).resolve().parent
    if imported != Path(expected).resolve():
        raise SystemExit(
            f"worker imported the loaders of {imported}, expected {expected}; check PYTHONPATH "
            "(a package installed in editable mode from another checkout comes before it?)"
        )


def worker_main(
    worker: str, source_url: str, table: str, dest: str, schema: str, loaders: str
) -> None:
    """Run one contender in this process; print a JSON line with its own timings."""
    started = time.perf_counter()
    contender = BASE_CONTENDERS.get(worker)
    if contender is None or contender.kind not in ("loader", "pandas", "peer"):
        raise SystemExit(f"unknown worker {worker!r}")
    if contender.kind == "peer":
        from peers import PEERS, import_modules

        import_modules(worker)
        imported = time.perf_counter()
        rows = PEERS[worker].load(source_url, table, dest, schema)
    elif contender.kind == "loader":
        check_loaders(loaders)
        from extract_load import Settings, SourceSpec, TableSpec, load_table
        from extract_load.warehouse import open_warehouse

        if contender.warehouse == "duckdb":
            environ = {"ELT_WAREHOUSE": "duckdb", "ELT_DUCKDB_PATH": dest}
        else:
            environ = {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": dest}
        # The loaders' own checkout's sources file, not the working folder's: Settings reads it
        # (and a baseline's parser may not know today's entries).
        sources_file = Path(loaders).parent / "sources.yml"
        if sources_file.is_file():
            environ["ELT_SOURCES_FILE"] = str(sources_file)
        if os.environ.get("ELT_BLOCK_BYTES"):
            environ["ELT_BLOCK_BYTES"] = os.environ["ELT_BLOCK_BYTES"]
        imported = time.perf_counter()
        settings = Settings.from_env(environ)
        if contender.source == "mysql":
            source = SourceSpec(SOURCE, "BENCH_MYSQL_URL", kind="mysql")
        else:  # as every baseline commit's loaders take it
            source = SourceSpec(SOURCE, "BENCH_URL")
        warehouse = open_warehouse(settings)
        try:
            warehouse.ensure_schema(source.raw_schema)
            result = load_table(warehouse, source, TableSpec(table), source_url)
        finally:
            warehouse.close()
        if result.status != "succeeded":
            raise SystemExit(f"{worker}: {result.status}: {result.error}")
        rows = result.rows_read
    else:
        import pandas as pd
        import sqlalchemy

        imported = time.perf_counter()
        engine = sqlalchemy.create_engine(sqlalchemy_url(source_url))
        source_table = f"`{table}`" if contender.source == "mysql" else f"public.{table}"
        with engine.connect() as connection:
            df = pd.read_sql(f"select * from {source_table}", connection)
        engine.dispose()
        if contender.warehouse == "duckdb":
            import duckdb

            with duckdb.connect(dest) as connection:
                connection.execute(f"create schema {schema}")
                connection.register("df", df)
                connection.execute(f"create table {schema}.{table} as select * from df")
        else:
            target = sqlalchemy.create_engine(sqlalchemy_url(dest))
            with target.begin() as connection:
                connection.exec_driver_sql(f"create schema {schema}")
                df.to_sql(
                    table,
                    connection,
                    schema=schema,
                    index=False,
                    chunksize=10_000,
                    method="multi",
                )
            target.dispose()
        rows = len(df)
    done = time.perf_counter()
    print(
        json.dumps(
            {"rows": rows, "import_seconds": imported - started, "work_seconds": done - imported}
        )
    )
