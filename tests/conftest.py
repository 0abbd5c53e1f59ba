"""Shared fixtures: a real PostgreSQL server (embedded unless ELT_TEST_POSTGRES_URL is set),
demo sources built small, and a fresh warehouse of each kind."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

pytest_plugins = ["mysql_server"]  # the MySQL source's server fixtures

# The tests' embedded server and demo databases live in a temporary folder, never in the
# repository's .local/ that `make run` uses. Set before demo_sources is first used.
_TEST_DEMO_DIR = Path(tempfile.mkdtemp(prefix="elt-tests-"))
# Removed at exit, after the embedded server in it has stopped: the wheel registers its stop
# when the server starts, later than this, and exit handlers run last in, first out.
atexit.register(shutil.rmtree, _TEST_DEMO_DIR, ignore_errors=True)
os.environ["ELT_DEMO_DIR"] = str(_TEST_DEMO_DIR)
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
for _variable in (
    "PAGILA_URL",
    "COURSES_URL",
    "LAKE_URL",
    "ELT_WAREHOUSE",
    "ELT_POSTGRES_URL",
    "ELT_DUCKDB_PATH",
):
    os.environ.pop(_variable, None)


def demo_lake() -> str:
    """The demo lake's landing for the tests, written once into the tests' folder: the value of
    LAKE_URL, so that no test reads or writes the repository's ./landing."""
    landing = _TEST_DEMO_DIR / "landing"
    if not landing.exists():
        from demo_sources.lake import write_lake

        write_lake(landing)
    return str(landing)


def source_urls(pagila_url: str, courses_url: str) -> dict[str, str]:
    """The variables of every source of sources.yml: the two demo databases, the lake and
    the demo API (served from a thread of the test process)."""
    from demo_sources.hn_api import demo_api

    return {
        "PAGILA_URL": pagila_url,
        "COURSES_URL": courses_url,
        "LAKE_URL": demo_lake(),
        "API_URL": demo_api(),
    }


def declared_tables(env: dict[str, str]) -> list:
    """The (source, table) pairs sources.yml selects, resolved against the sources in `env`."""
    from extract_load import Settings, plan_tables

    return plan_tables(Settings.from_env(env))


SCALE = 0.1  # about 1.6k rentals and 10k ratings: every shape of the data, quickly


def _server_url() -> str:
    url = os.environ.get("ELT_TEST_POSTGRES_URL")
    if url:
        return url
    import demo_sources

    return demo_sources.embedded_server_uri()


def _with_database(url: str, dbname: str) -> str:
    """The same server, another database (created fresh)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A libpq URL of a real PostgreSQL server where the tests may create databases."""
    return _server_url()


@pytest.fixture(scope="session")
def new_database(postgres_server: str):
    """Factory: a fresh database on the test server, with a unique name."""

    def create(prefix: str) -> str:
        return _with_database(postgres_server, f"{prefix}_{uuid.uuid4().hex[:8]}")

    return create


@pytest.fixture(scope="session")
def demo_sources_factory(new_database):
    """Factory: freshly built demo sources (pagila_url, courses_url) at the test scale."""
    import demo_sources

    def build(seed: int = 42, scale: float = SCALE) -> tuple[str, str]:
        pagila_url, courses_url = new_database("pagila"), new_database("courses")
        demo_sources.create_demo(pagila_url, courses_url, scale=scale, seed=seed)
        return pagila_url, courses_url

    return build


def warehouse_env(kind: str, tmp_path: Path, new_database) -> dict[str, str]:
    """Environment variables of a fresh, empty warehouse of the given kind: "duckdb" reads
    PostgreSQL through DuckDB's PostgreSQL extension (and fails if it is missing), "duckdb-psql"
    through psql's CSV, the path where the extension is missing; "spark" is the lake."""
    if kind in ("duckdb", "duckdb-psql"):
        return {
            "ELT_WAREHOUSE": "duckdb",
            "ELT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "ELT_DUCKDB_POSTGRES_READER": "psql" if kind == "duckdb-psql" else "extension",
        }
    if kind == "spark":  # the lake, and its metadata file in it
        return {"ELT_WAREHOUSE": "spark", "ELT_LAKE_URL": str(tmp_path / "lake")}
    return {"ELT_WAREHOUSE": "postgres", "ELT_POSTGRES_URL": new_database("warehouse")}


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_kind(request) -> str:
    return request.param


@pytest.fixture
def fresh_warehouse_env(warehouse_kind, tmp_path, new_database) -> Iterator[dict[str, str]]:
    yield warehouse_env(warehouse_kind, tmp_path, new_database)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto's server mode) on loopback; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_filesystem(s3_endpoint, monkeypatch):
    """An s3fs filesystem on the loopback server, the AWS variables set for the code under
    test to reach it too."""
    import s3fs

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    return s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
