"""Reading a PostgreSQL source: connections, the catalog, and COPY streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import conninfo
from .catalog import CatalogColumn, CatalogTable
from .catalog_types import sql_text
from .columns import SourceColumn
from .errors import ConfigError, SourceError, connection_error_reason
from .identifiers import qualified, quote_ident
from .psql_copy import PsqlCopy
from .reads import CopyRead, SourceScan
from .settings import redact_url

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "CURSOR_TYPES",
    "PostgresRead",
    "TableInfo",
    "check_source",
    "connect_source",
    "copy_out",
    "copy_query",
    "incremental_filter",
    "list_tables",
    "read_table_info",
    "table_info",
]

# Session settings that make the text form of every value unambiguous and zone-independent.
_SESSION = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET bytea_output = 'hex'",
    "SET extra_float_digits = 3",
    "SET client_encoding = 'UTF8'",
    "SET default_transaction_read_only = on",
    # The loaders' SQL writes text literals as '...' with quotes doubled: a backslash in them
    # (a column's name in a message) is a backslash only with this on, PostgreSQL's default.
    "SET standard_conforming_strings = on",
)


@contextmanager
def connect_source(url: str, variable: str) -> Iterator[psycopg.Connection]:
    """A read-only connection with the session settings the loaders rely on."""
    import psycopg  # DuckDB's extension reads the source without it

    try:
        connection = psycopg.connect(
            url, connect_timeout=15, application_name="elt-loader", autocommit=True
        )
    except psycopg.OperationalError as error:
        reason = connection_error_reason(error)
        raise SourceError(
            f"{variable}: cannot connect to {redact_url(url)} ({reason}); check the URL, the "
            "server and the credentials"
        ) from error
    try:
        for statement in _SESSION:
            connection.execute(statement)
        yield connection
    finally:
        connection.close()


def check_source(url: str, variable: str) -> None:
    """Fail fast, with one line naming the variable, if the source cannot be reached."""
    with connect_source(url, variable):
        pass


@dataclass(frozen=True)
class TableInfo:
    schema: str
    name: str
    kind: str  # pg_class.relkind: r table, p partitioned table, v view, m materialized view
    columns: tuple[SourceColumn, ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


# Each column's type followed through domains (any number) and into one array's element, so
# that a domain over an array and an array of a domain both come out as array of base type.
_CATALOG_COLUMNS = """
with recursive resolved as (
    select a.attnum, a.attname::text as name, a.attnotnull as not_null,
           format_type(a.atttypid, a.atttypmod) as declared,
           a.atttypid as type_oid, a.atttypmod as typmod, a.attndims::int as dims,
           false as in_array, 0 as depth
    from pg_attribute as a
    where a.attrelid = {relid} and a.attnum > 0 and not a.attisdropped
    union all
    select r.attnum, r.name, r.not_null, r.declared,
           case when t.typtype = 'd' then t.typbasetype else t.typelem end,
           case when t.typtype = 'd' and t.typtypmod <> -1 then t.typtypmod else r.typmod end,
           greatest(r.dims, case when t.typtype = 'd' then t.typndims else 0 end),
           r.in_array or t.typtype <> 'd',
           r.depth + 1
    from resolved as r
    inner join pg_type as t on t.oid = r.type_oid
    where (t.typtype = 'd'
           or (t.typcategory = 'A' and t.typelem <> 0 and t.typlen = -1 and not r.in_array))
      and r.depth < 20
)
select distinct on (r.attnum)
       r.name, r.declared, r.not_null,
       case when t.typtype = 'e' then 'enum' else t.typname::text end as base,
       format_type(r.type_oid, r.typmod) as base_sql, r.typmod, r.in_array as is_array,
       t.typtype::text as kind, t.oid < 16384 as builtin, greatest(r.dims, 1) as dims
from resolved as r
inner join pg_type as t on t.oid = r.type_oid
order by r.attnum, r.depth desc
"""

# money's decimals come from lc_monetary: 2 for dollars, 0 for yen.
_MONEY_SCALE = "select scale(cast(cast(0 as money) as numeric))"

_PRIMARY_KEY = """
select a.attname::text
from pg_index as i
cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
inner join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
where i.indrelid = {relid} and i.indisprimary
order by k.position
"""


# A query (its values written in) run on a source: its rows.
Query = Callable[[str], list[tuple[Any, ...]]]


def _filled(query: str, **values: str | int) -> str:
    """`query` with each `{name}` the literal of its value."""
    return query.format(**{name: pg_literal(value) for name, value in values.items()})


def pg_literal(value: str | int) -> str:
    """`value` as a PostgreSQL literal, whatever the server's standard_conforming_strings
    (an escape string where the text has a backslash), as psycopg writes it."""
    if isinstance(value, int):
        return str(value)
    if "\\" in value:
        return " E" + sql_text(value.replace("\\", "\\\\"))
    return sql_text(value)


def read_table_info(
    connection: psycopg.Connection, schema: str, table: str, variable: str
) -> TableInfo:
    """Columns (types resolved through domains, enums and arrays) and key of one table."""
    return table_info(lambda text: connection.execute(text).fetchall(), schema, table, variable)


def table_info(query: Query, schema: str, table: str, variable: str) -> TableInfo:
    """read_table_info's, by `query` on a connection to the source."""
    rows = query(
        _filled(
            "select c.oid::bigint, c.relkind::text, c.relispartition from pg_class as c "
            "where c.oid = to_regclass({name})",
            name=qualified(schema, table),
        )
    )
    if not rows:
        ((database,),) = query("select current_database()")
        raise SourceError(
            f"{variable}: table {schema}.{table} not found in database {database!r}; check the "
            "URL, or the source's tables in sources.yml"
        )
    relid, kind, is_partition = rows[0]
    if is_partition:
        raise SourceError(
            f"{variable}: {schema}.{table} is a partition; load its partitioned parent instead, "
            "so that every row is read once"
        )
    rows = query(_filled(_CATALOG_COLUMNS, relid=relid))
    money_scale = 2
    if any(row[3] == "money" for row in rows):
        ((money_scale,),) = query(_MONEY_SCALE) or [(2,)]
    columns = tuple(
        SourceColumn(
            name=name,
            declared=declared,
            not_null=not_null,
            base=base,
            base_sql=base_sql,
            typmod=typmod,
            is_array=is_array,
            kind=kind,
            builtin=builtin,
            dims=dims,
            money_scale=money_scale,
        )
        for name, declared, not_null, base, base_sql, typmod, is_array, kind, builtin, dims in rows
    )
    primary_key = tuple(name for (name,) in query(_filled(_PRIMARY_KEY, relid=relid)))
    return TableInfo(schema, table, kind, columns, primary_key)


@dataclass(frozen=True)
class PostgresRead(CopyRead):
    """One table of a PostgreSQL source, read by psql's COPY with the loaders' session."""

    psql: str
    url: str
    info: TableInfo
    columns: tuple[SourceColumn, ...]  # the columns to read (excluded ones removed)
    where: str | None = None  # the incremental filter, if any

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"{self.info.schema}.{self.info.name}"

    def copy(self, select_exprs: Sequence[str], options: str) -> PsqlCopy:
        query = copy_query(
            self.info.schema, self.info.name, list(select_exprs), self.where, options
        )
        return copy_out(self.psql, self.url, query)

    def scan(self, select_exprs: Sequence[str], checks: Sequence[str] = ()) -> SourceScan:
        scan_info, password = scan_conninfo(self.url)
        table = qualified(self.info.schema, self.info.name)  # quoted: any name
        select = f"SELECT {', '.join(select_exprs)} FROM {table}"
        # The server orders a WHERE clause's conditions by their cost: the cheap incremental
        # filter comes before the checks, which only rows of the batch then meet.
        conditions = [f"({check})" for check in checks]
        if self.where is not None:
            conditions.insert(0, self.where)
        whole = select
        if conditions:
            whole += " WHERE " + " AND ".join(conditions)
        # An incremental batch is the rows after a cursor, wherever they are in the table; a
        # view or a partitioned table has no pages of its own.
        ranges = None
        if self.where is None and self.info.kind == "r":
            ranges = CtidRanges(table, select, tuple(conditions))
        return SourceScan(scan_info, password, _SESSION, whole, self.label, ranges)


@dataclass(frozen=True)
class CtidRanges:
    """A table split by ranges of its pages, one per stream."""

    table: str  # quoted
    select: str
    conditions: tuple[str, ...]

    @property
    def pages_query(self) -> str:
        return _filled(_PAGES, table=self.table)

    def split(self, pages: int, version: int, streams: int) -> tuple[str, ...]:
        # Without TID range scans (before PostgreSQL 14) a ctid range reads the whole table.
        ranges = page_ranges(pages, streams) if version >= 140000 else [(0, None)]
        return tuple(
            f"{self.select} WHERE " + " AND ".join([ctid_filter(first, end), *self.conditions])
            for first, end in ranges
        )


# The table's size in pages now (relpages is only the last VACUUM's estimate), and whether the
# server has TID range scans (PostgreSQL 14): without them a ctid range reads the whole table.
_PAGES = """
select pg_relation_size(to_regclass({table})) / current_setting('block_size')::bigint,
       current_setting('server_version_num')::int
"""
# Below this many pages (8 kB each) per stream, a table is read by one query: a second
# connection and an exported snapshot cost more than they save.
MIN_PART_PAGES = 256


def page_ranges(pages: int, streams: int) -> list[tuple[int, int | None]]:
    """Ranges of page numbers [first, end), one per stream, of equal size, splitting a table
    of `pages` pages; one range where the table is small. Each range is read in one
    transaction: measured here, more and smaller parts (each committed into DuckDB) took up to
    twice as long. The last range has no end, for pages added after the size was read."""
    parts = streams if streams > 1 and pages >= streams * MIN_PART_PAGES else 1
    step = -(-pages // parts)
    bounds = [part * step for part in range(parts)]
    return [(first, end) for first, end in zip(bounds, [*bounds[1:], None], strict=True)]


def ctid_filter(first: int, end: int | None) -> str:
    """Rows on pages [first, end): a TID range scan reads only those pages."""
    lower = f"ctid >= '({first},0)'::tid"
    if end is None:
        return lower
    return f"{lower} AND ctid < '({end},0)'::tid"


def scan_conninfo(url: str) -> tuple[str, str | None]:
    """libpq's connection string for `url` with the loaders' client settings, without the
    password (returned apart: a connection string ends up in error messages)."""
    params = conninfo.parse(url)
    password = params.pop("password", None)
    params.setdefault("application_name", "elt-loader")
    params.setdefault("connect_timeout", "15")
    params["client_encoding"] = "UTF8"
    return conninfo.make(params), password


def incremental_filter(
    info: TableInfo, cursor_column: str, cursor_before: str, lookback: timedelta
) -> str:
    """`cursor >= saved cursor - lookback`: rows committed late, or updated in the same second,
    are read again (and merged as unchanged)."""
    column = next(c for c in info.columns if c.name == cursor_column)
    if column.base not in CURSOR_TYPES or column.is_array:
        raise ConfigError(
            f"{info.schema}.{info.name}: cursor column {column.name!r} is {column.declared}; "
            "use a timestamp, date or integer column"
        )
    window = "0"
    if column.base in _TEMPORAL:
        days, seconds, micros = lookback.days, lookback.seconds, lookback.microseconds
        window = f"CAST('{days} days {seconds} seconds {micros} microseconds' AS interval)"
    cursor = f"CAST({pg_literal(cursor_before)} AS {column.base_sql})"
    return f"{quote_ident(column.name)} >= {cursor} - {window}"


def copy_out(psql: str, url: str, query: str) -> PsqlCopy:
    """A psql process running `query` (`COPY ... TO STDOUT`) with the loaders' session settings.

    The query is built by `copy_query` from catalog names and literals, so it is complete SQL
    without a connection to quote it.
    """
    return PsqlCopy(psql, url, query, [f"{s};" for s in _SESSION])


def copy_query(
    schema: str,
    table: str,
    select_exprs: list[str],
    where: str | None,
    options: str,
) -> str:
    """`COPY (SELECT ... FROM schema.table [WHERE ...]) TO STDOUT (options)`."""
    query = f"COPY (SELECT {', '.join(select_exprs)} FROM {qualified(schema, table)}"
    if where is not None:
        query += f" WHERE {where}"
    return query + f") TO STDOUT ({options})"


# Base and partitioned tables (never partitions: their parent is read), views, materialized
# views and foreign tables of one schema, with the planner's row estimate.
_TABLES = """
select c.oid, c.relname::text, c.relkind in ('r', 'p') as is_base_table,
       case when c.relkind = 'p' then (
           select sum(greatest(p.reltuples, 0))::bigint
           from pg_partition_tree(c.oid) as t
           inner join pg_class as p on p.oid = t.relid
           where t.isleaf
       ) when c.reltuples >= 0 then c.reltuples::bigint end as estimated_rows,
       coalesce(obj_description(c.oid, 'pg_class'), '') as comment
from pg_class as c
inner join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
order by c.relname
"""
# Base types an incremental cursor can be (ordered, and read back from text exactly).
CURSOR_TYPES = frozenset({"timestamptz", "timestamp", "date", "int2", "int4", "int8"})
_TEMPORAL = frozenset({"timestamptz", "timestamp", "date"})


def list_tables(connection: psycopg.Connection, schema: str, variable: str) -> list[CatalogTable]:
    """Every table of `schema` with its columns, key and estimated rows."""
    tables = []
    for _oid, name, is_base_table, estimated_rows, comment in connection.execute(
        _TABLES, (schema,)
    ).fetchall():
        info = read_table_info(connection, schema, name, variable)
        columns = tuple(
            CatalogColumn(
                name=column.name,
                declared=column.declared,
                orderable=column.base in CURSOR_TYPES and not column.is_array,
                temporal=column.base in _TEMPORAL and not column.is_array,
            )
            for column in info.columns
        )
        tables.append(
            CatalogTable(
                name=name,
                columns=columns,
                primary_key=info.primary_key,
                estimated_rows=estimated_rows,
                is_base_table=is_base_table,
                comment=comment,
            )
        )
    if not tables:
        exists = connection.execute(
            "select 1 from pg_namespace where nspname = %s", (schema,)
        ).fetchone()
        if exists is None:
            raise SourceError(
                f"{variable}: schema {schema!r} not found in database "
                f"{connection.info.dbname!r}; set schema: in sources.yml"
            )
    return tables
