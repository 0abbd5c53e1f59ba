"""The peers: what a data engineer reaches for instead of the loaders to copy a PostgreSQL table
into DuckDB. DuckDB's own PostgreSQL scanner (``ATTACH .. (TYPE postgres)``, with DuckDB's
threads and with one), connectorx, ADBC's PostgreSQL driver, and dlt's ``sql_database`` source.

Each is a function run by its worker process (``bench/load.py --_worker NAME``, through
workers.py) after its modules are imported; `unavailable` says, before the benchmark starts,
which of them cannot run here and why (the postgres extension does not load, a package is not
installed), so that they are skipped with one line instead of failing.
"""

from __future__ import annotations

import functools
import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit, urlunsplit

from ratings import RATINGS
from wide import WIDE

if TYPE_CHECKING:
    import duckdb

INSTALL_ALL = "pip install -e '.[bench]'"
INTEGER_TYPES = {"smallint", "integer", "int", "int2", "int4", "bigint", "int8"}
# connectorx's partitions: as many as the machine's cores the benchmark is written for.
PARTITIONS = 2


@dataclass(frozen=True)
class Peer:
    # Imported before the worker's clock marks its imports done; checked before the run.
    modules: tuple[str, ...]
    install: str  # the packages that bring them, for the line that says the peer is skipped
    # (source URL, table, DuckDB file, schema) -> the rows it landed in <schema>.<table>
    load: Callable[[str, str, str, str], int]
    scanner: bool = False  # needs DuckDB's postgres extension (from its wheel)


def land(connection: duckdb.DuckDBPyConnection, schema: str, table: str, source: object) -> int:
    """`create table <schema>.<table> as select * from` the source: an Arrow table or stream,
    or the name of a relation DuckDB can read; the rows it created."""
    relation = source if isinstance(source, str) else "arrow_source"
    if not isinstance(source, str):
        connection.register(relation, source)
    connection.execute(f"create schema {schema}")
    result = connection.execute(f"create table {schema}.{table} as select * from {relation}")
    row = result.fetchone()
    return int(row[0]) if row else 0


def load_extension_from_wheel(connection: duckdb.DuckDBPyConnection) -> str | None:
    """LOAD the postgres extension from the `duckdb-extension-postgres` wheel (`INSTALL`
    downloads, which these machines cannot); None when loaded, else why not. Written here with
    no import of the project (what a DuckDB user's script would run), the same steps as
    `extract_load.warehouse.duckdb_scan.load_postgres_extension`."""
    import importlib.util
    import os
    import tempfile

    import duckdb

    spec = importlib.util.find_spec("duckdb_extension_postgres")
    folders = list(spec.submodule_search_locations or []) if spec else []
    name = Path("extensions", f"v{duckdb.__version__}", "postgres.duckdb_extension")
    found = [Path(folder) / name for folder in folders if (Path(folder) / name).is_file()]
    if not found:
        return f"no duckdb-extension-postgres wheel for DuckDB {duckdb.__version__}"
    with tempfile.TemporaryDirectory() as folder:  # LOAD takes the extension's name from the file's
        link = Path(folder) / "postgres_scanner.duckdb_extension"
        os.symlink(found[0], link)
        connection.execute(f"LOAD '{link}'")
    return None


def scanner_load(threads: int | None) -> Callable[[str, str, str, str], int]:
    """DuckDB's own scanner: ATTACH the source, `create table .. as select *` from it."""

    def load(source_url: str, table: str, dest: str, schema: str) -> int:
        import duckdb

        parts = urlsplit(source_url)
        password = parts.password
        if password is not None:  # in a secret: the extension repeats the URL in errors
            host = parts.netloc.rpartition("@")[2]
            user = parts.netloc.rpartition("@")[0].partition(":")[0]
            parts = parts._replace(netloc=f"{user}@{host}")
        with duckdb.connect(dest) as connection:
            if threads is not None:
                connection.execute(f"SET threads = {threads}")
            reason = load_extension_from_wheel(connection)
            if reason is not None:
                raise SystemExit(reason)
            options = "TYPE postgres, READ_ONLY"
            if password is not None:
                quoted = unquote(password).replace("'", "''")
                connection.execute(
                    f"CREATE TEMPORARY SECRET bench_pg (TYPE postgres, PASSWORD '{quoted}')"
                )
                options += ", SECRET bench_pg"
            url = urlunsplit(parts).replace("'", "''")
            connection.execute(f"ATTACH '{url}' AS pg ({options})")
            return land(connection, schema, table, f"pg.public.{table}")

    return load


def partition_column(table: str) -> str | None:
    """The first key column of the bench table's dataset (`ratings_100000`: user_id), where it
    is an integer: connectorx splits its range into partitions."""
    datasets = {d.name: d for d in (RATINGS, WIDE)}  # the worker is told the table's name only
    dataset = datasets.get(table.rsplit("_", 1)[0])
    if dataset is None:
        return None
    column = next(c for c in dataset.columns if c.name == dataset.key[0])
    return column.name if column.ddl.split()[0].lower() in INTEGER_TYPES else None


def connectorx_url(url: str) -> str:
    """The URL as connectorx parses it: a unix-socket folder given as `?host=/path` (libpq's
    way, as the embedded server's URL has it) moved into the host part, percent-encoded."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.hostname or not query.get("host", [""])[0].startswith("/"):
        return url
    host = quote(query.pop("host")[0], safe="")
    port = query.pop("port", [None])[0] or parts.port
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    netloc = f"{user}{host}" + (f":{port}" if port else "")
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, doseq=True)))


def connectorx_load(source_url: str, table: str, dest: str, schema: str) -> int:
    """connectorx into one Arrow table, read in partitions of the first key column."""
    import connectorx as cx
    import duckdb

    column = partition_column(table)
    arrow = cx.read_sql(
        connectorx_url(source_url),
        f"select * from public.{table}",
        return_type="arrow",
        partition_on=column,
        partition_num=None if column is None else PARTITIONS,
    )
    with duckdb.connect(dest) as connection:
        return land(connection, schema, table, arrow)


def adbc_load(source_url: str, table: str, dest: str, schema: str) -> int:
    """ADBC's PostgreSQL driver (binary COPY into Arrow), its record batches streamed into
    DuckDB."""
    import adbc_driver_postgresql.dbapi
    import duckdb

    with (
        adbc_driver_postgresql.dbapi.connect(source_url) as source,
        source.cursor() as cursor,
    ):
        cursor.execute(f"select * from public.{table}")
        with duckdb.connect(dest) as connection:
            return land(connection, schema, table, cursor.fetch_record_batch())


def dlt_folder(dest: str | Path) -> Path:
    """dlt's own files (pipelines, their state, its data dir), next to the DuckDB file."""
    return Path(dest).with_name("dlt")


def dlt_load(source_url: str, table: str, dest: str, schema: str) -> int:
    """dlt's sql_table resource, connectorx backend with dlt's defaults (the whole table as one
    Arrow table, normalized to Parquet files in the pipeline's folder, then loaded), into dlt's
    duckdb destination: dataset `schema`, the table keeping its name."""
    import dlt
    from dlt.sources.sql_database import sql_table

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        pipelines_dir=str(dlt_folder(dest) / "pipelines"),
        destination=dlt.destinations.duckdb(dest),
        dataset_name=schema,
    )
    resource = sql_table(
        credentials=source_url,
        table=table,
        schema="public",
        backend="connectorx",
        backend_kwargs={"conn": connectorx_url(source_url)},  # dlt's own rendering loses ?host=
    )
    info = pipeline.run(resource.with_name(table))
    info.raise_on_failed_jobs()
    trace = pipeline.last_trace
    counts = trace.last_normalize_info.row_counts if trace and trace.last_normalize_info else {}
    return int(counts.get(table, 0))


PEERS: dict[str, Peer] = {
    "scanner-duckdb": Peer(
        ("duckdb",),
        "duckdb-extension-postgres",
        scanner_load(None),
        scanner=True,
    ),
    "scanner-duckdb-1thread": Peer(
        ("duckdb",),
        "duckdb-extension-postgres",
        scanner_load(1),
        scanner=True,
    ),
    "connectorx-duckdb": Peer(("connectorx", "duckdb"), "connectorx", connectorx_load),
    "adbc-duckdb": Peer(
        ("adbc_driver_postgresql.dbapi", "duckdb"), "adbc-driver-postgresql", adbc_load
    ),
    "dlt-duckdb": Peer(
        ("dlt", "dlt.sources.sql_database", "connectorx"),
        "'dlt[duckdb,sql-database]' connectorx",
        dlt_load,
    ),
}


def prepare_peer(name: str, dest: Path) -> dict[str, str]:
    """Remove the peer's own files of an earlier run; return the environment its worker needs
    on top of the benchmark's: dlt sends no telemetry and writes only into the workdir."""
    if name != "dlt-duckdb":
        return {}
    folder = dlt_folder(dest)
    shutil.rmtree(folder, ignore_errors=True)
    return {"RUNTIME__DLTHUB_TELEMETRY": "false", "DLT_DATA_DIR": str(folder / "data")}


def import_modules(name: str) -> None:
    for module in PEERS[name].modules:
        importlib.import_module(module)


@functools.cache
def extension_unavailable() -> str | None:
    import duckdb

    with duckdb.connect() as connection:
        return load_extension_from_wheel(connection)


def unavailable(name: str, cwd: Path) -> str | None:
    """Why the peer cannot run here, or None. Its modules are imported in a process of their
    own (as its worker will, in `cwd`), so that the benchmark's own stays lean."""
    peer = PEERS[name]
    if peer.scanner:
        return extension_unavailable()
    # A missing module is named on the last line; any other failure to import is quoted.
    check = (
        "import importlib, sys\n"
        "for module in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(module)\n"
        "    except ModuleNotFoundError:\n"
        "        sys.exit(f'missing {module}')\n"
        "    except Exception as error:\n"
        "        sys.exit(f'import {module} failed ({type(error).__name__}: {error})')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, *peer.modules],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
    if lines[-1].startswith("missing "):
        return f"pip install {peer.install} ({INSTALL_ALL})"
    return f"{lines[-1]}; {INSTALL_ALL}"
