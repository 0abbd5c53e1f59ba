"""Every kind of source behind one interface: can it be reached, what is in its catalog, and
one table's columns, key and read (a `SourceRead`, the seam's source side).

The pipeline, `elt compare` and `elt sources` ask a `SourceKind` and never a source module, so
that a new kind (files, HTTP) is one class here and a module of its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from .catalog import CatalogColumn, CatalogTable
from .errors import ConfigError, SourceError
from .postgres_source import (
    PostgresRead,
    TableInfo,
    check_source,
    connect_source,
    incremental_filter,
    list_tables,
    read_table_info,
    scan_conninfo,
    table_info,
)
from .psql_copy import find_psql
from .reads import SourceQueries, SourceRead
from .tables import SourceSpec

if TYPE_CHECKING:
    from .mysql_catalog import MySQLTable

__all__ = ["SourceKind", "SourceTable", "source_kind"]


class _Described(Protocol):
    """What a source module's description of one table has (TableInfo, MySQLTable)."""

    @property
    def schema(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def primary_key(self) -> tuple[str, ...]: ...
    @property
    def column_names(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SourceTable(ABC):
    """One table of a source, as its catalog describes it now."""

    info: _Described
    url: str

    @property
    def label(self) -> str:
        """`schema.table`, for messages."""
        return f"{self.info.schema}.{self.info.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return self.info.column_names

    @property
    def primary_key(self) -> tuple[str, ...]:
        """As the source declares it; () if none."""
        return self.info.primary_key

    @abstractmethod
    def read(
        self,
        exclude_columns: Collection[str] = (),
        cursor_column: str | None = None,
        cursor_before: str | None = None,
        lookback: timedelta = timedelta(0),
    ) -> SourceRead:
        """A read of the table's rows (all, or those with `cursor_column` at or after
        `cursor_before - lookback`), without the excluded columns. Raises ConfigError if the
        cursor column cannot be a cursor."""

    def read_keys(self, key_columns: Collection[str]) -> SourceRead:
        """A read of every row's key only (`key_columns`), streamed like any read: what a load
        compares with raw's keys to find rows deleted in the source (deletes.py)."""
        wanted = set(key_columns)
        missing = wanted - set(self.column_names)
        if missing:
            raise ConfigError(f"{self.label}: key column(s) {sorted(missing)} are not in it")
        return self.read(exclude_columns=[c for c in self.column_names if c not in wanted])


class SourceKind(ABC):
    @abstractmethod
    def check(self, source: SourceSpec, url: str) -> None:
        """Fail fast, with one line naming the URL's variable, if the source is unreachable."""

    @abstractmethod
    def catalog(self, source: SourceSpec, url: str) -> list[CatalogTable]:
        """Every table of the source's schema."""

    @abstractmethod
    def table(self, source: SourceSpec, name: str, url: str) -> SourceTable: ...


@dataclass(frozen=True)
class _PostgresTable(SourceTable):
    info: TableInfo
    psql: str

    def read(
        self,
        exclude_columns: Collection[str] = (),
        cursor_column: str | None = None,
        cursor_before: str | None = None,
        lookback: timedelta = timedelta(0),
    ) -> PostgresRead:
        columns = tuple(c for c in self.info.columns if c.name not in exclude_columns)
        where = None
        if cursor_column is not None and cursor_before is not None:
            where = incremental_filter(self.info, cursor_column, cursor_before, lookback)
        return PostgresRead(self.psql, self.url, self.info, columns, where)


class _Postgres(SourceKind):
    def __init__(self, psql: str | None, queries: Callable[[], SourceQueries | None]) -> None:
        self._psql = psql
        self._queries = queries

    def check(self, source: SourceSpec, url: str) -> None:
        check_source(url, source.url_env)

    def catalog(self, source: SourceSpec, url: str) -> list[CatalogTable]:
        assert source.schema is not None, "PostgreSQL sources default to public"
        with connect_source(url, source.url_env) as connection:
            return list_tables(connection, source.schema, source.url_env)

    def table(self, source: SourceSpec, name: str, url: str) -> SourceTable:
        assert source.schema is not None, "PostgreSQL sources default to public"
        run = self._queries()
        if run is not None:
            conninfo, password = scan_conninfo(url)
            info = table_info(
                lambda text: run(conninfo, password, text), source.schema, name, source.url_env
            )
        else:
            with connect_source(url, source.url_env) as connection:
                info = read_table_info(connection, source.schema, name, source.url_env)
        return _PostgresTable(info, url, find_psql(self._psql))


@dataclass(frozen=True)
class _MySQLTable(SourceTable):
    info: MySQLTable
    variable: str

    def read(
        self,
        exclude_columns: Collection[str] = (),
        cursor_column: str | None = None,
        cursor_before: str | None = None,
        lookback: timedelta = timedelta(0),
    ) -> SourceRead:
        from . import mysql_source

        columns = [name for name in self.info.column_names if name not in exclude_columns]
        where = None
        if cursor_column is not None and cursor_before is not None:
            column = self.info.column(cursor_column)
            assert column is not None, "the pipeline checks the cursor column exists"
            where = mysql_source.incremental_filter(column, cursor_before, lookback)
        return mysql_source.open_read(self.url, self.variable, self.info, columns, where)


class _MySQL(SourceKind):
    """MySQL and MariaDB, through PyMySQL (imported only when a source of this kind is read)."""

    def check(self, source: SourceSpec, url: str) -> None:
        from .mysql_source import check_mysql

        check_mysql(url, source.url_env)

    def catalog(self, source: SourceSpec, url: str) -> list[CatalogTable]:
        from . import mysql_source

        with mysql_source.connect_mysql(url, source.url_env) as connection:
            return mysql_source.list_tables(connection, source.schema, source.url_env)

    def table(self, source: SourceSpec, name: str, url: str) -> SourceTable:
        from . import mysql_source

        with mysql_source.connect_mysql(url, source.url_env) as connection:
            info = mysql_source.read_table_info(connection, source.schema, name, source.url_env)
        return _MySQLTable(info, url, source.url_env)


class _Files(SourceKind):
    """Files dropped monthly into a landing location (files_source.py); loaded file by file
    (files_load.py), so there is no one read of a whole table."""

    def check(self, source: SourceSpec, url: str) -> None:
        from .files_source import Landing

        Landing(url, source.name).check(source.demo)

    def catalog(self, source: SourceSpec, url: str) -> list[CatalogTable]:
        """The datasets sources.yml declares, with their declared columns."""
        return [
            CatalogTable(
                name=dataset.name,
                columns=tuple(
                    CatalogColumn(name, declared, orderable=False)
                    for name, declared in dataset.columns
                ),
                comment=dataset.description,
            )
            for dataset in source.datasets
        ]

    def table(self, source: SourceSpec, name: str, url: str) -> SourceTable:
        raise ConfigError(
            f"source {source.name!r} is a files source: its files are loaded one by one "
            f"(`elt load --source {source.name}`), and `elt compare` compares database sources "
            "only; elt.loaded_files and elt.quarantine reconcile each file"
        )


# Declared types an incremental cursor can be (compared in order).
_ORDERABLE = ("integer", "bigint", "date", "timestamp", "timestamptz")


class _Http(SourceKind):
    """An HTTP JSON API (http_source.py): each endpoint is loaded batch after batch, each
    published with its cursor (http_load.py), so there is no one read of a whole table."""

    def check(self, source: SourceSpec, url: str) -> None:
        import httpx

        try:
            httpx.get(url, timeout=10.0)
        except httpx.HTTPError as error:
            demo = (
                f" (leave it unset for the demo {source.demo!r} under `elt`/Dagster)"
                if source.demo
                else ""
            )
            raise SourceError(
                f"source {source.name!r}: the API at {source.url_env} cannot be reached "
                f"({type(error).__name__}: {error}); check the URL{demo}"
            ) from None

    def catalog(self, source: SourceSpec, url: str) -> list[CatalogTable]:
        """The endpoints sources.yml declares, with their declared columns."""
        return [
            CatalogTable(
                name=endpoint.name,
                columns=tuple(
                    CatalogColumn(
                        name,
                        declared,
                        orderable=declared in _ORDERABLE,
                        temporal=declared.startswith(("date", "timestamp")),
                    )
                    for name, declared in endpoint.columns
                ),
                comment=endpoint.description,
            )
            for endpoint in source.endpoints
        ]

    def table(self, source: SourceSpec, name: str, url: str) -> SourceTable:
        raise ConfigError(
            f"source {source.name!r} is an HTTP source: its endpoints are loaded page by page "
            f"(`elt load --source {source.name}`), and `elt compare` compares database "
            "sources only"
        )


def source_kind(
    source: SourceSpec,
    psql: str | None = None,
    queries: Callable[[], SourceQueries | None] = lambda: None,
) -> SourceKind:
    """The reader of `source`'s kind; `psql` (ELT_PSQL) runs PostgreSQL's COPY; `queries`
    (a warehouse's `source_queries`) says how to read a PostgreSQL source's catalog on the
    warehouse's own connections to it, where it has them."""
    if source.kind == "postgres":
        return _Postgres(psql, queries)
    if source.kind == "mysql":
        return _MySQL()
    if source.kind == "files":
        return _Files()
    if source.kind == "http":
        return _Http()
    raise ConfigError(f"source {source.name!r}: kind {source.kind!r} cannot be read yet")
